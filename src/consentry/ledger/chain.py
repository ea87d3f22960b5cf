"""The ledger's pure core: canonical JSON, entry hashes, and chain verification.

Each entry's hash is ``sha256(canonical_json({"seq", "kind", "payload", "recorded_at",
"actor", "prev_hash"}))`` as lower-case hex; the first entry's ``prev_hash`` is 64 zeros.
Canonical JSON: keys sorted, no insignificant whitespace, UTF-8 (non-ASCII kept), integers
as integers, no floats that are NaN or infinite. See docs/ledger.md for a worked example.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from consentry.errors import ValidationError

GENESIS_HASH = "0" * 64


def _check(obj: Any, path: str = "$") -> None:
    if obj is None or isinstance(obj, (str, bool, int)):
        return
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValidationError(
                f"{path} is {obj}, not a finite number",
                field=path,
                value=str(obj),
                expected="a finite number",
            )
        return
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ValidationError(
                    f"{path} has a non-string key {k!r}",
                    field=path,
                    value=repr(k),
                    expected="string keys",
                )
            _check(v, f"{path}.{k}")
        return
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _check(v, f"{path}[{i}]")
        return
    raise ValidationError(
        f"{path} is a {type(obj).__name__}, which JSON cannot hold",
        field=path,
        value=repr(obj)[:80],
        expected="JSON values only",
    )


def canonical_json(obj: object) -> bytes:
    try:
        text = json.dumps(
            obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError):
        _check(obj)  # raises a ValidationError naming the offending value
        raise
    return text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    kind: str
    payload: Mapping[str, Any]
    recorded_at: str  # ISO-8601 UTC, e.g. 2026-11-29T03:00:00.123456Z
    actor: str | None
    prev_hash: str
    hash: str


def entry_hash(
    *,
    seq: int,
    kind: str,
    payload: Mapping[str, Any],
    recorded_at: str,
    actor: str | None,
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "kind": kind,
        "payload": payload,
        "recorded_at": recorded_at,
        "actor": actor,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def make_entry(
    *,
    prev: LedgerEntry | None,
    kind: str,
    payload: Mapping[str, Any],
    recorded_at: str,
    actor: str | None,
) -> LedgerEntry:
    seq = prev.seq + 1 if prev else 1
    prev_hash = prev.hash if prev else GENESIS_HASH
    h = entry_hash(
        seq=seq,
        kind=kind,
        payload=payload,
        recorded_at=recorded_at,
        actor=actor,
        prev_hash=prev_hash,
    )
    return LedgerEntry(seq, kind, payload, recorded_at, actor, prev_hash, h)


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int | None
    head_hash: str | None
    first_bad_seq: int | None
    reason: str | None


def verify_chain(entries: Iterable[LedgerEntry]) -> ChainReport:
    """Re-walk the chain from seq 1; name the first entry that does not verify."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last: LedgerEntry | None = None

    def bad(seq: int, reason: str) -> ChainReport:
        return ChainReport(
            False, checked, last.seq if last else None, last.hash if last else None, seq, reason
        )

    for e in entries:
        if e.seq != expected_seq:
            return bad(expected_seq, f"gap: expected entry {expected_seq}, found {e.seq}")
        if e.prev_hash != prev_hash:
            return bad(e.seq, f"entry {e.seq}: prev_hash does not match entry {e.seq - 1}")
        try:
            computed = entry_hash(
                seq=e.seq,
                kind=e.kind,
                payload=e.payload,
                recorded_at=e.recorded_at,
                actor=e.actor,
                prev_hash=e.prev_hash,
            )
        except ValidationError as exc:
            return bad(e.seq, f"entry {e.seq}: payload cannot be hashed ({exc})")
        if computed != e.hash:
            return bad(
                e.seq,
                f"entry {e.seq}: hash does not match its content "
                f"(stored {e.hash[:12]}…, computed {computed[:12]}…)",
            )
        checked += 1
        last = e
        prev_hash = e.hash
        expected_seq += 1
    return ChainReport(
        True, checked, last.seq if last else None, last.hash if last else None, None, None
    )
