"""Tests for the image store: lookup, tag, list, delete, prune and history."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from fakedaemon.clock import Clock
from fakedaemon.engine.events import EventLog
from fakedaemon.engine.images import (
    ContainersUsing,
    ContainerUse,
    Image,
    ImageRules,
    ImageStore,
    go_path_match,
)
from fakedaemon.engine.references import InvalidReference, parse_normalized
from fakedaemon.engine.registry import Registry
from fakedaemon.errors import Conflict, DaemonError, InvalidParameter, NoSuchImage
from fakedaemon.ids import IdSource


def make_store(rules: ImageRules | None = None) -> ImageStore:
    clock = Clock()
    clock.freeze(1_800_000_000.0)
    return ImageStore(clock, IdSource(1), EventLog(clock), rules=rules)


@pytest.fixture
def store() -> ImageStore:
    images = make_store()
    Registry().install(images, "busybox:latest")
    return images


def uses(*containers: ContainerUse) -> ContainersUsing:
    def lookup(image_id: str) -> Sequence[ContainerUse]:
        return containers

    return lookup


CONTAINER = "0123abcd" * 8


@pytest.mark.parametrize(
    "text",
    ["busybox", "busybox:latest", "docker.io/library/busybox", "library/busybox"],
)
def test_get_by_name(store: ImageStore, text: str) -> None:
    assert store.get(text).repo_tags == ["busybox:latest"]


def test_get_by_id_forms(store: ImageStore) -> None:
    image = store.get("busybox")
    assert store.get(image.id) is image
    assert store.get(image.id[7:]) is image
    assert store.get(image.id[7:12]) is image


def test_get_by_digest(store: ImageStore) -> None:
    image = store.get("busybox")
    assert store.get(image.repo_digests[0]) is image


def test_get_short_digest_prefix(store: ImageStore) -> None:
    image = store.get("busybox")
    with pytest.raises(NoSuchImage) as caught:
        store.get(image.id[:12])
    assert caught.value.message == f"No such image: {image.id[:12]}"


def test_get_short_digest_prefix_engine_20() -> None:
    images = make_store(ImageRules.for_profile("20.10"))
    image = Registry().install(images, "busybox")
    assert images.get(image.id[:12]) is image


def test_get_missing_message(store: ImageStore) -> None:
    with pytest.raises(NoSuchImage) as caught:
        store.get("nope")
    assert caught.value.message == "No such image: nope:latest"


def test_get_missing_id(store: ImageStore) -> None:
    with pytest.raises(NoSuchImage) as caught:
        store.get("0" * 64)
    assert caught.value.message == f"No such image: sha256:{'0' * 64}"


def test_get_uppercase(store: ImageStore) -> None:
    with pytest.raises(InvalidReference) as caught:
        store.get("Busybox")
    assert caught.value.status == 400


def test_get_ambiguous_prefix() -> None:
    images = make_store()
    first = Image(id="sha256:ab" + "1" * 62, config={}, created_ns=1)
    second = Image(id="sha256:ab" + "2" * 62, config={}, created_ns=2)
    images.add(first)
    images.add(second)
    with pytest.raises(NoSuchImage, match="No such image: ab:latest"):
        images.get("ab")
    assert images.get("ab1") is first


def test_tag_adds_reference(store: ImageStore) -> None:
    store.tag("busybox", "user/app", "1")
    assert store.get("busybox").repo_tags == ["busybox:latest", "user/app:1"]


def test_tag_default_latest(store: ImageStore) -> None:
    store.tag("busybox", "mine")
    assert store.get("mine:latest").id == store.get("busybox").id


def test_tag_event(store: ImageStore) -> None:
    image = store.tag("busybox", "mine", "2")
    assert image is not None
    event = store.events.snapshot()[-1]
    assert (event.action, event.actor_id) == ("tag", image.id)
    assert event.attributes == {"name": "mine:2"}


def test_tag_moves_reference(store: ImageStore) -> None:
    Registry().install(store, "alpine")
    store.tag("alpine", "busybox", "latest")
    assert store.get("busybox").repo_tags == ["alpine:latest", "busybox:latest"]


@pytest.mark.parametrize(
    ("repository", "tag", "message"),
    [
        ("Bad", "", "invalid reference format: repository name (library/Bad) "
         "must be lowercase"),
        ("good", "Bad!", "invalid tag format"),
        ("good@sha256:" + "0" * 64, "", "cannot import digest reference"),
        ("0" * 64, "", f"invalid repository name ({'0' * 64}), cannot specify "
         "64-byte hexadecimal strings"),
    ],
)  # fmt: skip
def test_tag_invalid(
    store: ImageStore, repository: str, tag: str, message: str
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        store.tag("busybox", repository, tag)
    assert caught.value.message == message
    assert caught.value.status == 400


def test_tag_empty_repository(store: ImageStore) -> None:
    assert store.tag("busybox", "") is None


def test_tag_errors_engine_20() -> None:
    images = make_store(ImageRules.for_profile("20.10"))
    Registry().install(images, "busybox")
    with pytest.raises(DaemonError) as caught:
        images.tag("busybox", "")
    assert caught.value.status == 500
    assert caught.value.message == "invalid reference format"


def test_tag_digest_engine_20() -> None:
    images = make_store(ImageRules.for_profile("20.10"))
    Registry().install(images, "busybox")
    with pytest.raises(InvalidParameter) as caught:
        images.tag("busybox", "good@sha256:" + "0" * 64)
    assert caught.value.message == "refusing to create a tag with a digest reference"


def test_tag_missing_source(store: ImageStore) -> None:
    with pytest.raises(NoSuchImage, match="No such image: nope:latest"):
        store.tag("nope", "a")


def test_delete_by_name(store: ImageStore) -> None:
    image = store.get("busybox")
    digest = image.repo_digests[0]
    records = store.delete("busybox")
    assert records[0] == {"Untagged": "busybox:latest"}
    assert records[1] == {"Untagged": digest}
    assert records[2] == {"Deleted": image.id}
    assert records[3] == {"Deleted": image.chain_ids()[-1]}
    assert store.count() == 0


def test_delete_events(store: ImageStore) -> None:
    image = store.get("busybox")
    store.delete("busybox")
    actions = [(e.action, e.actor_id) for e in store.events.snapshot()]
    assert actions == [("untag", image.id), ("delete", image.id)]


def test_delete_one_of_two_tags(store: ImageStore) -> None:
    store.tag("busybox", "other")
    assert store.delete("other") == [{"Untagged": "other:latest"}]
    assert store.get("busybox").repo_tags == ["busybox:latest"]


def test_delete_conflict_by_name(store: ImageStore) -> None:
    image = store.get("busybox")
    with pytest.raises(Conflict) as caught:
        store.delete("busybox", containers_using=uses(ContainerUse(CONTAINER, False)))
    assert caught.value.message == (
        'conflict: unable to remove repository reference "busybox" (must force) '
        f"- container 0123abcd0123 is using its referenced image {image.id[7:19]}"
    )


def test_delete_conflict_stopped_by_id(store: ImageStore) -> None:
    image = store.get("busybox")
    with pytest.raises(Conflict) as caught:
        store.delete(
            image.id[7:11], containers_using=uses(ContainerUse(CONTAINER, False))
        )
    assert caught.value.message == (
        f"conflict: unable to delete {image.id[7:19]} (must be forced) - image is "
        "being used by stopped container 0123abcd0123"
    )


def test_delete_conflict_running_by_id(store: ImageStore) -> None:
    image = store.get("busybox")
    with pytest.raises(Conflict) as caught:
        store.delete(
            image.id,
            force=True,
            containers_using=uses(ContainerUse(CONTAINER, True)),
        )
    assert caught.value.message == (
        f"conflict: unable to delete {image.id[7:19]} (cannot be forced) - image "
        "is being used by running container 0123abcd0123"
    )


def test_delete_conflict_multiple_repositories(store: ImageStore) -> None:
    image = store.get("busybox")
    store.tag("busybox", "probe/x", "1")
    with pytest.raises(Conflict) as caught:
        store.delete(image.id[7:11])
    assert caught.value.message == (
        f"conflict: unable to delete {image.id[7:19]} (must be forced) - image is "
        "referenced in multiple repositories"
    )


def test_delete_force_by_id_untags_all(store: ImageStore) -> None:
    image = store.get("busybox")
    digest = image.repo_digests[0]
    store.tag("busybox", "probe/x", "1")
    records = store.delete(image.id, force=True)
    untagged = [r["Untagged"] for r in records if "Untagged" in r]
    # Sorted by full name: "docker.io/library/busybox:latest" sorts first.
    assert untagged == ["busybox:latest", digest, "probe/x:1"]
    assert {"Deleted": image.id} in records


def test_delete_force_name_used_by_running(store: ImageStore) -> None:
    image = store.get("busybox")
    digest = image.repo_digests[0]
    records = store.delete(
        "busybox", force=True, containers_using=uses(ContainerUse(CONTAINER, True))
    )
    assert records == [{"Untagged": "busybox:latest"}, {"Untagged": digest}]
    assert store.by_id(image.id) is not None


def test_delete_keeps_shared_layers() -> None:
    images = make_store()
    registry = Registry()
    registry.install(images, "debian")
    nginx = registry.install(images, "nginx")
    records = images.delete("nginx")
    deleted = [r["Deleted"] for r in records if "Deleted" in r]
    assert nginx.chain_ids()[0] not in deleted
    assert nginx.chain_ids()[-1] in deleted


def test_delete_missing(store: ImageStore) -> None:
    with pytest.raises(NoSuchImage, match="No such image: nope:latest"):
        store.delete("nope")


def test_list_default(store: ImageStore) -> None:
    summaries = store.list()
    assert [s.repo_tags for s in summaries] == [["busybox:latest"]]


def test_list_newest_first(store: ImageStore) -> None:
    Registry().install(store, "alpine")
    assert [s.repo_tags[0] for s in store.list()] == ["busybox:latest", "alpine:latest"]


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        ({"reference": ["busy*"]}, 1),
        ({"reference": ["busybox:lat*"]}, 1),
        ({"reference": ["alp*"]}, 0),
        ({"reference": ["*/busybox"]}, 0),
        ({"dangling": ["true"]}, 0),
        ({"dangling": ["false"]}, 1),
        ({"label": ["a=b"]}, 0),
        ({"since": ["busybox"]}, 0),
        ({"before": ["busybox"]}, 0),
        ({"until": ["10m"]}, 1),
    ],
)
def test_list_filters(
    store: ImageStore, filters: dict[str, list[str]], count: int
) -> None:
    assert len(store.list(filters=filters)) == count


def test_list_reference_filter_hides_tags(store: ImageStore) -> None:
    store.tag("busybox", "other")
    summaries = store.list(filters={"reference": ["other"]})
    assert summaries[0].repo_tags == ["other:latest"]


def test_list_label_filter() -> None:
    images = make_store()
    images.add(
        Image(id="sha256:" + "a" * 64, config={"Labels": {"a": "b"}}, created_ns=1),
        [parse_normalized("labelled:1")],
    )
    assert len(images.list(filters={"label": ["a"]})) == 1
    assert len(images.list(filters={"label": ["a=b"]})) == 1
    assert len(images.list(filters={"label": ["a=c"]})) == 0
    assert len(images.list(filters={"label": ["a", "z"]})) == 0


def test_list_dangling_image(store: ImageStore) -> None:
    dangling = Image(id="sha256:" + "e" * 64, config={}, created_ns=5)
    store.add(dangling)
    summaries = store.list(filters={"dangling": ["true"]})
    assert [s.image.id for s in summaries] == [dangling.id]
    assert summaries[0].repo_tags == []


def test_list_parent_after_child_deleted(store: ImageStore) -> None:
    parent = Image(id="sha256:" + "1" * 64, config={}, created_ns=5)
    child = Image(id="sha256:" + "2" * 64, config={}, created_ns=6, parent=parent.id)
    store.add(parent)
    store.add(child, [parse_normalized("child:1")])
    assert store.children(parent.id) == [child]
    assert parent.id not in [s.image.id for s in store.list()]
    store.delete("child:1", prune=False)
    assert store.children(parent.id) == []
    assert parent.id in [s.image.id for s in store.list()]


def test_list_reference_moved_away(store: ImageStore) -> None:
    busybox = store.get("busybox")
    other = Image(id="sha256:" + "3" * 64, config={"Labels": {"x": "1"}}, created_ns=7)
    store.add(other)
    store.tag(other.id, "busybox", "latest")
    tags = {s.image.id: s.repo_tags for s in store.list(all=True)}
    assert tags[other.id] == ["busybox:latest"]
    assert busybox.repo_tags == []
    assert [ref.familiar() for ref in store.references(busybox.id)] == [
        "busybox@" + busybox.repo_digests[0].split("@")[1]
    ]


def test_shared_sizes_count_other_images() -> None:
    images = make_store()
    registry = Registry()
    debian = registry.install(images, "debian")
    nginx = registry.install(images, "nginx")
    sizes = images.shared_sizes()
    shared = sum(
        size
        for chain, size in zip(nginx.chain_ids(), nginx.layer_sizes, strict=True)
        if chain in debian.chain_ids()
    )
    assert shared > 0
    assert sizes[nginx.id] == shared
    assert sizes[debian.id] == shared


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"x": ["a"]}, "invalid filter 'x'"),
        ({"dangling": ["maybe"]}, "invalid filter 'dangling=[maybe]'"),
        ({"dangling": ["true", "false"]}, "invalid filter 'dangling=[true false]'"),
    ],
)
def test_list_invalid_filters(
    store: ImageStore, filters: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        store.list(filters=filters)
    assert caught.value.message == message


def test_list_filters_engine_20() -> None:
    images = make_store(ImageRules.for_profile("20.10"))
    with pytest.raises(InvalidParameter, match="^Invalid filter 'until'$"):
        images.list(filters={"until": ["10m"]})


def test_list_bad_until(store: ImageStore) -> None:
    with pytest.raises(DaemonError) as caught:
        store.list(filters={"until": ["xyz"]})
    assert caught.value.message == 'failed to parse value as time or duration: "xyz"'


def test_list_bad_pattern(store: ImageStore) -> None:
    with pytest.raises(DaemonError, match="^syntax error in pattern$"):
        store.list(filters={"reference": ["["]})


def test_list_before_missing(store: ImageStore) -> None:
    with pytest.raises(NoSuchImage, match="No such image: nope:latest"):
        store.list(filters={"before": ["nope"]})


@pytest.mark.parametrize(
    ("pattern", "name", "matched"),
    [
        ("busy*", "busybox", True),
        ("*", "user/app", False),
        ("*/*", "user/app", True),
        ("b?sybox", "busybox", True),
        ("[a-c]usybox", "busybox", True),
        ("[^a-c]usybox", "busybox", False),
        ("\\*", "*", True),
    ],
)
def test_go_path_match(pattern: str, name: str, matched: bool) -> None:
    assert go_path_match(pattern, name) is matched


def test_prune_nothing(store: ImageStore) -> None:
    report = store.prune()
    assert report.images_deleted == []
    assert report.space_reclaimed == 0
    event = store.events.snapshot()[-1]
    assert (event.action, event.attributes) == ("prune", {"reclaimed": "0"})


def test_prune_dangling(store: ImageStore) -> None:
    Registry().install(store, "alpine")
    alpine = store.get("alpine")
    store.tag("busybox", "alpine")
    report = store.prune()
    assert {"Deleted": alpine.id} in report.images_deleted
    assert report.space_reclaimed == alpine.size


def test_prune_all_skips_used(store: ImageStore) -> None:
    Registry().install(store, "alpine")
    report = store.prune(
        {"dangling": ["false"]},
        containers_using=lambda image_id: (
            [ContainerUse(CONTAINER, False)]
            if image_id == store.get("busybox").id
            else []
        ),
    )
    assert store.find("busybox") is not None
    assert store.find("alpine") is None
    assert report.space_reclaimed > 0


def test_prune_invalid_filter(store: ImageStore) -> None:
    with pytest.raises(InvalidParameter, match="^invalid filter 'reference'$"):
        store.prune({"reference": ["x"]})


def test_history_entries(store: ImageStore) -> None:
    image = store.get("busybox")
    entries = store.history("busybox")
    assert entries[0]["Id"] == image.id
    assert entries[0]["Tags"] == ["busybox:latest"]
    assert entries[0]["CreatedBy"] == 'CMD ["sh"]'
    assert entries[-1]["Id"] == "<missing>"
    assert entries[-1]["Tags"] is None
    assert entries[-1]["Size"] == image.size


def test_history_missing(store: ImageStore) -> None:
    with pytest.raises(NoSuchImage, match="No such image: nope:latest"):
        store.history("nope")
