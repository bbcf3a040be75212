"""Re-record the corpus: every scenario at several API versions of one Engine.

Usage::

    python -m contracts.scenarios.record_all --engine unix:///tmp/e20/docker.sock \
        --versions 1.24,1.30,1.41

The engine also comes from $FAKEDAEMON_REAL_ENGINE. Files go to
contracts/recorded/<release>/v<API>/<scenario>.jsonl, where <release> is
the Engine's major.minor version. Everything a scenario creates is named
``fdrec-...`` and removed afterwards, even when the scenario fails.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import httpx

from contracts.recorder import ScenarioRecorder

from .catalog import SCENARIOS
from .drivers import Session, socket_of

logger = logging.getLogger("contracts")

RECORDED = Path(__file__).resolve().parents[1] / "recorded"
DEFAULT_VERSIONS = {"20.10": "1.24,1.30,1.41", "26.1": "1.24,1.41,1.45"}


def engine_release(socket_path: Path) -> tuple[str, str]:
    """Return the Engine's major.minor release and full version string."""
    transport = httpx.HTTPTransport(uds=str(socket_path))
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        version = client.get("/version").json()
    full = str(version["Version"])
    return ".".join(full.split(".")[:2]), full


def clean_up(socket_path: Path) -> None:
    """Leave any swarm; remove containers, tags, volumes, networks ``fdrec-...``.

    Leaving removes the swarm's services, secrets and configs with it; the
    containers of its tasks stay behind, named after the service. The
    ``docker_gwbridge`` network the Engine made for the swarm's tasks
    outlives the swarm, and goes too.
    """
    transport = httpx.HTTPTransport(uds=str(socket_path))
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        swarm = client.get("/info").json().get("Swarm") or {}
        if swarm.get("LocalNodeState", "inactive") != "inactive":
            client.post("/swarm/leave", params={"force": "1"})
        listed = client.get("/containers/json", params={"all": "1"}).json()
        for container in listed:
            names = [name.lstrip("/") for name in container["Names"]]
            if any(name.startswith("fdrec-") for name in names):
                client.delete(f"/containers/{container['Id']}", params={"force": "1"})
        for image in client.get("/images/json").json():
            for tag in image.get("RepoTags") or []:
                if tag.startswith("fdrec-"):
                    client.delete(f"/images/{tag}")
        for volume in client.get("/volumes").json().get("Volumes") or []:
            if volume["Name"].startswith("fdrec-"):
                client.delete(f"/volumes/{volume['Name']}")
        for network in client.get("/networks").json():
            name = network["Name"]
            if name.startswith("fdrec-") or name == "docker_gwbridge":
                client.delete(f"/networks/{network['Id']}")


def leftovers(socket_path: Path) -> list[str]:
    """Return the containers and images the Engine has beyond a fresh start.

    A fresh Engine of the rig has ``busybox:latest`` only. Anything else
    (a tag left by an earlier build, a stopped container) shows up in the
    recorded lists and inspects, and no other daemon could reproduce it.
    """
    transport = httpx.HTTPTransport(uds=str(socket_path))
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        containers = client.get("/containers/json", params={"all": "1"}).json()
        images = client.get("/images/json", params={"all": "1"}).json()
    found = [f"container {c['Names'][0].lstrip('/')}" for c in containers]
    for image in images:
        tags = image.get("RepoTags") or ["<none>:<none>"]
        if tags != ["busybox:latest"]:
            found.append(f"image {', '.join(tags)} ({image['Id'][:19]})")
    return found


def record(engine: str, versions: list[str], names: list[str], out: Path) -> list[Path]:
    """Record the scenarios ``names`` at each of ``versions``; return the files."""
    socket_path = socket_of(engine)
    release, full_version = engine_release(socket_path)
    written: list[Path] = []
    workdir = Path(tempfile.mkdtemp(prefix="fdrec-"))
    try:
        for version in versions:
            for name in names:
                path = out / release / f"v{version}" / f"{name}.jsonl"
                meta = {
                    "engine": full_version,
                    "api_version": version,
                    "description": (SCENARIOS[name].__doc__ or "").strip(),
                }
                listen = f"unix://{workdir / 'recorder.sock'}"
                prefix = f"fdrec-{version.replace('.', '')}"
                with ScenarioRecorder(engine, listen, path, name, meta) as _:
                    session = Session(str(workdir / "recorder.sock"), version, prefix)
                    try:
                        SCENARIOS[name](session)
                    except Exception:
                        logger.exception("scenario %s at %s failed", name, version)
                    finally:
                        session.close()
                clean_up(socket_path)
                written.append(path)
                logger.info("recorded %s", path)
    finally:
        clean_up(socket_path)
        shutil.rmtree(workdir, ignore_errors=True)
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--engine",
        default=os.environ.get("FAKEDAEMON_REAL_ENGINE"),
        help="unix:///path of the Engine's socket (default $FAKEDAEMON_REAL_ENGINE)",
    )
    parser.add_argument(
        "--versions", help="comma-separated API versions (default per release)"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="record only this scenario; repeatable",
    )
    parser.add_argument("--out", type=Path, default=RECORDED, help="corpus folder")
    parser.add_argument(
        "--dirty",
        action="store_true",
        help="record even when the Engine has more than busybox:latest",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not arguments.engine:
        parser.error("no engine: pass --engine or set FAKEDAEMON_REAL_ENGINE")
    release, _ = engine_release(socket_of(arguments.engine))
    found = leftovers(socket_of(arguments.engine))
    if found and not arguments.dirty:
        parser.error(
            "the Engine is not fresh, and its leftovers would be recorded: "
            + "; ".join(found)
            + " (start a new one, or pass --dirty)"
        )
    versions = (arguments.versions or DEFAULT_VERSIONS.get(release, "")).split(",")
    versions = [version for version in versions if version]
    if not versions:
        parser.error(f"no default API versions for Engine {release}: pass --versions")
    names = arguments.scenario or list(SCENARIOS)
    record(arguments.engine, versions, names, arguments.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
