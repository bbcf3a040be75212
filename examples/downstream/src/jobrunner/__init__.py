"""Run batch jobs in Docker containers and clean up after them."""

from __future__ import annotations

from .jobs import JobFailed, JobResult, ensure_image, prune_finished, run_job

__all__ = ["JobFailed", "JobResult", "ensure_image", "prune_finished", "run_job"]
