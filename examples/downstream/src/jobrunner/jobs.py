"""Jobs: one container per run, labelled so finished ones can be pruned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

JOB_LABEL = "jobrunner.job"


@dataclass(frozen=True)
class JobResult:
    """The outcome of one job: its exit code and what it wrote to stdout."""

    name: str
    exit_code: int
    output: bytes


class JobFailed(Exception):
    """A job exited with a non-zero code."""

    def __init__(self, result: JobResult, errors: bytes) -> None:
        super().__init__(
            f"job {result.name} exited with {result.exit_code}: "
            f"{errors.decode(errors='replace').strip()}"
        )
        self.result = result


def ensure_image(client: Any, reference: str) -> None:
    """Pull ``reference`` unless it is present already."""
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        repository, _, tag = reference.partition(":")
        client.images.pull(repository, tag=tag or "latest")


def run_job(
    client: Any, name: str, image: str, command: list[str], *, check: bool = True
) -> JobResult:
    """Run ``command`` in a new container of ``image`` and wait for it to end.

    Raises:
        JobFailed: the job exited non-zero and ``check`` is set.
    """
    ensure_image(client, image)
    container = client.containers.run(
        image, command, name=name, labels={JOB_LABEL: name}, detach=True
    )
    status = container.wait(timeout=60)
    output = container.logs(stdout=True, stderr=False)
    result = JobResult(name, int(status["StatusCode"]), output)
    if check and result.exit_code != 0:
        raise JobFailed(result, container.logs(stdout=False, stderr=True))
    return result


def prune_finished(client: Any) -> list[str]:
    """Remove the exited job containers; return their names."""
    removed = []
    finished = client.containers.list(
        all=True, filters={"label": JOB_LABEL, "status": "exited"}
    )
    for container in finished:
        container.remove()
        removed.append(container.name)
    return sorted(removed)
