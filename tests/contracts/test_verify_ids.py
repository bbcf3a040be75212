"""Id pairing: the verifier numbers a replayed id after its recorded partner."""

from __future__ import annotations

import json

from contracts.exchange import (
    Body,
    Exchange,
    IdNumbering,
    Normalizer,
    Request,
    Response,
)
from contracts.exchange.normalize import LONG_ID
from contracts.verify import IdMap

RECORDED_A = "a" * 64
RECORDED_B = "b" * 64
RECORDED_C = "c" * 64
TARGET_D = "d" * 64
TARGET_E = "e" * 64


def answer(document: object) -> Exchange:
    return Exchange(
        seq=1,
        request=Request("GET", "/containers/json"),
        response=Response(200, body=Body(json.dumps(document).encode())),
    )


def sides(ids: IdMap) -> tuple[Normalizer, Normalizer]:
    numbering = IdNumbering()
    expected = Normalizer(numbering=numbering)
    actual = Normalizer(numbering=numbering, canonical=ids.recorded_for)
    return expected, actual


def test_paired_ids_share_placeholder() -> None:
    ids = IdMap()
    ids.learn(answer({"Id": RECORDED_A}), answer({"Id": TARGET_D}))
    expected, actual = sides(ids)
    assert expected.text(RECORDED_A) == actual.text(TARGET_D)


def test_missing_id_does_not_shift_later() -> None:
    ids = IdMap()
    ids.learn(answer({"Id": RECORDED_B}), answer({"Id": TARGET_E}))
    expected, actual = sides(ids)
    # The recorded answer names an id the replay lacks; the next id must
    # still get the same placeholder on both sides.
    assert expected.text(f"{RECORDED_A} {RECORDED_B}") == "<id-1> <id-2>"
    assert actual.text(f"{TARGET_E}") == "<id-2>"


def test_extra_id_gets_own_number() -> None:
    ids = IdMap()
    ids.learn(answer({"Id": RECORDED_B}), answer({"Id": TARGET_E}))
    expected, actual = sides(ids)
    assert actual.text(TARGET_D) == "<id-1>"
    assert expected.text(RECORDED_B) == "<id-2>"
    assert actual.text(TARGET_E) == "<id-2>"


def test_short_id_follows_pair() -> None:
    ids = IdMap()
    ids.learn(answer({"Id": RECORDED_A}), answer({"Id": TARGET_D}))
    expected, actual = sides(ids)
    assert expected.text(RECORDED_A) == "<id-1>"
    assert actual.text(TARGET_D[:12]) == "<id-1:short>"


def test_pairing_is_one_to_one() -> None:
    ids = IdMap()
    ids.learn(answer({"Id": RECORDED_A}), answer({"Id": TARGET_D}))
    ids.learn(answer({"Id": RECORDED_B}), answer({"Id": TARGET_D}))
    assert ids.get(RECORDED_B) is None
    assert ids.recorded_for(TARGET_D) == RECORDED_A


def test_lists_of_other_length_pair_by_name() -> None:
    recorded = [
        {"Id": RECORDED_A, "RepoTags": ["<none>:<none>"]},
        {"Id": RECORDED_B, "RepoTags": ["busybox:latest"]},
    ]
    target = [{"Id": TARGET_E, "RepoTags": ["busybox:latest"]}]
    ids = IdMap()
    ids.learn(answer(recorded), answer(target))
    assert ids.get(RECORDED_B) == TARGET_E
    assert ids.get(RECORDED_A) is None


def test_lists_of_same_length_pair_by_position() -> None:
    ids = IdMap()
    ids.learn(answer([RECORDED_A, RECORDED_B]), answer([TARGET_D, TARGET_E]))
    assert ids.get(RECORDED_B) == TARGET_E


def test_url_encoded_filter_rewritten() -> None:
    ids = IdMap()
    ids.learn(answer({"Id": RECORDED_A}), answer({"Id": TARGET_D}))
    target = f"/events?filters=%7B%22container%22%3A%7B%22{RECORDED_A}%22%3Atrue%7D%7D"
    rewritten = ids.rewrite(Request("GET", target)).target
    assert LONG_ID.findall(rewritten) == [TARGET_D]


def test_short_ids_seen_only_short_are_paired() -> None:
    ids = IdMap()
    ids.learn(
        answer([{"stream": " ---> Running in 7ddc3b61b980\n"}]),
        answer([{"stream": " ---> Running in e506f009282d\n"}]),
    )
    expected, actual = sides(ids)
    recorded = expected.text("Removing 7ddc3b61b980")
    assert recorded == actual.text("Removing e506f009282d")
    assert ids.rewrite_text("/containers/7ddc3b61b980/json") == (
        "/containers/e506f009282d/json"
    )


def test_known_short_id_not_paired_again() -> None:
    ids = IdMap()
    ids.learn(answer({"Id": RECORDED_A}), answer({"Id": TARGET_D}))
    ids.learn(answer({"Image": "aaaaaaaaaaaa"}), answer({"Image": "eeeeeeeeeeee"}))
    assert ids.recorded_for("eeeeeeeeeeee") == "eeeeeeeeeeee"
    assert ids.recorded_for(TARGET_D[:12]) == RECORDED_A[:12]


RECORDED_SERVICE = "igc6cavbsfj6f6mby0fupxaxl"
RECORDED_TASK = "ymi3n15rrq5zdloiwtwgc00th"
TARGET_SERVICE = "5xjur6zt871o2sanaa4atdcij"
TARGET_TASK = "0zafxobwd37cqnt0i6bhvhn6x"


def test_swarm_ids_paired_and_share_placeholder() -> None:
    ids = IdMap()
    ids.learn(answer({"ID": RECORDED_SERVICE}), answer({"ID": TARGET_SERVICE}))
    assert ids.get(RECORDED_SERVICE) == TARGET_SERVICE
    expected, actual = sides(ids)
    assert expected.text(f"/services/{RECORDED_SERVICE}") == "/services/<swarm-id-1>"
    assert actual.text(f"/services/{TARGET_SERVICE}") == "/services/<swarm-id-1>"


def test_swarm_ids_rewritten_in_paths_and_filters() -> None:
    ids = IdMap()
    ids.learn(
        answer([{"ID": RECORDED_TASK, "ServiceID": RECORDED_SERVICE}]),
        answer([{"ID": TARGET_TASK, "ServiceID": TARGET_SERVICE}]),
    )
    assert ids.rewrite_text(f"/tasks/{RECORDED_TASK}/logs") == (
        f"/tasks/{TARGET_TASK}/logs"
    )
    target = f"/tasks?filters=%7B%22service%22%3A+%5B%22{RECORDED_SERVICE}%22%5D%7D"
    assert TARGET_SERVICE in ids.rewrite(Request("GET", target)).target


def test_swarm_id_in_plain_text_paired() -> None:
    ids = IdMap()
    recorded = Exchange(
        seq=1,
        request=Request("POST", "/swarm/init"),
        response=Response(200, body=Body(b"not json " + RECORDED_TASK.encode())),
    )
    target = Exchange(
        seq=1,
        request=Request("POST", "/swarm/init"),
        response=Response(200, body=Body(b"not json " + TARGET_TASK.encode())),
    )
    ids.learn(recorded, target)
    assert ids.recorded_for(TARGET_TASK) == RECORDED_TASK
