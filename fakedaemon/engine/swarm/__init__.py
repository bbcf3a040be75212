"""Swarm mode on one node: the cluster, its nodes, services, tasks, secrets
and configs, and the orchestrator that runs services as simulated containers.
"""

from __future__ import annotations

from .cluster import Swarm as Swarm

__all__ = ["Swarm"]
