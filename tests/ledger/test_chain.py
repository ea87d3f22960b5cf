"""The hash chain: any edit, deletion or reordering is caught at exactly that entry."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import ValidationError
from consentry.ledger.chain import (
    GENESIS_HASH,
    BadEntry,
    LedgerEntry,
    canonical_json,
    entry_hash,
    make_entry,
    verify_chain,
)


def chain(n: int) -> list[LedgerEntry]:
    out: list[LedgerEntry] = []
    for i in range(n):
        out.append(
            make_entry(
                prev=out[-1] if out else None,
                kind="terms.declared",
                payload={"n": i, "name": f"Émile {i}", "terms": {"tdm": "reserved"}},
                recorded_at=f"2026-01-01T00:00:{i % 60:02d}.000000Z",
                actor="admin:registry",
            )
        )
    return out


def test_a_clean_chain_verifies() -> None:
    entries = chain(20)
    report = verify_chain(entries)
    assert report.ok and report.checked == 20
    assert report.head_seq == 20 and report.head_hash == entries[-1].hash
    assert report.first_bad_seq is None and report.reason is None
    assert [e.seq for e in entries] == list(range(1, 21))
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


def test_empty_chain_verifies_with_no_head() -> None:
    report = verify_chain([])
    assert report.ok and report.checked == 0 and report.head_seq is None


def test_hash_is_sha256_of_the_documented_canonical_json() -> None:
    e = chain(1)[0]
    body = (
        '{"actor":"admin:registry","kind":"terms.declared",'
        '"payload":{"n":0,"name":"Émile 0","terms":{"tdm":"reserved"}},'
        f'"prev_hash":"{GENESIS_HASH}","recorded_at":"2026-01-01T00:00:00.000000Z","seq":1}}'
    )
    assert e.hash == hashlib.sha256(body.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "field,value",
    [
        ("payload", {"n": 999}),
        ("kind", "terms.withdrawn"),
        ("recorded_at", "2020-01-01T00:00:00.000000Z"),
        ("actor", "someone:else"),
        ("actor", None),
        ("hash", "f" * 64),
    ],
)
@pytest.mark.parametrize("pos", [0, 6, 9])
def test_editing_any_field_is_caught_at_that_entry(field: str, value: object, pos: int) -> None:
    entries = chain(10)
    entries[pos] = dataclasses.replace(entries[pos], **{field: value})
    report = verify_chain(entries)
    assert not report.ok
    assert report.first_bad_seq == pos + 1
    assert report.checked == pos
    assert report.head_seq == (pos or None)
    assert f"entry {pos + 1}: hash does not match its content" in (report.reason or "")


@pytest.mark.parametrize("pos", [0, 3, 4])
def test_prev_hash_edit_is_caught(pos: int) -> None:
    entries = chain(5)
    entries[pos] = dataclasses.replace(entries[pos], prev_hash="a" * 64)
    report = verify_chain(entries)
    assert report.first_bad_seq == pos + 1 and "prev_hash" in (report.reason or "")


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link() -> None:
    entries = chain(6)
    e = entries[2]
    forged = make_entry(
        prev=entries[1], kind=e.kind, payload={"n": -1}, recorded_at=e.recorded_at, actor=e.actor
    )
    entries[2] = forged
    report = verify_chain(entries)
    assert report.first_bad_seq == 4
    assert report.reason == "entry 4: prev_hash does not match entry 3"


def test_rewriting_the_whole_tail_changes_the_head_hash() -> None:
    # The chain alone cannot catch a consistent rewrite of every later entry; the head
    # hash (and every receipt issued after the edit) then differs, which is what
    # outside parties compare.
    entries = chain(6)
    rewritten = entries[:2]
    for e in entries[2:]:
        payload = {"n": -1} if e.seq == 3 else e.payload
        rewritten.append(
            make_entry(
                prev=rewritten[-1],
                kind=e.kind,
                payload=payload,
                recorded_at=e.recorded_at,
                actor=e.actor,
            )
        )
    report = verify_chain(rewritten)
    assert report.ok and report.head_hash != entries[-1].hash


def test_deleting_and_reordering_are_caught() -> None:
    entries = chain(8)
    report = verify_chain(entries[:3] + entries[4:])
    assert report.first_bad_seq == 4 and report.checked == 3
    assert report.reason == "gap: expected seq 4, found 5 (entries missing)"
    first = verify_chain(entries[1:])
    assert first.first_bad_seq == 1 and first.reason is not None and "gap" in first.reason
    swapped = [*entries[:2], entries[3], entries[2], *entries[4:]]
    assert verify_chain(swapped).first_bad_seq == 3
    duplicated = [*entries[:3], entries[2], *entries[3:]]
    report = verify_chain(duplicated)
    assert report.first_bad_seq == 4
    assert report.reason == "out of order: expected seq 4, found 3"


def test_truncation_at_the_end_shows_in_the_head_only() -> None:
    # Dropping the last entries leaves a valid shorter chain: callers compare head_seq
    # with the head they keep (store does), so the report exposes it.
    report = verify_chain(chain(8)[:5])
    assert report.ok and report.head_seq == 5


def test_truncation_at_the_end_is_caught_against_the_recorded_head() -> None:
    entries = chain(8)
    report = verify_chain(entries[:5], head=(8, entries[-1].hash))
    assert not report.ok and report.checked == 5 and report.head_seq == 5
    assert report.bad == BadEntry(
        6, "chain ends at entry 5 but the head says 8: entries were removed"
    )
    other = verify_chain(entries, head=(8, "f" * 64))
    assert other.bad == BadEntry(8, "entry 8: hash differs from the recorded chain head")
    assert verify_chain(entries, head=(8, entries[-1].hash)).ok
    assert verify_chain([], head=(0, GENESIS_HASH)).ok


def test_an_unreadable_row_stops_the_walk_as_a_value() -> None:
    entries: list[LedgerEntry | BadEntry] = list(chain(5))
    entries[2] = BadEntry(3, "entry 3: payload is not valid JSON (x)")
    report = verify_chain(entries, head=(5, "0" * 64))
    assert report.bad == BadEntry(3, "entry 3: payload is not valid JSON (x)")
    assert (report.checked, report.head_seq) == (2, 2)
    # one that comes after missing entries: the gap is the first fault
    gap = verify_chain([*chain(2), BadEntry(5, "entry 5: payload is not valid JSON (x)")])
    assert gap.bad == BadEntry(3, "gap: expected seq 3, found 5 (entries missing)")


def test_verification_streams_and_stops_at_the_first_bad_entry() -> None:
    entries = chain(30)
    entries[9] = dataclasses.replace(entries[9], kind="edited")
    pulled: list[int] = []

    def rows() -> Iterator[LedgerEntry]:
        for e in entries:
            pulled.append(e.seq)
            yield e

    assert verify_chain(rows()).first_bad_seq == 10
    assert pulled[-1] == 10  # nothing after the bad entry was read


def test_a_payload_that_cannot_be_hashed_is_named_not_raised() -> None:
    entries = chain(3)
    entries[1] = dataclasses.replace(entries[1], payload={"x": float("nan")})
    report = verify_chain(entries)
    assert report.first_bad_seq == 2 and "cannot be hashed" in (report.reason or "")
    entries = chain(3)
    entries[2] = dataclasses.replace(entries[2], recorded_at="yesterday")
    report = verify_chain(entries)
    assert report.first_bad_seq == 3 and "'yesterday'" in (report.reason or "")


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"kind": ""}, "kind"),
        ({"payload": ["not", "an", "object"]}, "payload"),
        ({"recorded_at": "2026-01-01 00:00:00"}, "recorded_at"),
        ({"recorded_at": "2026-01-01T00:00:00+01:00"}, "recorded_at"),
        ({"actor": 7}, "actor"),
        ({"payload": {"when": object()}}, "$.payload.when"),
    ],
)
def test_make_entry_refuses_bad_values(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {
        "prev": None,
        "kind": "k",
        "payload": {},
        "recorded_at": "2026-01-01T00:00:00Z",
        "actor": None,
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as err:
        make_entry(**args)
    assert err.value.field == field


@pytest.mark.parametrize("seq,prev", [(0, GENESIS_HASH), (True, GENESIS_HASH), (1, "ABC")])
def test_entry_hash_refuses_bad_seq_and_prev_hash(seq: Any, prev: str) -> None:
    with pytest.raises(ValidationError):
        entry_hash(
            seq=seq,
            kind="k",
            payload={},
            recorded_at="2026-01-01T00:00:00Z",
            actor=None,
            prev_hash=prev,
        )


FIELDS = ["payload", "kind", "recorded_at", "actor", "prev_hash", "hash"]
json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
payloads = st.dictionaries(
    st.text(max_size=6),
    json_scalars | st.lists(json_scalars, max_size=3),
    max_size=4,
)


def _altered(field: str, payload: dict[str, Any], text: str) -> Any:
    if field == "payload":
        return payload
    if field in ("prev_hash", "hash"):
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if field == "recorded_at":
        return f"2030-01-01T00:00:{len(text) % 60:02d}.{len(text):06d}Z"
    return text


@given(
    st.lists(payloads, min_size=1, max_size=12),
    st.data(),
)
def test_any_single_edit_is_caught_at_its_entry(pls: list[dict[str, Any]], data: Any) -> None:
    entries: list[LedgerEntry] = []
    for i, p in enumerate(pls):
        entries.append(
            make_entry(
                prev=entries[-1] if entries else None,
                kind="work.imported",
                payload=p,
                recorded_at=f"2026-01-01T00:00:00.{i:06d}Z",
                actor=None if i % 2 else "creator:p1",
            )
        )
    assert verify_chain(entries).ok
    pos = data.draw(st.integers(0, len(entries) - 1))
    field = data.draw(st.sampled_from(FIELDS))
    new = _altered(field, data.draw(payloads), data.draw(st.text()))
    old = getattr(entries[pos], field)
    same = canonical_json(new) == canonical_json(old) if field == "payload" else new == old
    entries[pos] = dataclasses.replace(entries[pos], **{field: new})
    report = verify_chain(entries)
    if same:
        assert report.ok
    else:
        assert report.first_bad_seq == pos + 1
        assert report.checked == pos


anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=4),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3)
    ),
    max_leaves=8,
)


@given(st.integers(0, 5), st.sampled_from([*FIELDS, "seq"]), anything)
def test_hand_edited_rows_of_any_type_give_a_report_never_an_exception(
    pos: int, field: str, value: Any
) -> None:
    # Rows come back from a database anyone may have edited: any value in any field.
    entries = chain(6)
    entries[pos] = dataclasses.replace(entries[pos], **{field: value})
    report = verify_chain(entries)
    if report.ok:  # only an edit that changed nothing
        assert getattr(chain(6)[pos], field) == value
    else:
        assert report.first_bad_seq == pos + 1 and report.reason
