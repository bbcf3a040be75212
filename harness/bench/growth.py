"""Growth figures: list, inspect and filter rates and memory as objects grow."""

from __future__ import annotations

import functools
import json
import logging
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from .context import Context
from .figures import Figure, Sample, Target, at_least_real, below
from .hosts import (
    BENCH_LABEL,
    create_container,
    http_client,
    load_labelled_images,
    remove_bench_containers,
    remove_bench_images,
)
from .report import format_number
from .server import MARK_LABEL, ServerProcess, rss_bytes
from .throughput import client_ceiling
from .timing import now

if TYPE_CHECKING:
    from fakedaemon.daemon import Daemon

logger = logging.getLogger("harness")

SECTION = "Growth"

NAME = "fdbench-1"
"""The container the name filter and inspect look for; it exists at every size."""


MAX_IMAGES = 10_000
"""The most images a fake is filled with; see ``image_count``."""

IMAGE_LABEL = "fakedaemon.bench.image"
"""The label whose value, the image's index, gives each real Engine image its id."""


@dataclass(frozen=True)
class Query:
    """A request of the growth figures and the label of its row."""

    label: str
    path: str
    params: dict[str, str]


def queries() -> list[Query]:
    """Return the requests measured at every size."""

    def filtered(key: str, value: str) -> dict[str, str]:
        return {"all": "1", "filters": json.dumps({key: [value]})}

    return [
        Query("GET /containers/json?all=1", "/containers/json", {"all": "1"}),
        Query(
            "GET /containers/json, label filter (1 in 100)",
            "/containers/json",
            filtered("label", MARK_LABEL),
        ),
        Query(
            "GET /containers/json, name filter",
            "/containers/json",
            filtered("name", NAME + "$"),
        ),
        Query(
            "GET /containers/json, status=exited (1 in 100)",
            "/containers/json",
            filtered("status", "exited"),
        ),
        Query(f"GET /containers/{NAME}/json", f"/containers/{NAME}/json", {}),
        Query("GET /images/json", "/images/json", {}),
    ]


def request_rates(
    client: httpx.Client, query: Query, runs: int, count: int
) -> list[float]:
    """Return the requests per second of ``query`` through ``client``, run by run."""
    client.get(query.path, params=query.params).raise_for_status()
    return [_run_rate(client, query, count) for _ in range(runs)]


def alternating_rates(
    context: Context,
    fake: httpx.Client,
    real: httpx.Client,
    query: Query,
    count: int,
) -> tuple[list[float], list[float] | None]:
    """Return the fake's and the real Engine's rates of ``query``, run by run.

    The runs alternate, so that a change in the machine's load weighs on
    both alike. The real Engine's rates are None unless all its runs took
    place: after it fails, the fake is measured alone.
    """
    fake.get(query.path, params=query.params).raise_for_status()
    context.measure_real(
        lambda: real.get(query.path, params=query.params).raise_for_status()
    )
    return context.alternate(
        functools.partial(_run_rate, fake, query, count),
        functools.partial(_run_rate, real, query, count),
    )


def _run_rate(client: httpx.Client, query: Query, count: int) -> float:
    started = now()
    for _ in range(count):
        client.get(query.path, params=query.params).raise_for_status()
    return count / (now() - started)


def per_run_count(size: int, requests: int) -> int:
    """Return requests per run: fewer for large sets, so a run takes about a second."""
    return max(1, min(requests, 20_000 // max(size, 1)))


def fill_real(client: httpx.Client, count: int) -> None:
    """Create ``count`` containers and images on the real Engine shaped as the fake's.

    The images are busybox's layers and configuration with a label of their
    own, as the fake's ``control.images.add`` images are.
    """
    remove_bench_containers(client)
    remove_bench_images(client)
    for index in range(count):
        marked = index % 100 == 0
        labels = {MARK_LABEL: "1"} if marked else {}
        container_id = create_container(
            client, ["true"], labels=labels, name=f"fdbench-{index}"
        )
        if marked:
            client.post(f"/containers/{container_id}/start").raise_for_status()
            client.post(f"/containers/{container_id}/wait").raise_for_status()
    load_labelled_images(
        client,
        {
            f"fdbench/image-{index}:latest": {IMAGE_LABEL: str(index)}
            for index in range(image_count(count))
        },
    )


def measure_reference(
    context: Context, size: int
) -> tuple[dict[str, list[float]], float, dict[str, list[float]], str]:
    """Measure every query on a fake and the real Engine, each with ``size`` objects.

    The runs on the two alternate. Returns the fake's rates by query label,
    its server's resident memory in bytes, the real Engine's rates and a
    note of what the real Engine listed.
    """
    assert context.real_engine is not None
    scale = context.scale
    count = per_run_count(size, scale.requests)
    fake_rates: dict[str, list[float]] = {}
    real_rates: dict[str, list[float]] = {}
    with (
        _filled_server(context, size) as server,
        http_client(server.host, timeout=600) as fake,
        http_client(context.real_engine) as real,
    ):

        def remove() -> None:
            remove_bench_containers(real)
            remove_bench_images(real)

        action = (
            f"removing the {BENCH_LABEL} containers and images on {context.real_engine}"
        )
        with context.cleaning_real(remove, action):
            listed = context.measure_real(lambda: _fill_reference(real, size))
            for query in queries():
                fake_runs, real_runs = alternating_rates(
                    context, fake, real, query, count
                )
                fake_rates[query.label] = fake_runs
                if real_runs is not None:
                    real_rates[query.label] = real_runs
        memory = float(rss_bytes(server.pid))
    note = ""
    if listed is not None:
        note = f"the real Engine listed {listed[0]} containers and {listed[1]} images"
    return fake_rates, memory, real_rates, note


def _fill_reference(real: httpx.Client, size: int) -> tuple[int, int]:
    """Fill the real Engine with ``size`` objects; return how many it then lists.

    The counts are of all containers and of all images, in that order.
    """
    started = now()
    fill_real(real, size)
    logger.info("growth: real Engine filled in %.1f s", now() - started)
    containers = len(real.get("/containers/json", params={"all": "1"}).json())
    images = len(real.get("/images/json").json())
    return containers, images


def measure_size(context: Context, size: int) -> tuple[dict[str, list[float]], float]:
    """Measure every query on a fake filled with ``size`` containers and images.

    Returns the rates by query label and the server's resident memory in bytes.
    """
    scale = context.scale
    runs = scale.runs if size <= 10_000 else min(scale.runs, 3)
    count = per_run_count(size, scale.requests)
    with _filled_server(context, size) as server:
        memory = float(rss_bytes(server.pid))
        with http_client(server.host, timeout=600) as client:
            rates = {
                query.label: request_rates(client, query, runs, count)
                for query in queries()
            }
    return rates, memory


def _filled_server(context: Context, size: int) -> ServerProcess:
    return ServerProcess(
        context.workdir / "growth.sock",
        containers=size,
        images=image_count(size),
        engine=context.engine,
    )


def image_count(size: int) -> int:
    """Return the images a fake of ``size`` containers gets: at most 10,000."""
    # NOTE: capped to keep a full run near twenty minutes: control.images.add
    # makes about 900 distinct images per second on two cores.
    return min(size, MAX_IMAGES)


def tracemalloc_per_object(create: Callable[[int], None], count: int) -> float:
    """Return the bytes Python allocates, and keeps, per object ``create`` makes."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        create(count)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / count


def make_stopped_containers(daemon: Daemon, count: int) -> None:
    """Create ``count`` containers of ``true`` and run each to its end."""
    engine = daemon.engine
    first = len(engine.containers.all())
    for index in range(first, first + count):
        container = engine.containers.create(
            {"Image": "busybox:latest", "Cmd": ["true"]}, None, name=f"memory-{index}"
        )
        engine.containers.start(container.id)
        engine.containers.wait(container, "not-running")


def add_images(daemon: Daemon, count: int) -> None:
    """Add ``count`` distinct images derived from busybox (``control.images.add``)."""
    first = len(daemon.control.images.definitions)
    for index in range(first, first + count):
        daemon.control.images.add(
            f"memory/image-{index}:latest", config={"Labels": {"index": str(index)}}
        )


def memory_per_object(context: Context) -> tuple[list[float], list[float]]:
    """Return bytes per stopped container and per image, one value per run."""
    from fakedaemon import Daemon

    containers, images = [], []
    count = context.scale.memory_objects
    for _ in range(min(context.scale.runs, 3)):
        daemon = Daemon()
        try:
            # Load the modules and warm the caches first.
            make_stopped_containers(daemon, 10)
            add_images(daemon, 10)
            containers.append(
                tracemalloc_per_object(
                    functools.partial(make_stopped_containers, daemon), count
                )
            )
            images.append(
                tracemalloc_per_object(functools.partial(add_images, daemon), count)
            )
        finally:
            daemon.engine.close()
    return containers, images


def measure(context: Context) -> list[Figure]:
    """Measure the queries at every size, the real reference and memory."""
    scale = context.scale
    sizes = sorted(set(scale.sizes))
    real: dict[str, list[float]] = {}
    real_note = ""
    measured: dict[int, dict[str, list[float]]] = {}
    memory: dict[int, float] = {}
    for size in sizes:
        started = now()
        if context.working_real_engine and size == scale.real_containers:
            measured[size], memory[size], real, real_note = measure_reference(
                context, size
            )
        else:
            measured[size], memory[size] = measure_size(context, size)
        logger.info("growth: size %d measured in %.1f s", size, now() - started)

    figures: list[Figure] = []
    for query in queries():
        for size in sizes:
            # After a failure of the real Engine the reference rows keep
            # their target, which then reads "no reference".
            reference = size == scale.real_containers and bool(context.real_engine)
            compared = reference and query.label in real
            figure = Figure(
                SECTION,
                f"{query.label}, {_objects(size)}",
                "req/s",
                "higher",
                Sample.of(measured[size][query.label]),
                Sample.of(real[query.label]) if compared else None,
                target=query_target(query) if reference else None,
                note=real_note if compared else "",
            )
            if compared:
                note_ceiling(context, figure, _factor(query))
            figures.append(figure)
    return figures + memory_figures(context, memory)


def note_ceiling(context: Context, figure: Figure, factor: float) -> None:
    """Add a note to ``figure`` when its target exceeds what the client can send."""
    assert figure.real is not None
    required = factor * figure.real.median
    ceiling = client_ceiling(context).median
    if required > ceiling:
        figure.note += (
            f"; the target needs {format_number(required)} req/s, above the "
            f"client's ceiling of {format_number(ceiling)} req/s"
        )


def memory_figures(context: Context, server_rss: dict[int, float]) -> list[Figure]:
    """Measure memory per container and image; add the servers' RSS by size."""
    objects = context.scale.memory_objects
    containers, images = memory_per_object(context)
    figures = [
        Figure(
            SECTION,
            f"memory per stopped container (tracemalloc, {objects:,} containers)",
            "KB",
            "lower",
            Sample.of([value / 1024 for value in containers]),
            target=below(4, "KB"),
        ),
        Figure(
            SECTION,
            f"memory per image (tracemalloc, {objects:,} images)",
            "KB",
            "lower",
            Sample.of([value / 1024 for value in images]),
        ),
    ]
    for size, rss in sorted(server_rss.items()):
        figures.append(
            Figure(
                SECTION,
                f"RSS of a server with {_objects(size)}",
                "MB",
                "lower",
                Sample.of([rss / 2**20]),
            )
        )
    return figures


def _objects(size: int) -> str:
    images = image_count(size)
    if images == size:
        return f"{size:,} containers and images"
    return f"{size:,} containers, {images:,} images"


def _factor(query: Query) -> float:
    """Return how many times the real Engine's rate the fake must reach.

    Listing every container is what tests do most, so it is held to a higher
    bar. A filtered listing returns one or two of them, and is held to the
    bar of every other request.
    """
    if query.path == "/containers/json" and "filters" not in query.params:
        return 10
    return 1


def query_target(query: Query) -> Target:
    """Return the target of ``query`` at the real Engine's size."""
    return at_least_real(_factor(query))
