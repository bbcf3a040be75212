"""Container filesystem routes: archive (GET, HEAD, PUT), export and changes."""

from __future__ import annotations

import base64
import io
import json
import posixpath
import tarfile

from werkzeug.wrappers import Response

from ...clock import format_rfc3339_nano
from ...engine.containers import Container
from ...engine.filesystem import (
    FileNotFound,
    Filesystem,
    InvalidArchive,
    NotADirectory,
    Stat,
    normalize,
)
from ...errors import DaemonError, InvalidParameter, NotFound
from ..call import Call
from ..responses import empty, json_response
from ..routing import Router

router = Router()

PATH_STAT_HEADER = "X-Docker-Container-Path-Stat"
TAR = "application/x-tar"

# dockerd reports a directory's size as its filesystem does (ext4, overlay).
_DIRECTORY_SIZE = 4096


def _archive_path(call: Call) -> str:
    path = call.query("path")
    if not path:
        # The missing space is dockerd's own wording.
        raise InvalidParameter("bad parameter: pathcannot be empty")
    return path


def _absolute(path: str) -> str:
    """Return ``path`` from the container's root, keeping a trailing ``/`` or ``/.``."""
    absolute = normalize(path)
    if path.endswith("/.") and absolute != "/":
        return absolute + "/."
    if path.endswith("/") and absolute != "/":
        return absolute + "/"
    return absolute


def _stat(container: Container, path: str, reference: str) -> Stat:
    """Stat ``path`` as dockerd's ``statPath`` does, with its error wording."""
    filesystem = container.filesystem
    absolute = _absolute(path)
    follow = absolute.endswith("/") or absolute.endswith("/.")
    try:
        return filesystem.stat(absolute, follow=follow)
    except FileNotFound:
        raise NotFound(
            f"Could not find the file {path} in container {reference}"
        ) from None
    except NotADirectory:
        # Engine 20.10 named the host path of the container's layer here.
        raise DaemonError(f"lstat {normalize(path)}: not a directory") from None


def _stat_header(filesystem: Filesystem, stat: Stat, path: str) -> str:
    link_target = ""
    if stat.kind == "symlink":
        link_target = filesystem.realpath(stat.path)
    size = _DIRECTORY_SIZE if stat.kind == "dir" else stat.size
    document = {
        "name": posixpath.basename(normalize(path)) or "/",
        "size": size,
        "mode": stat.go_file_mode,
        "mtime": format_rfc3339_nano(int(stat.mtime * 1_000_000_000)),
        "linkTarget": link_target,
    }
    encoded = json.dumps(document, separators=(",", ":")).encode()
    return base64.b64encode(encoded).decode()


@router.head("/containers/<id>/archive", "ContainerArchiveInfo")
def archive_info(call: Call, id: str) -> Response:
    """Return the path's stat in a header, without a body."""
    path = _archive_path(call)
    container = call.engine.containers.get(id)
    stat = _stat(container, path, id)
    response = empty(200)
    response.headers[PATH_STAT_HEADER] = _stat_header(container.filesystem, stat, path)
    return response


@router.get("/containers/<id>/archive", "ContainerArchive")
def archive(call: Call, id: str) -> Response:
    """Return a tar archive of the path and its stat header."""
    path = _archive_path(call)
    container = call.engine.containers.get(id)
    stat = _stat(container, path, id)
    data = container.filesystem.to_tar(_absolute(path))
    _publish(call, container, "archive-path")
    response = Response(data, status=200, content_type=TAR)
    response.headers[PATH_STAT_HEADER] = _stat_header(container.filesystem, stat, path)
    return response


@router.put("/containers/<id>/archive", "PutContainerArchive")
def extract(call: Call, id: str) -> Response:
    """Extract a tar archive into the directory at ``path``."""
    path = _archive_path(call)
    container = call.engine.containers.get(id)
    filesystem = container.filesystem
    destination = normalize(path)
    legacy = call.profile.legacy_messages
    if not filesystem.exists(destination):
        raise NotFound(f"Could not find the file {path} in container {id}")
    if not filesystem.is_dir(destination):
        raise DaemonError("extraction point is not a directory")
    data = call.request.get_data()
    if data:
        try:
            if call.query_bool("noOverwriteDirNonDir"):
                _check_overwrites(filesystem, destination, data)
            filesystem.extract_tar(destination, data)
        except InvalidArchive as error:
            message = error.message
            if isinstance(error.__cause__, (tarfile.TarError, EOFError)):
                message = "unexpected EOF"
            # Engine 20.10 extracted in a child process and named its status.
            if legacy:
                message = f"Error processing tar file(exit status 1): {message}"
            raise DaemonError(message) from None
    _publish(call, container, "extract-to-dir")
    return empty(200)


def _check_overwrites(filesystem: Filesystem, destination: str, data: bytes) -> None:
    """Reject entries that replace a directory by a non-directory or the reverse."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            members = tar.getmembers()
    except (tarfile.TarError, EOFError) as error:
        raise InvalidArchive(f"invalid tar archive: {error}") from error
    for member in members:
        relative = posixpath.normpath("/" + member.name).lstrip("/")
        if not relative:
            continue
        target = posixpath.join(destination, relative)
        if not filesystem.lexists(target):
            continue
        existing_dir = filesystem.is_dir(target) and not filesystem.is_symlink(target)
        if existing_dir and not member.isdir():
            raise InvalidArchive(
                f'cannot overwrite directory "{target}" with non-directory '
                f'"{destination}"'
            )
        if not existing_dir and member.isdir():
            raise InvalidArchive(
                f'cannot overwrite non-directory "{target}" with directory '
                f'"{destination}"'
            )


@router.get("/containers/<id>/export", "ContainerExport")
def export(call: Call, id: str) -> Response:
    """Return the container's whole filesystem as a tar archive."""
    container = call.engine.containers.get(id)
    data = _root_archive(container.filesystem)
    _publish(call, container, "export")
    return Response(data, status=200, content_type="application/octet-stream")


def _root_archive(filesystem: Filesystem) -> bytes:
    """Return a tar of ``/`` with entries named from the root (``bin/sh``)."""
    source = tarfile.open(fileobj=io.BytesIO(filesystem.to_tar("/.")), mode="r:")
    buffer = io.BytesIO()
    with (
        source,
        tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for member in source.getmembers():
            name = member.name.removeprefix("./")
            if member.name == "." or not name:
                continue
            member.name = name
            content = source.extractfile(member) if member.isfile() else None
            tar.addfile(member, content)
    return buffer.getvalue()


@router.get("/containers/<id>/changes", "ContainerChanges")
def changes(call: Call, id: str) -> Response:
    """List the paths changed since the container was created (null when none)."""
    container = call.engine.containers.get(id)
    entries = [
        {"Path": change.path, "Kind": change.kind}
        for change in container.filesystem.changes()
    ]
    return json_response(entries or None)


def _publish(call: Call, container: Container, action: str) -> None:
    attributes = dict(container.labels)
    attributes["image"] = container.config.get("Image", "")
    attributes["name"] = container.name.lstrip("/")
    call.engine.events.publish("container", action, container.id, attributes)
