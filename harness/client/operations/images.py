"""Image operations: list, pull, build, push, tag, remove, save, load, commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.client.core import Body, ClientCore
from harness.client.encoding import (
    Filters,
    Query,
    encode_registry_auth,
    encode_registry_config,
    go_json,
)
from harness.client.streams import Stream

AuthConfig = Mapping[str, str]
"""Registry credentials: ``username``, ``password``, ``serveraddress`` ..."""


class ImageOperations(ClientCore):
    """``/images/...``, ``/build``, ``/build/prune`` and ``/commit``."""

    def image_list(
        self,
        *,
        all: bool = False,
        filters: Filters | None = None,
        shared_size: bool = False,
        digests: bool = False,
        manifests: bool = False,
        identity: bool = False,
    ) -> list[dict[str, Any]]:
        """List images (``GET /images/json``)."""
        query = Query()
        query.flag("all", all)
        query.set("filters", self.filters_param(filters))
        query.flag("shared-size", shared_size)
        query.flag("digests", digests)
        query.flag("manifests", manifests)
        query.flag("identity", identity)
        result: list[dict[str, Any]] = self.call_json("GET", "/images/json", query)
        return result

    def image_build(
        self,
        context: Body | None = None,
        *,
        dockerfile: str | None = None,
        tags: Iterable[str] | None = None,
        extrahosts: str | None = None,
        remote: str | None = None,
        q: bool = False,
        nocache: bool = False,
        cachefrom: Iterable[str] | None = None,
        pull: str | None = None,
        rm: bool | None = None,
        forcerm: bool = False,
        memory: int | None = None,
        memswap: int | None = None,
        cpushares: int | None = None,
        cpusetcpus: str | None = None,
        cpuperiod: int | None = None,
        cpuquota: int | None = None,
        buildargs: Mapping[str, str | None] | None = None,
        shmsize: int | None = None,
        squash: bool = False,
        labels: Mapping[str, str] | None = None,
        networkmode: str | None = None,
        platform: str | None = None,
        target: str | None = None,
        outputs: str | None = None,
        version: str | None = None,
        registry_config: Mapping[str, AuthConfig] | None = None,
    ) -> Stream[dict[str, Any]]:
        """Build an image from a tar ``context`` and stream the build output.

        ``tags`` become repeated ``t`` parameters; ``cachefrom``, ``buildargs``
        and ``labels`` are sent as JSON. ``rm`` None keeps the daemon's default
        (remove intermediate containers). ``registry_config`` maps registry
        hosts to credentials for ``X-Registry-Config``.

        Raises:
            ProgressError: while iterating, when the build fails.
        """
        query = Query()
        query.set("dockerfile", dockerfile)
        query.extend("t", tags)
        query.set("extrahosts", extrahosts)
        query.set("remote", remote)
        query.flag("q", q)
        query.flag("nocache", nocache)
        if cachefrom is not None:
            query.set("cachefrom", go_json(list(cachefrom)))
        query.set("pull", pull)
        query.explicit_flag("rm", rm)
        query.flag("forcerm", forcerm)
        query.integer("memory", memory)
        query.integer("memswap", memswap)
        query.integer("cpushares", cpushares)
        query.set("cpusetcpus", cpusetcpus)
        query.integer("cpuperiod", cpuperiod)
        query.integer("cpuquota", cpuquota)
        if buildargs is not None:
            query.set("buildargs", go_json(dict(buildargs), sort_keys=True))
        query.integer("shmsize", shmsize)
        query.flag("squash", squash)
        if labels is not None:
            query.set("labels", go_json(dict(labels), sort_keys=True))
        query.set("networkmode", networkmode)
        query.set("platform", platform or None)
        query.set("target", target or None)
        query.set("outputs", outputs or None)
        query.set("version", version)

        headers = {"Content-Type": "application/x-tar"}
        if registry_config is not None:
            headers["X-Registry-Config"] = encode_registry_config(registry_config)
        response = self.call_stream(
            "POST", "/build", query, content=context, headers=headers
        )
        return self.progress_stream(response)

    def build_prune(
        self,
        *,
        reserved_space: int | None = None,
        max_used_space: int | None = None,
        min_free_space: int | None = None,
        all: bool = False,
        filters: Filters | None = None,
    ) -> dict[str, Any]:
        """Remove build cache; returns the deleted ids and the space reclaimed."""
        query = Query()
        query.integer("reserved-space", reserved_space)
        query.integer("max-used-space", max_used_space)
        query.integer("min-free-space", min_free_space)
        query.flag("all", all)
        query.set("filters", self.filters_param(filters))
        result: dict[str, Any] = self.call_json("POST", "/build/prune", query)
        return result

    def image_create(
        self,
        *,
        from_image: str | None = None,
        from_src: str | None = None,
        repo: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        changes: Iterable[str] | None = None,
        platform: str | None = None,
        input_image: Body | None = None,
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Pull (``from_image``) or import (``from_src``) an image, streaming progress.

        Raises:
            ProgressError: while iterating, when the pull or import fails.
        """
        query = Query()
        query.set("fromImage", from_image)
        query.set("fromSrc", from_src)
        query.set("repo", repo)
        query.set("tag", tag)
        query.set("message", message)
        query.extend("changes", changes)
        query.set("platform", platform or None)
        headers = {"X-Registry-Auth": encode_registry_auth(registry_auth)}
        if input_image is not None:
            headers["Content-Type"] = "application/x-tar"
        response = self.call_stream(
            "POST", "/images/create", query, content=input_image, headers=headers
        )
        return self.progress_stream(response)

    def image_inspect(
        self, name: str, *, manifests: bool = False, platform: str | None = None
    ) -> dict[str, Any]:
        """Return low-level information about an image."""
        query = Query()
        query.flag("manifests", manifests)
        query.set("platform", platform)
        result: dict[str, Any] = self.call_json("GET", f"/images/{name}/json", query)
        return result

    def image_attestations(
        self,
        name: str,
        *,
        platforms: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        statement: bool = False,
    ) -> dict[str, Any]:
        """Return an image's attestations (API 1.55)."""
        query = Query()
        query.extend("platform", platforms)
        query.extend("type", types)
        query.flag("statement", statement)
        result: dict[str, Any] = self.call_json(
            "GET", f"/images/{name}/attestations", query
        )
        return result

    def image_history(
        self, name: str, *, platform: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the layers an image was built from, newest first."""
        query = Query()
        query.set("platform", platform)
        result: list[dict[str, Any]] = self.call_json(
            "GET", f"/images/{name}/history", query
        )
        return result

    def image_push(
        self,
        name: str,
        *,
        tag: str | None = None,
        platform: str | None = None,
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Push an image, streaming progress.

        ``X-Registry-Auth`` is always sent (empty without credentials), and the
        body is empty, as the moby client does for old daemons' sake.
        """
        query = Query()
        query.set("tag", tag)
        query.set("platform", platform)
        headers = {"X-Registry-Auth": encode_registry_auth(registry_auth)}
        response = self.call_stream(
            "POST", f"/images/{name}/push", query, headers=headers
        )
        return self.progress_stream(response)

    def image_tag(
        self, name: str, *, repo: str | None = None, tag: str | None = None
    ) -> None:
        """Tag image ``name`` as ``repo:tag``."""
        query = Query()
        query.set("repo", repo)
        query.set("tag", tag)
        self.request("POST", f"/images/{name}/tag", query)

    def image_delete(
        self,
        name: str,
        *,
        force: bool = False,
        noprune: bool = False,
        platforms: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Remove an image; returns the ``Untagged`` and ``Deleted`` entries."""
        query = Query()
        query.flag("force", force)
        query.flag("noprune", noprune)
        query.extend("platforms", platforms)
        result: list[dict[str, Any]] = self.call_json(
            "DELETE", f"/images/{name}", query
        )
        return result

    def image_search(
        self, term: str, *, limit: int | None = None, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Search Docker Hub (through the daemon) for images."""
        query = Query()
        query.set("term", term)
        query.integer("limit", limit)
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/images/search", query)
        return result

    def image_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused images; returns what was deleted and the space reclaimed."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: dict[str, Any] = self.call_json("POST", "/images/prune", query)
        return result

    def image_commit(
        self,
        *,
        container: str,
        repo: str | None = None,
        tag: str | None = None,
        comment: str | None = None,
        author: str | None = None,
        pause: bool | None = None,
        changes: Iterable[str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create an image from a container's changes; returns ``{"Id": ...}``.

        ``pause`` None keeps the daemon's default (pause during the commit).
        """
        query = Query()
        query.set("container", container)
        query.set("repo", repo)
        query.set("tag", tag)
        query.set("comment", comment)
        query.set("author", author)
        query.explicit_flag("pause", pause)
        query.extend("changes", changes)
        result: dict[str, Any] = self.call_json(
            "POST", "/commit", query, json=dict(config or {})
        )
        return result

    def image_get(
        self, name: str, *, platforms: Iterable[str] | None = None
    ) -> Stream[bytes]:
        """Stream one image (with its tags) as a tar archive."""
        query = Query()
        query.extend("platform", platforms)
        return self.byte_stream(self.call_stream("GET", f"/images/{name}/get", query))

    def image_get_all(
        self,
        *,
        names: Iterable[str] | None = None,
        platforms: Iterable[str] | None = None,
    ) -> Stream[bytes]:
        """Stream several images as one tar archive."""
        query = Query()
        query.extend("names", names)
        query.extend("platform", platforms)
        return self.byte_stream(self.call_stream("GET", "/images/get", query))

    def image_load(
        self,
        tarball: Body,
        *,
        quiet: bool = False,
        platforms: Iterable[str] | None = None,
    ) -> Stream[dict[str, Any]]:
        """Load images from a tar archive, streaming progress messages."""
        query = Query()
        query.flag("quiet", quiet)
        query.extend("platform", platforms)
        response = self.call_stream(
            "POST",
            "/images/load",
            query,
            content=tarball,
            headers={"Content-Type": "application/x-tar"},
        )
        return self.progress_stream(response)
