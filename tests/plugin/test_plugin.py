"""The pytest plugin, run inside pytester sessions."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(300)


def test_fake_daemon_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        def test_ping(fake_daemon):
            client = fake_daemon.client()
            assert client.ping().api_version == "1.55"
            assert os.environ["DOCKER_HOST"] == fake_daemon.docker_host
            assert fake_daemon.engine.containers.all() == []
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_marker_strict(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakedaemon(engine="26.1", api_versions=("1.24", "1.45"))
        def test_versions(fake_daemon):
            version = fake_daemon.docker_client().version()
            assert version["ApiVersion"] == "1.45"
            assert version["MinAPIVersion"] == "1.24"
            assert version["Version"].startswith("26.1")
        """
    )
    result = pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_marker_images_offline(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import docker
        import pytest

        @pytest.mark.fakedaemon(images=["alpine:3"], offline=True)
        def test_images(fake_daemon):
            client = fake_daemon.docker_client()
            tags = [t for image in client.images.list() for t in image.tags]
            assert tags == ["alpine:3"]
            with pytest.raises(docker.errors.APIError):
                client.images.pull("redis", tag="7")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_marker_behaviours_faults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import docker
        import pytest

        @pytest.mark.fakedaemon(
            behaviours=[{"image": "busybox", "stdout": "migrated\\n"}],
            faults=[{"operation": "ContainerList", "status": 500, "times": 1}],
        )
        def test_rules(fake_daemon):
            client = fake_daemon.docker_client()
            output = client.containers.run("busybox", "migrate", remove=True)
            assert output == b"migrated\\n"
            with pytest.raises(docker.errors.APIError):
                client.containers.list()
            assert client.containers.list() == []
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_marker_unknown_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakedaemon(colour="red")
        def test_bad(fake_daemon):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*unknown fakedaemon marker options colour*"])
    assert result.ret != 0


def test_guard_blocks_real_socket(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket
        import pytest
        from harness.pytest_plugin import RealDaemonAccessError

        def test_guard(fake_daemon):
            sock = socket.socket(socket.AF_UNIX)
            with pytest.raises(RealDaemonAccessError, match="/var/run/docker.sock"):
                sock.connect("/var/run/docker.sock")
            sock.close()

        def test_guard_docker_py(fake_daemon):
            import docker
            # docker-py wraps the error while it negotiates the version.
            with pytest.raises(docker.errors.DockerException, match="blocked"):
                docker.DockerClient(base_url="unix:///var/run/docker.sock")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_guard_blocks_previous_host(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/some-real/docker.sock")
    pytester.makepyfile(
        """
        import socket
        import pytest
        from harness.pytest_plugin import RealDaemonAccessError

        def test_guard(fake_daemon):
            sock = socket.socket(socket.AF_UNIX)
            with pytest.raises(RealDaemonAccessError):
                sock.connect("/tmp/some-real/docker.sock")
            sock.close()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_guard_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket
        import pytest

        @pytest.mark.fakedaemon(guard=False)
        def test_unguarded(fake_daemon):
            sock = socket.socket(socket.AF_UNIX)
            with pytest.raises(OSError):
                sock.connect("/nonexistent/docker.sock")
            assert socket.socket.connect.__name__ == "connect"
            sock.close()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_guard_removed_after(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket

        def test_first(fake_daemon):
            assert socket.socket.connect.__name__ == "guarded_connect"

        def test_second():
            assert socket.socket.connect.__name__ == "connect"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_session_reset(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("run", [1, 2])
        def test_clean(fake_daemon_reset, run):
            client = fake_daemon_reset.docker_client()
            assert client.containers.list(all=True) == []
            client.containers.create("busybox", "true")
            fake_daemon_reset.control.faults.add(path="/info", status=500)

        def test_same_daemon(fake_daemon_session, fake_daemon_reset):
            assert fake_daemon_session is fake_daemon_reset
            assert len(fake_daemon_reset.control.faults) == 0
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_session_baseline(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture(scope="session")
        def seeded(fake_daemon_session):
            fake_daemon_session.docker_client().containers.create(
                "busybox", "true", name="seed"
            )
            fake_daemon_session.set_baseline()
            return fake_daemon_session

        @pytest.mark.parametrize("run", [1, 2])
        def test_baseline(seeded, fake_daemon_reset, run):
            client = fake_daemon_reset.docker_client()
            names = [c.name for c in client.containers.list(all=True)]
            assert names == ["seed"]
            client.containers.create("busybox", "true")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_session_rejects_engine(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakedaemon(engine="20.10")
        def test_engine(fake_daemon_reset):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*need a daemon of their own*"])
    assert result.ret != 0


def test_inprocess_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakedaemon(behaviours=[{"command": ["hi"], "stdout": "x"}])
        def test_inprocess(fake_daemon_inprocess):
            http = fake_daemon_inprocess.http
            assert http.get("/_ping").text == "OK"
            created = http.post(
                "/containers/create", json={"Image": "busybox", "Cmd": ["hi"]}
            ).json()
            attached = http.post(f"/containers/{created['Id']}/attach?stream=1")
            assert attached.status_code == 400
            assert fake_daemon_inprocess.client().ping().os_type == "linux"
            fake_daemon_inprocess.control.journal.assert_called("ContainerCreate")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_xdist_workers(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.parametrize("run", range(4))
        def test_worker_socket(fake_daemon_session, run):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            assert fake_daemon_session.docker_host.endswith(f"docker-{worker}.sock")
            assert fake_daemon_session.docker_client().ping()
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
