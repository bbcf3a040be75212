"""Random changes to an engine's containers through the API, for the cache tests."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

from werkzeug.test import Client

from fakedaemon.engine.engine import Engine

Change = Callable[[], None]


class RandomChanges:
    """Changes to random containers of ``engine``, made through ``client``.

    A change does nothing while the engine has no container.
    """

    def __init__(
        self,
        client: Client,
        engine: Engine,
        chooser: random.Random,
        networks: list[str],
    ) -> None:
        self.client = client
        self.engine = engine
        self.chooser = chooser
        self.networks = networks
        self._numbers = itertools.count()

    def name(self, prefix: str) -> str:
        """Return a name not given before: ``prefix`` and a number."""
        return f"{prefix}{next(self._numbers)}"

    def common(self) -> list[Change]:
        """Return the changes both caches follow: state, name, networks, removal."""
        return [
            self.action("start"),
            self.action("stop?t=0"),
            self.action("kill"),
            self.action("pause"),
            self.action("unpause"),
            self.action("restart?t=0"),
            self.rename,
            self.network("connect"),
            self.network("disconnect"),
            self.remove,
        ]

    def action(self, action: str, body: Callable[[], Any] | None = None) -> Change:
        """Return a change that posts ``action`` to a container, with ``body()``."""

        def act() -> None:
            if self.engine.containers.all():
                path = f"/v1.41/containers/{self._pick()}/{action}"
                self.client.post(path, json=None if body is None else body())

        return act

    def rename(self) -> None:
        """Give a container a new name."""
        if self.engine.containers.all():
            name = self.name("renamed")
            self.client.post(f"/v1.41/containers/{self._pick()}/rename?name={name}")

    def network(self, action: str) -> Change:
        """Return a change that connects a container to a network or disconnects it."""

        def act() -> None:
            if self.engine.containers.all():
                network = self.chooser.choice(self.networks)
                self.client.post(
                    f"/v1.41/networks/{network}/{action}",
                    json={"Container": self._pick()},
                )

        return act

    def remove(self) -> None:
        """Remove a container, running or not."""
        if self.engine.containers.all():
            self.client.delete(f"/v1.41/containers/{self._pick()}?force=1")

    def _pick(self) -> str:
        return self.chooser.choice(self.engine.containers.all()).id
