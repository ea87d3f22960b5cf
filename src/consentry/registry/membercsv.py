"""Bulk files of members' mandates and of AI developers, read as the works CSV is read.

Mandates (``consentry mandates import FILE --organisation ID``)::

    member,email,purposes,territories,valid_from,valid_until,evidence

* ``member``: a name (found as the works CSV finds parties: case and spacing ignored; a new
  person is registered when none has it; two parties with the name are an error asking for
  ``party:ID``) or ``party:ID``.
* ``email``: optional; recorded as the member's contact point when it has not got it.
* ``purposes``: ``;``-separated (``ai-train;tdm``); empty means every purpose.
* ``territories``: ``;``-separated ISO 3166-1 alpha-2 codes; empty means ``WORLD``.
* ``valid_from`` / ``valid_until``: a date (``2026-01-01``, midnight UTC) or a time with
  offset (``2026-01-01T09:00:00+01:00``); empty ``valid_from`` means the time of the import,
  empty ``valid_until`` means no end.
* ``evidence``: required; the reference of the member's signed authorisation (a form
  number, a URL) or the SHA-256 of its file (``sha256:HEX``, or 64 bare hex digits).

Developers (``consentry developers import FILE``)::

    name,email,postal_address,optout_url,tokens

``tokens`` are ``;``-separated crawler tokens of the signals catalogue; ``optout_url`` an
http(s) URL (the developer's opt-out or copyright web form); every cell but ``name``
may be empty.

File-level rules (UTF-8, header, ``x-`` columns, quoting) are those of
:func:`consentry.registry.csvfile.read_table`. A problem in a row gives a record with an
error naming the column, the value and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from consentry.errors import ConsentryError, ValidationError
from consentry.limits import MAX_EVIDENCE, MAX_NAME
from consentry.registry.csvfile import PARTY_PREFIX, read_table
from consentry.registry.developers import DeveloperDraft, DeveloperRecord, catalogue_tokens
from consentry.registry.mandates import MandateDraft, MandateRecord
from consentry.registry.parties import ContactPoint
from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.registry.territories import WORLD, parse_territory

MANDATE_COLUMNS = (
    "member",
    "email",
    "purposes",
    "territories",
    "valid_from",
    "valid_until",
    "evidence",
)
DEVELOPER_COLUMNS = ("name", "email", "postal_address", "optout_url", "tokens")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
T = TypeVar("T")


class _CellError(Exception):
    """One cell is wrong (the message names the value and what was expected)."""


def _items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(";") if item.strip()]


def _reason(exc: Exception) -> str:
    message = str(exc)
    expected = getattr(exc, "expected", None)
    if expected and "expected" not in message:
        message = f"{message}, expected {expected}"
    return message


def _cells(
    number: int, row: list[str], columns: dict[str, int], width: int
) -> dict[str, str] | str:
    if len(row) != width:
        return (
            f"row has {len(row)} fields, expected {width} like the header "
            "(quote cells that contain commas)"
        )
    return {c: row[i] for c, i in columns.items()}


def _cell(cells: dict[str, str], column: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(cells[column])
    except (ConsentryError, _CellError) as exc:
        raise _CellError(f"{column}: {_reason(exc)}") from None


# --------------------------------------------------------------------- mandates
def parse_mandates_csv(
    source: Path | str | bytes, *, filename: str | None = None
) -> list[MandateRecord]:
    """Every record of a mandates file (see the module's docstring)."""
    _, columns, width, rows = read_table(source, MANDATE_COLUMNS, filename=filename)
    return [_mandate_record(number, row, columns, width) for number, row in rows]


def _mandate_record(
    number: int, row: list[str], columns: dict[str, int], width: int
) -> MandateRecord:
    key = row[columns["member"]].strip() or None if len(row) > columns["member"] else None
    cells = _cells(number, row, columns, width)
    if isinstance(cells, str):
        return MandateRecord(number, None, cells, key)
    try:
        name, member_id = _cell(cells, "member", _member)
        email = _cell(cells, "email", _email)
        purposes = _cell(cells, "purposes", _purposes)
        territories = _cell(cells, "territories", _territories)
        valid_from = _cell(cells, "valid_from", _when)
        valid_until = _cell(cells, "valid_until", _when)
        evidence = _cell(cells, "evidence", _evidence)
        if valid_from and valid_until and valid_until <= valid_from:
            raise _CellError(
                f"valid_until: {cells['valid_until'].strip()!r} is not after valid_from "
                f"{cells['valid_from'].strip()!r}, expected a later time"
            )
    except _CellError as exc:
        return MandateRecord(number, None, str(exc), key)
    draft = MandateDraft(
        member_name=name,
        member_id=member_id,
        email=email,
        purposes=purposes,
        territories=territories,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=evidence,
    )
    return MandateRecord(number, draft, None, key)


def _member(value: str) -> tuple[str | None, str | None]:
    text = " ".join(value.split())
    if text.lower().startswith(PARTY_PREFIX):
        pid = text[len(PARTY_PREFIX) :].strip()
        if not pid or " " in pid:
            raise _CellError(f"{value!r} is not a party id, expected party:ID")
        return None, pid
    if not text:
        raise _CellError("empty, expected the member's name or party:ID")
    if len(text) > MAX_NAME:
        raise _CellError(f"name {text[:40]!r}... is longer than {MAX_NAME} characters")
    return text, None


def _email(value: str) -> str | None:
    text = value.strip()
    return ContactPoint("email", text).value if text else None


def _purposes(value: str) -> frozenset[Purpose]:
    items = _items(value)
    return frozenset(Purpose.parse(p) for p in items) if items else frozenset(ALL_PURPOSES)


def _territories(value: str) -> frozenset[str]:
    items = _items(value)
    codes = frozenset(parse_territory(t, field="territories") for t in items)
    return codes or frozenset({WORLD})


def parse_when(value: str, *, field: str) -> datetime | None:
    """A date (midnight UTC) or an ISO-8601 time with offset; empty is ``None``."""
    text = value.strip()
    if not text:
        return None
    if len(text) == 10:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValidationError(
            f"{text!r} is not a date or a time with offset",
            field=field,
            value=value,
            expected="a date like 2026-01-01 or a time like 2026-01-01T09:00:00Z",
        )
    return when


def _when(value: str) -> datetime | None:
    return parse_when(value, field="time")


def _evidence(value: str) -> str:
    text = value.strip()
    if not text:
        raise _CellError(
            "empty, expected the reference of the member's signed authorisation "
            "or sha256:HEX of its file"
        )
    if _HEX64.fullmatch(text):
        return "sha256:" + text.lower()
    if text.lower().startswith("sha256:"):
        digest = text[len("sha256:") :].strip()
        if not _HEX64.fullmatch(digest):
            raise _CellError(f"{text!r} is not sha256: and 64 hex digits, expected sha256:HEX")
        return "sha256:" + digest.lower()
    if len(text) > MAX_EVIDENCE:
        raise _CellError(f"{text[:40]!r}... is longer than {MAX_EVIDENCE} characters")
    return text


# --------------------------------------------------------------------- developers
def parse_developers_csv(
    source: Path | str | bytes, *, filename: str | None = None
) -> list[DeveloperRecord]:
    """Every record of a developers file (see the module's docstring)."""
    _, columns, width, rows = read_table(source, DEVELOPER_COLUMNS, filename=filename)
    return [_developer_record(number, row, columns, width) for number, row in rows]


def _developer_record(
    number: int, row: list[str], columns: dict[str, int], width: int
) -> DeveloperRecord:
    key = row[columns["name"]].strip() or None if len(row) > columns["name"] else None
    cells = _cells(number, row, columns, width)
    if isinstance(cells, str):
        return DeveloperRecord(number, None, cells, key)
    try:
        name, _ = _cell(cells, "name", _member)
        if name is None:
            raise _CellError("name: a developer is named, expected a name (not party:ID)")
        contacts = [
            *_cell(cells, "email", lambda v: _contacts("email", v)),
            *_cell(cells, "postal_address", lambda v: _contacts("postal", v, split=False)),
            *_cell(cells, "optout_url", lambda v: _contacts("form", v)),
        ]
        tokens = _cell(cells, "tokens", lambda v: catalogue_tokens(_items(v)))
    except _CellError as exc:
        return DeveloperRecord(number, None, str(exc), key)
    return DeveloperRecord(number, DeveloperDraft(name, tuple(contacts), tokens), None, key)


def _contacts(kind: str, value: str, *, split: bool = True) -> list[ContactPoint]:
    items = _items(value) if split else ([" ".join(value.split())] if value.strip() else [])
    return [ContactPoint(kind, item) for item in items]
