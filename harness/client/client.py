"""The Engine API client: the core plus one mixin of operations per resource."""

from __future__ import annotations

from harness.client.operations.containers import ContainerOperations
from harness.client.operations.execs import ExecOperations
from harness.client.operations.images import ImageOperations
from harness.client.operations.networks import NetworkOperations
from harness.client.operations.plugins import PluginOperations
from harness.client.operations.swarm import SwarmOperations
from harness.client.operations.system import SystemOperations
from harness.client.operations.volumes import VolumeOperations


class Client(
    SystemOperations,
    ContainerOperations,
    ExecOperations,
    ImageOperations,
    VolumeOperations,
    NetworkOperations,
    PluginOperations,
    SwarmOperations,
):
    """A Docker Engine API client that behaves like moby's Go client.

    Methods are named after the specification's operation ids in snake case
    (``ContainerCreate`` is :meth:`container_create`). The API version is
    negotiated with ``/_ping`` before the first request unless fixed.

    Example::

        with Client("unix:///var/run/docker.sock") as client:
            for image in client.image_list():
                print(image["RepoTags"])
    """
