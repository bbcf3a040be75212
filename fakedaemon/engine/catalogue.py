"""The built-in base images: their configuration, layers and files.

Each entry describes what a pulled image of that name looks like: the
container configuration its publisher sets (``Cmd``, ``Entrypoint``,
``ExposedPorts`` ...), its layers and the executables a simulated process
finds in it. Files hold short placeholder content, because no container runs
a host process; what matters is that paths, modes and links exist.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .filesystem import Filesystem

EXECUTABLE = 0o755

PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

BUSYBOX_APPLETS = (
    "[", "ash", "awk", "basename", "cat", "chmod", "chown", "cp", "cut", "date",
    "dd", "df", "dirname", "du", "echo", "env", "expr", "false", "find", "grep",
    "head", "hostname", "id", "kill", "ln", "ls", "mkdir", "mktemp", "more", "mv",
    "nc", "nslookup", "ping", "printenv", "printf", "ps", "pwd", "readlink", "rm",
    "rmdir", "sed", "seq", "sh", "sleep", "sort", "stat", "tail", "tar", "tee",
    "test", "top", "touch", "tr", "true", "uname", "uniq", "uptime", "vi", "wc",
    "wget", "which", "whoami", "xargs", "yes",
)  # fmt: skip

COREUTILS = (
    "basename", "cat", "chmod", "chown", "cp", "cut", "date", "dd", "df",
    "dirname", "du", "echo", "env", "expr", "false", "head", "id", "ln", "ls",
    "mkdir", "mktemp", "mv", "nproc", "printenv", "printf", "pwd", "readlink",
    "rm", "rmdir", "seq", "sleep", "sort", "stat", "tail", "tee", "test",
    "touch", "tr", "true", "uname", "uniq", "wc", "whoami", "yes",
)  # fmt: skip

_COMMON_DIRS = (
    "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr",
    "/var", "/usr/bin", "/usr/local/bin", "/usr/sbin", "/var/log",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer of a base image: what built it and its size in bytes.

    ``key`` names the layer's content; images whose layers share a key share
    the layer, as images built on the same base do. A ``shared`` layer stays
    the same for every tag, so all tags of a one-layer base are one image.
    """

    key: str
    created_by: str
    size: int
    comment: str = ""
    shared: bool = False


@dataclass(frozen=True, slots=True)
class EmptyLayer:
    """A history step that changed only the configuration (``CMD``, ``ENV``)."""

    created_by: str
    comment: str = "buildkit.dockerfile.v0"


@dataclass(frozen=True, slots=True)
class BaseImage:
    """What an image of one repository name looks like after a pull."""

    name: str
    config: dict[str, Any]
    steps: tuple[Layer | EmptyLayer, ...]
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    dirs: tuple[str, ...] = _COMMON_DIRS
    created: str = "2024-09-26T21:31:42Z"

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The steps that added a layer, oldest first."""
        return tuple(step for step in self.steps if isinstance(step, Layer))

    def filesystem(self) -> Filesystem:
        """Return an in-memory filesystem of this image's files, for one image.

        Every file carries the image's creation time, as a pulled image's
        files carry the time they were built, so two pulls give equal trees.
        The files are built once per process and each image gets a copy that
        shares them until it writes: a daemon per test would otherwise build
        busybox's tree at every start.
        """
        key = (
            self.created,
            self.dirs,
            tuple(self.files.items()),
            tuple(self.symlinks.items()),
        )
        with _TEMPLATES_LOCK:
            template = _TEMPLATES.get(key)
            if template is None:
                created = datetime.fromisoformat(self.created).timestamp()
                template = Filesystem.from_files(
                    self.files, symlinks=self.symlinks, dirs=self.dirs, mtime=created
                )
                if len(_TEMPLATES) >= _MAX_TEMPLATES:
                    # Names outside the catalogue each get an image of their
                    # own; the oldest template goes first.
                    del _TEMPLATES[next(iter(_TEMPLATES))]
                _TEMPLATES[key] = template
        return template.detached_copy()


_TEMPLATES: dict[tuple[Any, ...], Filesystem] = {}
"""The files of base images, by their description, built once per process."""
_MAX_TEMPLATES = 64
_TEMPLATES_LOCK = threading.Lock()


def _script(name: str) -> tuple[bytes, int]:
    return (f"#!/bin/sh\n# {name}\n".encode(), EXECUTABLE)


def _binary(name: str) -> tuple[bytes, int]:
    return (f"\x7fELF {name}\n".encode(), EXECUTABLE)


def _etc_files(os_release: str) -> dict[str, tuple[bytes, int]]:
    return {
        "/etc/os-release": (os_release.encode(), 0o644),
        "/etc/passwd": (
            b"root:x:0:0:root:/root:/bin/sh\n"
            b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
            0o644,
        ),
        "/etc/group": (b"root:x:0:\nnogroup:x:65534:\n", 0o644),
        "/etc/hostname": (b"localhost\n", 0o644),
        "/etc/hosts": (b"127.0.0.1\tlocalhost\n", 0o644),
    }


def _busybox_tree(
    os_release: str,
) -> tuple[dict[str, tuple[bytes, int]], dict[str, str]]:
    files = {"/bin/busybox": _binary("busybox"), **_etc_files(os_release)}
    links = {f"/bin/{applet}": "busybox" for applet in BUSYBOX_APPLETS}
    return files, links


def _debian_tree(
    os_release: str,
) -> tuple[dict[str, tuple[bytes, int]], dict[str, str]]:
    files = {
        "/bin/bash": _binary("bash"),
        "/bin/dash": _binary("dash"),
        **{f"/usr/bin/{tool}": _binary(tool) for tool in COREUTILS},
        "/usr/bin/grep": _binary("grep"),
        "/usr/bin/sed": _binary("sed"),
        "/usr/bin/hostname": _binary("hostname"),
        "/usr/bin/apt-get": _binary("apt-get"),
        **_etc_files(os_release),
    }
    links = {"/bin/sh": "dash"}
    return files, links


_BUSYBOX_RELEASE = 'NAME="BusyBox"\nVERSION_ID=1.37.0\n'
_ALPINE_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n'
_DEBIAN_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
_UBUNTU_RELEASE = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\n'

_DEBIAN_LAYER = Layer(
    "debian:bookworm rootfs",
    "# debian.sh --arch 'amd64' out/ 'bookworm' '@1727049600'",
    74_830_000,
    "debuerreotype 0.15",
    shared=True,
)


def _busybox() -> BaseImage:
    files, links = _busybox_tree(_BUSYBOX_RELEASE)
    return BaseImage(
        name="busybox",
        config={"Env": [PATH_ENV], "Cmd": ["sh"]},
        steps=(
            Layer("busybox rootfs", "BusyBox 1.37.0 (glibc), Debian 12", 4_261_550, ""),
            EmptyLayer('CMD ["sh"]'),
        ),
        files=files,
        symlinks=links,
    )


def _alpine() -> BaseImage:
    files, links = _busybox_tree(_ALPINE_RELEASE)
    files["/sbin/apk"] = _binary("apk")
    files["/etc/alpine-release"] = (b"3.20.3\n", 0o644)
    return BaseImage(
        name="alpine",
        config={"Env": [PATH_ENV], "Cmd": ["/bin/sh"]},
        steps=(
            Layer(
                "alpine rootfs",
                "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit",
                7_797_760,
                "buildkit.dockerfile.v0",
            ),
            EmptyLayer('CMD ["/bin/sh"]'),
        ),
        files=files,
        symlinks=links,
        created="2024-09-06T22:20:07Z",
    )


def _debian() -> BaseImage:
    files, links = _debian_tree(_DEBIAN_RELEASE)
    return BaseImage(
        name="debian",
        config={"Env": [PATH_ENV], "Cmd": ["bash"]},
        steps=(_DEBIAN_LAYER, EmptyLayer('CMD ["bash"]', "debuerreotype 0.15")),
        files=files,
        symlinks=links,
        created="2024-09-23T00:00:00Z",
    )


def _ubuntu() -> BaseImage:
    files, links = _debian_tree(_UBUNTU_RELEASE)
    return BaseImage(
        name="ubuntu",
        config={"Env": [PATH_ENV], "Cmd": ["/bin/bash"]},
        steps=(
            EmptyLayer("/bin/sh -c #(nop)  ARG RELEASE", ""),
            EmptyLayer("/bin/sh -c #(nop)  ARG LAUNCHPAD_BUILD_ARCH", ""),
            EmptyLayer(
                "/bin/sh -c #(nop)  LABEL org.opencontainers.image.ref.name=ubuntu",
                "",
            ),
            EmptyLayer(
                "/bin/sh -c #(nop)  LABEL org.opencontainers.image.version=24.04",
                "",
            ),
            Layer(
                "ubuntu:noble rootfs",
                "/bin/sh -c #(nop) ADD file:ubuntu-noble-rootfs in / ",
                78_078_000,
            ),
            EmptyLayer('/bin/sh -c #(nop)  CMD ["/bin/bash"]', ""),
        ),
        files=files,
        symlinks=links,
        created="2024-09-16T06:11:12Z",
    )


def _debian_service(
    name: str,
    config: dict[str, Any],
    layers: tuple[Layer, ...],
    extra_files: dict[str, tuple[bytes, int]],
    created: str,
) -> BaseImage:
    files, links = _debian_tree(_DEBIAN_RELEASE)
    files.update(extra_files)
    steps: list[Layer | EmptyLayer] = [_DEBIAN_LAYER]
    steps.append(EmptyLayer('CMD ["bash"]', "debuerreotype 0.15"))
    steps.extend(layers)
    for key in ("Entrypoint", "Cmd"):
        if key in config:
            words = ",".join(f'"{word}"' for word in config[key])
            steps.append(EmptyLayer(f"{key.upper()} [{words}]"))
    return BaseImage(
        name=name,
        config={"Env": [PATH_ENV], **config},
        steps=tuple(steps),
        files=files,
        symlinks=links,
        created=created,
    )


def _run_layer(name: str, command: str, size: int) -> Layer:
    return Layer(f"{name} {command}", f"RUN /bin/sh -c {command} # buildkit", size,
                 "buildkit.dockerfile.v0")  # fmt: skip


def _nginx() -> BaseImage:
    return _debian_service(
        "nginx",
        {
            "Env": [PATH_ENV, "NGINX_VERSION=1.27.2", "NJS_VERSION=0.8.6"],
            "Entrypoint": ["/docker-entrypoint.sh"],
            "Cmd": ["nginx", "-g", "daemon off;"],
            "ExposedPorts": {"80/tcp": {}},
            "StopSignal": "SIGQUIT",
            "Labels": {
                "maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"
            },
        },
        (
            _run_layer("nginx", "install nginx", 112_000_000),
            _run_layer("nginx", "COPY docker-entrypoint.sh", 1_620),
        ),
        {
            "/usr/sbin/nginx": _binary("nginx"),
            "/docker-entrypoint.sh": _script("docker-entrypoint.sh"),
            "/etc/nginx/nginx.conf": (b"events {}\nhttp {}\n", 0o644),
            "/usr/share/nginx/html/index.html": (
                b"<h1>Welcome to nginx!</h1>\n",
                0o644,
            ),
        },
        "2024-10-02T17:55:35Z",
    )


def _redis() -> BaseImage:
    return _debian_service(
        "redis",
        {
            "Env": [PATH_ENV, "REDIS_VERSION=7.4.1"],
            "Entrypoint": ["docker-entrypoint.sh"],
            "Cmd": ["redis-server"],
            "ExposedPorts": {"6379/tcp": {}},
            "Volumes": {"/data": {}},
            "WorkingDir": "/data",
        },
        (
            _run_layer("redis", "install redis", 40_600_000),
            _run_layer("redis", "COPY docker-entrypoint.sh", 2_400),
        ),
        {
            "/usr/local/bin/redis-server": _binary("redis-server"),
            "/usr/local/bin/redis-cli": _binary("redis-cli"),
            "/usr/local/bin/docker-entrypoint.sh": _script("docker-entrypoint.sh"),
        },
        "2024-10-03T01:22:02Z",
    )


def _postgres() -> BaseImage:
    return _debian_service(
        "postgres",
        {
            "Env": [
                PATH_ENV + ":/usr/lib/postgresql/17/bin",
                "PG_MAJOR=17",
                "PG_VERSION=17.0-1.pgdg120+1",
                "PGDATA=/var/lib/postgresql/data",
            ],
            "Entrypoint": ["docker-entrypoint.sh"],
            "Cmd": ["postgres"],
            "ExposedPorts": {"5432/tcp": {}},
            "Volumes": {"/var/lib/postgresql/data": {}},
            "StopSignal": "SIGINT",
        },
        (
            _run_layer("postgres", "install postgresql-17", 330_000_000),
            _run_layer("postgres", "COPY docker-entrypoint.sh", 13_400),
        ),
        {
            "/usr/lib/postgresql/17/bin/postgres": _binary("postgres"),
            "/usr/lib/postgresql/17/bin/psql": _binary("psql"),
            "/usr/local/bin/docker-entrypoint.sh": _script("docker-entrypoint.sh"),
        },
        "2024-09-27T00:41:17Z",
    )


def _python() -> BaseImage:
    return _debian_service(
        "python",
        {
            "Env": [
                "PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin"
                ":/usr/bin:/sbin:/bin",
                "LANG=C.UTF-8",
                "PYTHON_VERSION=3.12.7",
            ],
            "Cmd": ["python3"],
        },
        (_run_layer("python", "build python 3.12.7", 58_900_000),),
        {
            "/usr/local/bin/python3": _binary("python3"),
            "/usr/local/bin/pip3": _script("pip3"),
        },
        "2024-10-01T21:58:36Z",
    )


def _node() -> BaseImage:
    return _debian_service(
        "node",
        {
            "Env": [PATH_ENV, "NODE_VERSION=22.9.0", "YARN_VERSION=1.22.22"],
            "Entrypoint": ["docker-entrypoint.sh"],
            "Cmd": ["node"],
        },
        (_run_layer("node", "install node 22.9.0", 190_000_000),),
        {
            "/usr/local/bin/node": _binary("node"),
            "/usr/local/bin/docker-entrypoint.sh": _script("docker-entrypoint.sh"),
        },
        "2024-09-25T18:44:01Z",
    )


def _golang() -> BaseImage:
    return _debian_service(
        "golang",
        {
            "Env": [
                "PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin"
                ":/usr/sbin:/usr/bin:/sbin:/bin",
                "GOLANG_VERSION=1.23.2",
                "GOTOOLCHAIN=local",
                "GOPATH=/go",
            ],
            "Cmd": ["bash"],
            "WorkingDir": "/go",
        },
        (_run_layer("golang", "install go 1.23.2", 230_000_000),),
        {"/usr/local/go/bin/go": _binary("go")},
        "2024-10-01T16:54:49Z",
    )


def _hello_world() -> BaseImage:
    return BaseImage(
        name="hello-world",
        config={"Env": [PATH_ENV], "Cmd": ["/hello"]},
        steps=(
            Layer(
                "hello-world /hello",
                "COPY hello / # buildkit",
                13_256,
                "buildkit.dockerfile.v0",
            ),  # fmt: skip
            EmptyLayer('CMD ["/hello"]'),
        ),
        files={"/hello": _binary("hello")},
        dirs=(),
        created="2023-05-02T16:49:27Z",
    )


def _generic(name: str) -> BaseImage:
    files, links = _busybox_tree(f'NAME="{name}"\n')
    return BaseImage(
        name=name,
        config={"Env": [PATH_ENV], "Cmd": ["/bin/sh"]},
        steps=(
            Layer(
                f"{name} rootfs",
                f"ADD {name}-rootfs.tar / # buildkit",
                5_242_880,
                "buildkit.dockerfile.v0",
            ),  # fmt: skip
            EmptyLayer('CMD ["/bin/sh"]'),
        ),
        files=files,
        symlinks=links,
        created="2024-06-01T00:00:00Z",
    )


_KNOWN = {
    "alpine": _alpine,
    "busybox": _busybox,
    "debian": _debian,
    "golang": _golang,
    "hello-world": _hello_world,
    "nginx": _nginx,
    "node": _node,
    "postgres": _postgres,
    "python": _python,
    "redis": _redis,
    "ubuntu": _ubuntu,
}


def base_image(repository_path: str) -> BaseImage:
    """Return the base image for a repository path such as ``library/nginx``.

    The last path component picks the entry, so ``myorg/nginx`` looks like
    nginx; a name outside the catalogue gets a small image with ``/bin/sh``.
    """
    last = repository_path.rsplit("/", 1)[-1]
    build = _KNOWN.get(last)
    return build() if build is not None else _generic(last)


def known_names() -> list[str]:
    """Return the names the catalogue describes, sorted."""
    return sorted(_KNOWN)
