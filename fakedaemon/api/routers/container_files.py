"""Container filesystem routes: archive (GET, HEAD, PUT), export and changes."""

from __future__ import annotations

import base64
import io
import json
import posixpath

from werkzeug.wrappers import Response

from ...clock import format_rfc3339_nano
from ...engine.containers import Container
from ...engine.filesystem import (
    ArchiveDecompressionFailed,
    ArchiveEntryNotFound,
    FileNotFound,
    Filesystem,
    InvalidArchive,
    NotADirectory,
    Stat,
    normalize,
)
from ...errors import DaemonError, InvalidParameter, NotFound
from ...server.bodies import BodyReadError
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
    """Extract a tar archive into the directory at ``path``.

    The body is read as a stream while it is extracted, so memory stays
    bounded by the largest file of the archive.
    """
    path = _archive_path(call)
    container = call.engine.containers.get(id)
    filesystem = container.filesystem
    destination = normalize(path)
    legacy = call.profile.legacy_messages
    if not filesystem.exists(destination):
        raise NotFound(f"Could not find the file {path} in container {id}")
    if not filesystem.is_dir(destination):
        raise DaemonError("extraction point is not a directory")
    try:
        filesystem.extract_tar(
            destination,
            call.request.stream,
            no_overwrite_dir_non_dir=call.query_bool("noOverwriteDirNonDir"),
            # Engine 20.10 did not detect zstd and read such a body as tar.
            zstd=not legacy,
        )
    except ArchiveEntryNotFound as error:
        # Engine 23+ turns ENOENT while extracting into its not-found answer.
        if not legacy:
            raise NotFound(
                f"Could not find the file {path} in container {id}"
            ) from None
        raise DaemonError(_legacy_tar_message(error.message)) from None
    except ArchiveDecompressionFailed as error:
        # Engine 20.10 decompressed in the daemon and put the error where
        # the status of its extracting child process goes.
        if legacy:
            raise DaemonError(f"Error processing tar file({error.message}): ") from None
        raise DaemonError(error.message) from None
    except InvalidArchive as error:
        message = error.message
        raise DaemonError(_legacy_tar_message(message) if legacy else message) from None
    except BodyReadError:
        # Go's tar reader meets a body that breaks off as a short read.
        message = "unexpected EOF"
        raise DaemonError(_legacy_tar_message(message) if legacy else message) from None
    _publish(call, container, "extract-to-dir")
    return empty(200)


def _legacy_tar_message(message: str) -> str:
    """Return an extraction error as Engine 20.10 worded it.

    Engine 20.10 extracted in a child process and reported its exit status.
    """
    return f"Error processing tar file(exit status 1): {message}"


@router.get("/containers/<id>/export", "ContainerExport")
def export(call: Call, id: str) -> Response:
    """Return the container's whole filesystem as a tar archive."""
    container = call.engine.containers.get(id)
    data = _root_archive(container.filesystem)
    _publish(call, container, "export")
    return Response(data, status=200, content_type="application/octet-stream")


def _root_archive(filesystem: Filesystem) -> bytes:
    """Return a tar of ``/`` with entries named from the root (``bin/sh``)."""
    import tarfile

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
