"""The ledger's pure core: canonical JSON, entry hashes, and chain verification.

Each entry's hash is ``sha256(canonical_json({"seq", "kind", "payload", "recorded_at",
"actor", "prev_hash"}))`` as lower-case hex; the first entry's ``prev_hash`` is 64 zeros.

Canonical JSON follows RFC 8785 (JCS): object keys sorted by their UTF-16 code units, no
insignificant whitespace, strings as ECMAScript ``JSON.stringify`` writes them (only ``"``,
``\\`` and control characters escaped; everything else kept as UTF-8), floats in the
ECMAScript shortest form (``1.0`` -> ``1``, ``1e21`` -> ``1e+21``), NaN and infinities
refused. One deliberate extension: integers are written exactly, however large (JCS would
round them through a double). Values must be ``None``, ``bool``, ``int``, ``float``,
``str``, a ``Mapping`` with string keys, or a ``list``/``tuple``; anything else (datetimes,
``Decimal``, bytes) raises :class:`ValidationError` naming where it sits.

Pure: no I/O, no clock. docs/ledger.md has the format and a worked example.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from consentry.errors import ValidationError
from consentry.text import is_utf8

GENESIS_HASH = "0" * 64

_HASH_RE = re.compile(r"[0-9a-f]{64}")
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z")
_dumps_str = json.JSONEncoder(ensure_ascii=False).encode


# --------------------------------------------------------------------- canonical JSON
def _plain(obj: Any) -> bool:
    """True when ``json.dumps`` already writes ``obj`` canonically.

    That holds for dicts with ASCII string keys, lists, strings, ints, bools and None.
    Anything else (floats, tuples, other mappings, non-ASCII keys, unknown types) takes
    the exact path, which also produces the error messages.
    """
    t = type(obj)
    if t is dict:
        for k, v in obj.items():
            if type(k) is not str or not k.isascii():
                return False
            tv = type(v)
            if tv is dict or tv is list:
                if not _plain(v):
                    return False
            elif tv is not str and tv is not int and tv is not bool and v is not None:
                return False
        return True
    if t is list:
        for v in obj:
            tv = type(v)
            if tv is dict or tv is list:
                if not _plain(v):
                    return False
            elif tv is not str and tv is not int and tv is not bool and v is not None:
                return False
        return True
    return t is str or t is int or t is bool or obj is None


def es6_number(x: float) -> str:
    """A finite float as ECMAScript ``Number.prototype.toString`` writes it (RFC 8785 3.2.2.3)."""
    if x == 0:
        return "0"  # also -0.0
    sign = "-" if x < 0 else ""
    mantissa, _, exp_text = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exp = int(exp_text or "0") - len(frac)
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    digits = stripped
    k = len(digits)
    n = k + exp  # value = 0.digits * 10**n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        lead = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{lead}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def _bad(path: str, obj: Any, why: str, expected: str) -> ValidationError:
    shown = repr(obj)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return ValidationError(f"{path} {why}", field=path, value=shown, expected=expected)


def _string(s: str, path: str) -> str:
    if not is_utf8(s):
        raise _bad(
            path, s, "holds a lone surrogate, which UTF-8 cannot encode", "valid Unicode text"
        )
    return _dumps_str(s)


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _exact(obj: Any, path: str, out: list[str]) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, str):
        out.append(_string(obj, path))
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, float):
        if not math.isfinite(obj):
            raise _bad(path, obj, f"is {obj}, not a finite number", "a finite number")
        out.append(es6_number(obj))
    elif isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if not isinstance(k, str):
                raise _bad(path, k, f"has a non-string key {k!r}", "string keys")
            items.append((_utf16(k), k, v))
        items.sort(key=lambda item: item[0])
        out.append("{")
        for i, (_, k, v) in enumerate(items):
            if i:
                out.append(",")
            out.append(_string(k, f"{path} key"))
            out.append(":")
            _exact(v, f"{path}.{k}", out)
        out.append("}")
    elif isinstance(obj, (list, tuple)):
        out.append("[")
        for i, v in enumerate(obj):
            if i:
                out.append(",")
            _exact(v, f"{path}[{i}]", out)
        out.append("]")
    else:
        raise _bad(
            path,
            obj,
            f"is a {type(obj).__name__}, which JSON cannot hold",
            "null, true/false, a number, a string, an array or an object "
            "(give datetimes as ISO-8601 strings, decimals as strings)",
        )


def canonical_json(obj: object) -> bytes:
    """``obj`` as RFC 8785 canonical JSON, UTF-8 encoded; ValidationError if it is not JSON."""
    try:
        if _plain(obj):
            try:
                return json.dumps(
                    obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ).encode("utf-8")
            except UnicodeEncodeError:
                pass  # a lone surrogate: the exact path names where
        out: list[str] = []
        _exact(obj, "$", out)
        return "".join(out).encode("utf-8")
    except RecursionError:
        raise ValidationError(
            "value is nested too deeply to serialise",
            field="$",
            value="(deeply nested)",
            expected="JSON nested less than about 900 levels",
        ) from None


# --------------------------------------------------------------------- entries
@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    kind: str
    payload: Mapping[str, Any]
    recorded_at: str  # ISO-8601 UTC, e.g. 2026-11-29T03:00:00.123456Z
    actor: str | None
    prev_hash: str
    hash: str


def _check_fields(
    seq: object, kind: object, payload: object, recorded_at: object, actor: object, prev: object
) -> None:
    if type(seq) is not int or seq < 1:
        raise ValidationError(
            f"ledger seq {seq!r} is not a positive integer",
            field="seq",
            value=seq,
            expected="an integer >= 1",
        )
    if not isinstance(kind, str) or not kind:
        raise ValidationError(
            f"ledger kind {kind!r} is not a non-empty string",
            field="kind",
            value=kind,
            expected="an event kind such as 'terms.declared'",
        )
    if not isinstance(payload, Mapping):
        raise ValidationError(
            f"ledger payload is a {type(payload).__name__}, not an object",
            field="payload",
            value=repr(payload)[:80],
            expected="a JSON object",
        )
    if not isinstance(recorded_at, str) or not _TIME_RE.fullmatch(recorded_at):
        raise ValidationError(
            f"recorded_at {recorded_at!r} is not an ISO-8601 UTC time",
            field="recorded_at",
            value=recorded_at,
            expected="YYYY-MM-DDTHH:MM:SS[.ffffff]Z",
        )
    if actor is not None and not isinstance(actor, str):
        raise ValidationError(
            f"actor {actor!r} is not a string or None",
            field="actor",
            value=repr(actor),
            expected="a string or None",
        )
    if not isinstance(prev, str) or not _HASH_RE.fullmatch(prev):
        raise ValidationError(
            f"prev_hash {prev!r} is not 64 lower-case hex digits",
            field="prev_hash",
            value=prev,
            expected="a SHA-256 hex digest",
        )


def entry_hash(
    *,
    seq: int,
    kind: str,
    payload: Mapping[str, Any],
    recorded_at: str,
    actor: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 hex over the canonical JSON of the entry's six hashed fields."""
    _check_fields(seq, kind, payload, recorded_at, actor, prev_hash)
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
    """The entry that follows ``prev`` (or the first entry when ``prev`` is None)."""
    seq = prev.seq + 1 if prev is not None else 1
    prev_hash = prev.hash if prev is not None else GENESIS_HASH
    h = entry_hash(
        seq=seq,
        kind=kind,
        payload=payload,
        recorded_at=recorded_at,
        actor=actor,
        prev_hash=prev_hash,
    )
    return LedgerEntry(seq, kind, payload, recorded_at, actor, prev_hash, h)


# --------------------------------------------------------------------- verification
@dataclass(frozen=True, slots=True)
class BadEntry:
    """An entry that does not verify (or a stored row that cannot be read as one)."""

    seq: int
    reason: str  # a sentence naming the entry, e.g. "entry 7: hash does not match ..."


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int | None  # the last entry that verified
    head_hash: str | None
    bad: BadEntry | None = None  # the first entry that does not verify (None when ok)

    @property
    def first_bad_seq(self) -> int | None:
        return self.bad.seq if self.bad is not None else None

    @property
    def reason(self) -> str | None:
        return self.bad.reason if self.bad is not None else None


def _short(value: object) -> str:
    return f"{value[:12]}…" if isinstance(value, str) and len(value) > 12 else repr(value)


def verify_chain(
    entries: Iterable[LedgerEntry | BadEntry], *, head: tuple[int, str] | None = None
) -> ChainReport:
    """Re-walk the chain from seq 1; name the first entry that does not verify.

    Streams: holds one entry at a time. ``checked`` counts the entries that verified
    before the first bad one; ``head_*`` is the last good entry. ``entries`` may hold a
    :class:`BadEntry` where storage could not read a row; it stops the walk there. With
    ``head`` (the recorded chain head: seq and hash), a chain that ends before it (rows
    removed at the end) or at another hash does not verify either.
    """
    checked = 0
    last: LedgerEntry | None = None
    fault: BadEntry | None = None
    for e in entries:
        fault = _fault(e, last)
        if fault is not None or isinstance(e, BadEntry):  # (a BadEntry is always a fault)
            break
        checked += 1
        last = e
    if fault is None and head is not None:
        fault = _head_fault(last, head)
    return ChainReport(
        fault is None,
        checked,
        last.seq if last is not None else None,
        last.hash if last is not None else None,
        fault,
    )


def _fault(e: LedgerEntry | BadEntry, prev: LedgerEntry | None) -> BadEntry | None:
    """Why ``e`` cannot follow ``prev`` (None: the first entry), or None when it can."""
    expected = prev.seq + 1 if prev is not None else 1
    if e.seq != expected:
        if type(e.seq) is int and e.seq > expected:
            return BadEntry(
                expected, f"gap: expected seq {expected}, found {e.seq} (entries missing)"
            )
        if not isinstance(e, BadEntry):
            return BadEntry(expected, f"out of order: expected seq {expected}, found {e.seq!r}")
    if isinstance(e, BadEntry):
        return e
    if e.prev_hash != (prev.hash if prev is not None else GENESIS_HASH):
        if prev is None:
            return BadEntry(1, f"entry 1: prev_hash is {_short(e.prev_hash)}, not the genesis hash")
        return BadEntry(e.seq, f"entry {e.seq}: prev_hash does not match entry {e.seq - 1}")
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
        return BadEntry(e.seq, f"entry {e.seq}: cannot be hashed ({exc})")
    if computed != e.hash:
        return BadEntry(
            e.seq,
            f"entry {e.seq}: hash does not match its content "
            f"(stored {_short(e.hash)}, computed {_short(computed)})",
        )
    return None


def _head_fault(last: LedgerEntry | None, head: tuple[int, str]) -> BadEntry | None:
    """Why a chain ending at ``last`` disagrees with the recorded head, or None."""
    end = last.seq if last is not None else 0
    if end != head[0]:
        return BadEntry(
            end + 1, f"chain ends at entry {end} but the head says {head[0]}: entries were removed"
        )
    if last is not None and last.hash != head[1]:
        return BadEntry(head[0], f"entry {head[0]}: hash differs from the recorded chain head")
    return None
