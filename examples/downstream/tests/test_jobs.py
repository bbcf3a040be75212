"""Tests of jobrunner against fakedaemon's fixtures; no real daemon involved."""

from __future__ import annotations

import docker
import docker.errors
import pytest
from jobrunner import JobFailed, prune_finished, run_job


@pytest.fixture
def client(fake_daemon):
    """docker-py configured from the environment, as the application does it."""
    client = docker.from_env()
    yield client
    client.close()


@pytest.mark.fakedaemon(
    behaviours=[{"command": ["report"], "stdout": "42 rows\n", "exit_code": 0}]
)
def test_job_output(client):
    result = run_job(client, "nightly", "busybox", ["report"])
    assert result.exit_code == 0
    assert result.output == b"42 rows\n"


@pytest.mark.fakedaemon(
    behaviours=[{"command": ["report"], "stderr": "disk full\n", "exit_code": 3}]
)
def test_job_failure(client):
    with pytest.raises(JobFailed, match="exited with 3: disk full"):
        run_job(client, "nightly", "busybox", ["report"])


def test_job_with_shell(client):
    result = run_job(client, "echo", "busybox", ["sh", "-c", "echo hello"])
    assert result.output == b"hello\n"


def test_job_pulls_missing_image(client, fake_daemon):
    run_job(client, "pull", "alpine:3", ["true"])
    fake_daemon.control.journal.assert_called(
        "ImageCreate", query={"fromImage": "alpine", "tag": "3"}
    )


@pytest.mark.fakedaemon(offline=True)
def test_job_offline(client):
    with pytest.raises(docker.errors.APIError):
        run_job(client, "pull", "alpine:3", ["true"])


@pytest.mark.fakedaemon(
    faults=[{"operation": "ContainerCreate", "status": 500, "times": 1}]
)
def test_job_daemon_error(client, fake_daemon):
    with pytest.raises(docker.errors.APIError):
        run_job(client, "broken", "busybox", ["true"])
    fake_daemon.control.journal.assert_not_called("ContainerStart")


def test_prune_finished(client, fake_daemon):
    run_job(client, "first", "busybox", ["true"])
    run_job(client, "second", "busybox", ["true"])
    client.containers.create("busybox", "true", name="other")
    assert prune_finished(client) == ["first", "second"]
    assert [c.name for c in client.containers.list(all=True)] == ["other"]


def test_prune_in_session(fake_daemon_reset):
    client = fake_daemon_reset.docker_client()
    run_job(client, "only", "busybox", ["true"])
    assert prune_finished(client) == ["only"]


def test_real_daemon_blocked(fake_daemon):
    with pytest.raises(docker.errors.DockerException, match="blocked"):
        docker.DockerClient(base_url="unix:///var/run/docker.sock")
