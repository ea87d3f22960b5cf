"""Bulk import from CSV: one work per row, turned into :class:`ParsedRecord` drafts.

Columns (header row required, names case-insensitive, any order)::

    work_id,kind,title,identifiers,contributors,holders,terms

Lists inside a cell are separated by ``;`` and the fields of one item by ``|``:

* ``identifiers``: ``isbn:9780000000002;doi:10.1000/xyz`` (bare ISBNs accepted; each one is
  checked and written in canonical form).
* ``contributors``: ``name-or-party:ID|role[|identifier...]``, role one of
  :class:`~consentry.registry.works.ContributorRole`, identifiers ``isni:``, ``orcid:`` or
  ``url:``.
* ``holders``: ``name-or-party:ID|role|share[|right]``, role creator, author, publisher,
  label, agent or rightsholder; share a percentage (``50``, ``33.34``, ``50%``); right
  defaults to ``all``.
* ``terms``: ``purpose=status;...``. Purposes not listed are ``reserved``, so an empty cell
  declares every purpose ``reserved``. A cell of exactly ``-`` declares nothing (the row
  only records or updates the work; terms already in force stay as they are).

Decisions: any other column is an error naming it, except columns whose name starts with
``x-``, which are the supplier's own and are ignored (a misspelt ``term`` column silently
ignored would import the wrong terms). A problem in one row gives a record with
``draft=None`` and an error naming the column, the value and what was expected; a problem
with the whole file (not UTF-8, empty, no header, a required column missing, broken quoting)
raises :class:`~consentry.errors.ValidationError` naming the file.

Pure: text or a path in, records out; no database.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from consentry.errors import ConsentryError, ValidationError
from consentry.registry.identifiers import parse_identifier
from consentry.registry.importing import ParsedRecord, holder_role
from consentry.registry.terms import parse_terms_spec
from consentry.registry.works import (
    ALL_RIGHTS,
    HUNDRED,
    ContributorRole,
    PartyRef,
    WorkDraft,
    WorkKind,
    parse_share,
)

REQUIRED_COLUMNS = ("work_id", "kind", "title", "identifiers", "contributors", "holders", "terms")
IGNORED_PREFIX = "x-"
NO_TERMS = "-"
PARTY_PREFIX = "party:"
PARTY_SCHEMES = ("isni", "orcid", "url")

# Limits of the store's columns, checked here so a bad row is a clear reject, not a
# database error in the middle of an import.
MAX_WORK_ID = 200
MAX_TITLE = 1000
MAX_NAME = 500
MAX_RIGHT = 50


class RowError(Exception):
    """One cell of one row is wrong; becomes the record's error (never leaves this module)."""


def parse_csv(source: Path | str | bytes, *, filename: str | None = None) -> list[ParsedRecord]:
    """Parse a CSV file (a :class:`~pathlib.Path`) or CSV content (``str`` or ``bytes``).

    ``filename`` names the input in messages and in ``draft.source`` (``csv:NAME:ROW``);
    it defaults to the path's name, or ``<text>``.
    """
    return list(iter_csv(source, filename=filename))


def iter_csv(source: Path | str | bytes, *, filename: str | None = None) -> Iterator[ParsedRecord]:
    """Like :func:`parse_csv`, one record at a time. File-level errors come first."""
    name, columns, width, rows = read_table(source, REQUIRED_COLUMNS, filename=filename)
    for number, row in rows:
        yield _record(number, row, columns, width, name)


Rows = Iterator[tuple[int, list[str]]]


def read_table(
    source: Path | str | bytes, required: tuple[str, ...], *, filename: str | None = None
) -> tuple[str, dict[str, int], int, Rows]:
    """A CSV table under the rules of every consentry CSV import: UTF-8 (a BOM is allowed),
    a header row naming each of ``required`` once (any case, any order; other columns only
    with the ``x-`` prefix), quoting checked. Returns the input's name, the column positions,
    the header's width and the numbered non-blank data rows (numbers count blank lines too).
    File-level problems raise :class:`~consentry.errors.ValidationError` naming the file."""
    if isinstance(source, Path):
        name = filename or source.name
        try:
            data: str | bytes = source.read_bytes()
        except OSError as exc:
            raise ValidationError(
                f"{source}: cannot be read ({exc.strerror or exc})",
                field="file",
                value=str(source),
                expected="a readable CSV file",
            ) from None
    else:
        name = filename or "<text>"
        data = source
    text = _decode(data, name)
    if not text.strip():
        raise ValidationError(
            f"{name}: the file is empty, expected a header row "
            f"({','.join(required)}) and data rows",
            field="file",
            value=name,
            expected="a header row and data rows",
        )
    rows = _rows(text, name)
    header = next(rows)
    columns = _columns(header, name, required)

    def numbered() -> Rows:
        for number, row in enumerate(rows, start=1):
            if any(cell.strip() for cell in row):  # a blank line keeps its row number
                yield number, row

    return name, columns, len(header), numbered()


def _decode(data: str | bytes, name: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"{name}: not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}, "
            f"line {line}); save the file as UTF-8",
            field="file",
            value=name,
            expected="UTF-8 text",
        ) from None


def _rows(text: str, name: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValidationError(
                f"{name}: line {reader.line_num}: malformed CSV ({exc})",
                field="file",
                value=name,
                expected="CSV with properly quoted fields",
            ) from None
        yield row


def _columns(header: list[str], name: str, required: tuple[str, ...]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        col = raw.strip().lower()
        if col.startswith(IGNORED_PREFIX):
            continue
        if col in columns:
            raise ValidationError(
                f"{name}: column {col!r} appears twice in the header",
                field="file",
                value=col,
                expected="each column once",
            )
        if col not in required:
            raise ValidationError(
                f"{name}: unknown column {raw!r}; the columns are "
                f"{','.join(required)} (extra columns of your own must start "
                f"with {IGNORED_PREFIX!r})",
                field="file",
                value=raw,
                expected=",".join(required),
            )
        columns[col] = i
    missing = [c for c in required if c not in columns]
    if missing:
        raise ValidationError(
            f"{name}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; the header must name {','.join(required)}",
            field="file",
            value=", ".join(missing),
            expected=",".join(required),
        )
    return columns


def _record(
    number: int, row: list[str], columns: dict[str, int], width: int, name: str
) -> ParsedRecord:
    key = (row[columns["work_id"]].strip() or None) if len(row) > columns["work_id"] else None
    if len(row) != width:
        return ParsedRecord(
            number,
            None,
            f"row has {len(row)} fields, expected {width} like the header "
            "(quote cells that contain commas)",
            key,
        )
    cells = {c: row[i] for c, i in columns.items()}
    column = "work_id"
    try:
        work_id = _work_id(cells["work_id"])
        column = "kind"
        kind = WorkKind.parse(_required(cells["kind"], "a work kind such as book"))
        column = "title"
        title = _title(cells["title"])
        column = "identifiers"
        identifiers = _identifiers(cells["identifiers"])
        column = "contributors"
        contributors = _contributors(cells["contributors"])
        column = "holders"
        holders = _holders(cells["holders"])
        column = "terms"
        terms = _terms(cells["terms"])
    except (ConsentryError, RowError) as exc:
        return ParsedRecord(number, None, f"{column}: {_reason(exc)}", key)
    draft = WorkDraft(
        kind=kind,
        title=title,
        identifiers=identifiers,
        contributors=contributors,
        holders=holders,
        external_id=work_id,
        terms=terms,
        source=f"csv:{name}:{number}",
    )
    return ParsedRecord(number, draft, None, work_id)


def _reason(exc: Exception) -> str:
    message = str(exc)
    expected = getattr(exc, "expected", None)
    if expected and "expected" not in message:
        message = f"{message}, expected {expected}"
    return message


def _required(value: str, expected: str) -> str:
    text = value.strip()
    if not text:
        raise RowError(f"empty, expected {expected}")
    return text


def _work_id(value: str) -> str:
    text = _required(value, "the work's id in your catalogue, e.g. W1")
    if len(text) > MAX_WORK_ID:
        raise RowError(
            f"{text[:40]!r}... is {len(text)} characters, expected at most {MAX_WORK_ID}"
        )
    if any(ch in text for ch in "\r\n\t"):
        raise RowError(f"{text!r} contains a line break or tab, expected a one-line id")
    return text


def _title(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise RowError("empty, expected the work's title")
    if len(text) > MAX_TITLE:
        raise RowError(f"{text[:40]!r}... is {len(text)} characters, expected at most {MAX_TITLE}")
    return text


def _items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(";") if item.strip()]


def _identifiers(cell: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for item in _items(cell):
        out[str(parse_identifier(item, field="identifiers"))] = None
    return tuple(out)


def _party(text: str, item: str) -> PartyRef:
    value = text.strip()
    if value.lower().startswith(PARTY_PREFIX):
        pid = value[len(PARTY_PREFIX) :].strip()
        if not pid or any(ch.isspace() for ch in pid):
            raise RowError(f"{value!r} in {item!r} is not a party id, expected party:ID")
        return PartyRef(party_id=pid)
    if not value:
        raise RowError(f"item {item!r} has no name, expected a name or party:ID first")
    name = " ".join(value.split())
    if len(name) > MAX_NAME:
        raise RowError(f"name {name[:40]!r}... is longer than {MAX_NAME} characters")
    return PartyRef(name=name)


def _party_identifier(text: str, item: str) -> str:
    ident = str(parse_identifier(text, field="contributors"))
    scheme = ident.partition(":")[0]
    if scheme not in PARTY_SCHEMES:
        raise RowError(
            f"{text!r} in {item!r} is a {scheme} identifier, expected a party identifier "
            f"({', '.join(s + ':' for s in PARTY_SCHEMES)})"
        )
    return ident


def _contributors(cell: str) -> tuple[tuple[PartyRef, ContributorRole], ...]:
    out: list[tuple[PartyRef, ContributorRole]] = []
    for item in _items(cell):
        fields = [f.strip() for f in item.split("|")]
        if len(fields) < 2 or not fields[1]:
            raise RowError(
                f"item {item!r} has no role, expected name-or-party:ID|role[|identifier...]"
            )
        ref = _party(fields[0], item)
        role = ContributorRole.parse(fields[1])
        idents = tuple(dict.fromkeys(_party_identifier(f, item) for f in fields[2:] if f))
        if idents:
            if ref.party_id:
                raise RowError(
                    f"item {item!r} names party:{ref.party_id} and identifiers, "
                    "expected identifiers only with a name"
                )
            ref = PartyRef(name=ref.name, identifiers=idents)
        out.append((ref, role))
    return tuple(out)


def _holders(cell: str) -> tuple[tuple[PartyRef, str, Decimal, str], ...]:
    out: list[tuple[PartyRef, str, Decimal, str]] = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    seen: set[tuple[str, str]] = set()
    for item in _items(cell):
        fields = [f.strip() for f in item.split("|")]
        if len(fields) < 3 or len(fields) > 4:
            raise RowError(
                f"item {item!r} has {len(fields)} fields, "
                "expected name-or-party:ID|role|share[|right]"
            )
        ref = _party(fields[0], item)
        role = holder_role(fields[1]).value
        share = parse_share(fields[2])
        if not Decimal(0) < share <= HUNDRED:
            raise RowError(
                f"share {fields[2]!r} of {ref.label()} is outside 0 < share <= 100, "
                "expected a percentage above 0 and at most 100"
            )
        right = fields[3].lower() if len(fields) == 4 and fields[3] else ALL_RIGHTS
        if len(right) > MAX_RIGHT:
            raise RowError(f"right {right[:40]!r}... is longer than {MAX_RIGHT} characters")
        who = ref.label().casefold()
        if (who, right) in seen:
            raise RowError(f"{ref.label()} is listed twice for right {right!r}, expected once")
        seen.add((who, right))
        totals[right] += share
        if totals[right] > HUNDRED:
            raise RowError(
                f"shares of right {right!r} add up to {totals[right]}%, expected at most 100"
            )
        out.append((ref, role, share, right))
    return tuple(out)


def _terms(cell: str) -> tuple[tuple[str, str], ...] | None:
    if cell.strip() == NO_TERMS:
        return None
    statuses = parse_terms_spec(cell)
    return tuple((p.value, s.value) for p, s in statuses.items())
