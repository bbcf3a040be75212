"""Tests of docker save archives and loading them, with real Engines when named."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakedaemon.config import DaemonConfig
from fakedaemon.engine.archives import ArchiveLoad, export_image, save_images
from fakedaemon.engine.builder import BuildOptions, ClassicBuild
from fakedaemon.engine.engine import Engine


def members(data: bytes) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            extracted = tar.extractfile(member) if member.isfile() else None
            found[member.name] = extracted.read() if extracted else b""
    return found


def load(engine: Engine, data: bytes, quiet: bool = True) -> list[dict[str, Any]]:
    return list(ArchiveLoad(engine, data, quiet=quiet).messages())


def build_app(engine: Engine) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = b"FROM busybox\nRUN echo built > /built.txt\n"
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    options = BuildOptions(tags=["app"])
    list(ClassicBuild(engine, buffer.getvalue(), options).messages())


@pytest.fixture
def engine() -> Engine:
    return Engine(DaemonConfig())


def test_save_oci_layout(engine: Engine) -> None:
    files = members(save_images(engine, ["busybox"], oci_layout=True))
    assert files["oci-layout"] == b'{"imageLayoutVersion": "1.0.0"}'
    index = json.loads(files["index.json"])
    annotations = index["manifests"][0]["annotations"]
    assert annotations["io.containerd.image.name"] == "docker.io/library/busybox:latest"
    manifest = json.loads(files["manifest.json"])
    assert manifest[0]["RepoTags"] == ["busybox:latest"]
    assert manifest[0]["Config"] in files
    assert all(layer in files for layer in manifest[0]["Layers"])
    assert "repositories" in files


def test_save_layer_holds_files(engine: Engine) -> None:
    files = members(save_images(engine, ["busybox"], oci_layout=True))
    manifest = json.loads(files["manifest.json"])
    layer = members(files[manifest[0]["Layers"][0]])
    assert "bin/busybox" in layer


def test_save_diff_ids_match_layers(engine: Engine) -> None:
    build_app(engine)
    files = members(save_images(engine, ["app"], oci_layout=True))
    manifest = json.loads(files["manifest.json"])[0]
    config = json.loads(files[manifest["Config"]])
    digests = ["sha256:" + path.rsplit("/", 1)[1] for path in manifest["Layers"]]
    assert config["rootfs"]["diff_ids"] == digests


def test_save_legacy_layout(engine: Engine) -> None:
    files = members(save_images(engine, ["busybox"], oci_layout=False))
    assert "index.json" not in files
    manifest = json.loads(files["manifest.json"])
    assert manifest[0]["Config"].endswith(".json")
    assert manifest[0]["Layers"][0].endswith("/layer.tar")


def test_save_by_id_has_no_tags(engine: Engine) -> None:
    image = engine.images.get("busybox")
    files = members(save_images(engine, [image.id], oci_layout=True))
    assert json.loads(files["manifest.json"])[0]["RepoTags"] is None


def test_save_missing_image(engine: Engine) -> None:
    from fakedaemon.errors import NoSuchImage

    with pytest.raises(NoSuchImage):
        save_images(engine, ["nonexist"], oci_layout=True)


def test_save_load_keeps_id(engine: Engine) -> None:
    build_app(engine)
    before = engine.images.get("app").id
    messages = load(engine, save_images(engine, ["app", "busybox"], oci_layout=True))
    assert {"stream": "Loaded image: app:latest\n"} in messages
    assert engine.images.get("app").id == before


def test_load_into_fresh_engine(engine: Engine) -> None:
    build_app(engine)
    data = save_images(engine, ["app"], oci_layout=True)
    fresh = Engine(DaemonConfig(images=[]))
    messages = load(fresh, data, quiet=False)
    assert messages[0]["status"] == "Loading layer"
    image = fresh.images.get("app")
    assert image.filesystem.read_file("/built.txt") == b"built\n"
    assert image.id == export_image(engine.images, engine.images.get("app")).id


def test_load_untagged(engine: Engine) -> None:
    image = engine.images.get("busybox")
    data = save_images(engine, [image.id], oci_layout=True)
    fresh = Engine(DaemonConfig(images=[]))
    messages = load(fresh, data)
    assert messages[-1]["stream"].startswith("Loaded image ID: sha256:")


def test_load_legacy_archive(engine: Engine) -> None:
    build_app(engine)
    fresh = Engine(DaemonConfig(images=[]))
    load(fresh, save_images(engine, ["app"], oci_layout=False))
    assert fresh.images.get("app").filesystem.read_file("/built.txt") == b"built\n"


def test_load_garbage(engine: Engine) -> None:
    messages = load(engine, b"garbage")
    assert messages == [
        {"errorDetail": {"message": "unexpected EOF"}, "error": "unexpected EOF"}
    ]


# Real Engines -------------------------------------------------------------------


@pytest.fixture
def real_engine() -> Iterator[httpx.Client]:
    host = os.environ.get("FAKEDAEMON_REAL_ENGINE", "")
    if not host:
        if os.environ.get("CI") == "true":
            pytest.fail("FAKEDAEMON_REAL_ENGINE must name a real Docker Engine in CI")
        pytest.skip("FAKEDAEMON_REAL_ENGINE is not set")
    transport = httpx.HTTPTransport(uds=host.removeprefix("unix://"))
    with httpx.Client(
        transport=transport, base_url="http://engine", timeout=60
    ) as client:
        yield client


@pytest.mark.real_engine
def test_load_real_engine_save(real_engine: httpx.Client) -> None:
    saved = real_engine.get("/images/busybox/get")
    assert saved.status_code == 200
    fresh = Engine(DaemonConfig(images=[]))
    messages = load(fresh, saved.content)
    assert {"stream": "Loaded image: busybox:latest\n"} in messages
    assert fresh.images.get("busybox").filesystem.exists("/bin/busybox")


@pytest.mark.real_engine
def test_real_engine_loads_fake_save(real_engine: httpx.Client, engine: Engine) -> None:
    build_app(engine)
    engine.images.tag("app", "fakedaemon-archive-test")
    data = save_images(engine, ["fakedaemon-archive-test"], oci_layout=True)
    try:
        answer = real_engine.post("/images/load?quiet=1", content=data)
        assert answer.status_code == 200
        assert "Loaded image: fakedaemon-archive-test:latest" in answer.text
        inspected = real_engine.get("/images/fakedaemon-archive-test/json")
        assert inspected.status_code == 200
    finally:
        real_engine.delete("/images/fakedaemon-archive-test?force=1")
