"""Contracts for the Docker Engine API.

The upstream Engine API specifications made usable (``contracts.spec``), and
the tools that check a daemon's traffic against them.
"""
