"""Usage reports: the open format licensees send (docs/usage.md), parsed and validated.

CSV, header row required (names case-insensitive, any order; columns starting ``x-`` are the
sender's own and ignored)::

    licensee,model,purpose,period,identifier,units,unit

JSON: ``{"lines": [{"licensee": ..., "model": ..., ...}, ...]}`` with the same keys; ``units``
a JSON number or a string (numbers are read as decimals, never as binary floats).

Every problem in a record becomes ``(record number, "column: value ... expected ...")``; a
problem with the whole file (not UTF-8, no header, a column missing or unknown, broken
quoting or JSON) is a :class:`~consentry.errors.ValidationError` naming the file.

Decisions:

* units are kept as integer thousandths (``units_milli``): exact, summed exactly by SQL on
  both SQLite and PostgreSQL. More than three decimals is an error naming the value (no
  unit of use is finer); at most 10**15 units per line, so that a period's sum stays within
  64-bit integers.
* the licensee and model are names as the licensee reports them (whitespace collapsed); the
  licensee is matched case-insensitively by ``distribute --licensee``.
* a report's identity is the SHA-256 of its validated lines in order (:func:`report_digest`),
  so the same report imported twice, as CSV or as JSON, is recognised and changes nothing.

Pure: bytes in, lines out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from consentry.errors import ConsentryError, ValidationError
from consentry.licensing.terms import Unit
from consentry.registry.identifiers import parse_identifier
from consentry.registry.purposes import Purpose

COLUMNS = ("licensee", "model", "purpose", "period", "identifier", "units", "unit")
IGNORED_PREFIX = "x-"
UNIT_SCALE = 1000  # units are stored as integer thousandths
MAX_UNITS = 10**15
MAX_NAME = 200
FORMATS = ("csv", "json")
_PERIOD = re.compile(r"(?P<year>\d{4})-(?P<part>Q[1-4]|0[1-9]|1[0-2])")
UNITS_EXPECTED = "a non-negative number with at most 3 decimals, such as 1200 or 2.5"


class UsageLine(NamedTuple):
    """A validated line (a NamedTuple: a million of them are made per report)."""

    licensee: str
    model: str
    purpose: str
    period: str
    identifier: str  # canonical, as the registry stores identifiers
    units_milli: int
    unit: str

    @property
    def units(self) -> Decimal:
        return Decimal(self.units_milli) / UNIT_SCALE


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """One invalid record, for a person to fix: its number, the column (None when the
    record as a whole is unreadable), the value given and what was expected."""

    record: int
    field: str | None
    value: object
    expected: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        value = self.value if self.value is None or isinstance(self.value, int) else str(self.value)
        return {
            "record": self.record,
            "field": self.field,
            "value": value,
            "expected": self.expected,
            "reason": self.reason,
        }


@dataclass(slots=True)
class ParsedReport:
    format: str
    lines: list[UsageLine] = field(default_factory=list)
    rejects: list[tuple[int, str]] = field(default_factory=list)
    records: int = 0
    problems: list[RecordProblem] = field(default_factory=list)  # rejects, field by field


class _CellError(Exception):
    """One cell is wrong (never leaves this module)."""


# What each column holds, for a record problem whose error names no expectation of its own.
EXPECTED = {
    "licensee": f"the licensee's name, 1 to {MAX_NAME} characters",
    "model": f"the model's name, 1 to {MAX_NAME} characters",
    "purpose": "tdm, ai-train, ai-input, ai-index or search",
    "period": "YYYY-Qn (2026-Q1) or YYYY-MM (2026-03)",
    "identifier": "an identifier the registry accepts, e.g. isbn:9780007232833",
    "units": UNITS_EXPECTED,
    "unit": "documents, tokens, words or answers",
}


def parse_period(text: str, *, field: str = "period") -> str:
    """``2026-Q1`` (a quarter) or ``2026-03`` (a month); upper-cases the ``q``."""
    value = text.strip().upper()
    if not _PERIOD.fullmatch(value):
        raise ValidationError(
            f"period {text!r} is not a quarter or a month",
            field=field,
            value=text,
            expected="YYYY-Qn (2026-Q1) or YYYY-MM (2026-03)",
        )
    return value


def parse_units(text: str | int | Decimal) -> int:
    """Units as integer thousandths; ValidationError naming the value otherwise."""
    if isinstance(text, bool):
        raise ValidationError(
            f"units {text!r} is not a number", field="units", value=text, expected=UNITS_EXPECTED
        )
    try:
        value = Decimal(text.strip() if isinstance(text, str) else text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ValidationError(
            f"units {text!r} is not a number", field="units", value=text, expected=UNITS_EXPECTED
        )
    if value < 0:
        raise ValidationError(
            f"units {text!r} is negative", field="units", value=text, expected=UNITS_EXPECTED
        )
    milli = value * UNIT_SCALE
    if milli != milli.to_integral_value():
        raise ValidationError(
            f"units {text!r} has more than 3 decimals",
            field="units",
            value=text,
            expected=UNITS_EXPECTED,
        )
    if value > MAX_UNITS:
        raise ValidationError(
            f"units {text!r} is more than {MAX_UNITS}",
            field="units",
            value=text,
            expected=f"at most {MAX_UNITS} units per line",
        )
    return int(milli)


def format_units(milli: int) -> str:
    """Thousandths back to the shortest exact decimal text: 2500 -> '2.5', 3000 -> '3'."""
    whole, frac = divmod(milli, UNIT_SCALE)
    return str(whole) if not frac else f"{whole}.{frac:03d}".rstrip("0")


def _name(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _CellError(f"{value!r} is not text, expected the {what}'s name")
    text = " ".join(value.split())
    if not text:
        raise _CellError(f"empty, expected the {what}'s name")
    if len(text) > MAX_NAME:
        raise _CellError(f"{text[:40]!r}... is {len(text)} characters, expected at most {MAX_NAME}")
    return text


class LineReader:
    """Validates records one at a time; remembers the values it has already read (a
    million-line report repeats a few names, periods, purposes and units, and each identifier
    ~10 times), so most cells cost one dictionary look-up."""

    LIMIT = 1_000_000  # entries per column cache

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, str]] = {c: {} for c in COLUMNS if c != "units"}
        self._contexts: dict[tuple[str, ...], tuple[str, str, str, str, str]] = {}

    def _parse(self, column: str, raw: str) -> str:
        if column in ("licensee", "model"):
            return _name(raw, column)
        if column == "purpose":
            return Purpose.parse(raw).value
        if column == "unit":
            return Unit.parse(raw).value
        if column == "period":
            return parse_period(raw)
        return str(parse_identifier(raw, field="identifier"))

    def _cell(self, column: str, raw: object) -> str:
        seen = self._seen[column]
        if isinstance(raw, str):
            hit = seen.get(raw)
            if hit is not None:
                return hit
        elif column in ("licensee", "model"):
            raise _CellError(f"{raw!r} is not text, expected the {column}'s name")
        else:
            raise _CellError(f"{raw!r} is not text")
        value = self._parse(column, raw)
        if len(seen) < self.LIMIT:
            seen[raw] = value
        return value

    def line(self, values: Mapping[str, object]) -> UsageLine:
        """A validated line, or ValidationError whose message starts with the column."""
        return self.cells(*(values.get(c) for c in COLUMNS))

    def csv_cells(self, raw: Sequence[str]) -> UsageLine:
        """:meth:`cells` for CSV text: a line whose names, purpose, period and unit were
        seen together before, whose identifier was seen before and whose units are a whole
        number costs two dictionary look-ups."""
        context = self._contexts.get((raw[0], raw[1], raw[2], raw[3], raw[6]))
        ident = self._seen["identifier"].get(raw[4])
        units = raw[5]
        if (
            context is not None
            and ident is not None
            and units.isdigit()
            and units.isascii()
            and len(units) <= 15
        ):
            a, b, c, d, e = context
            return UsageLine(a, b, c, d, ident, int(units) * UNIT_SCALE, e)
        line = self.cells(*raw)
        if len(self._contexts) < self.LIMIT:
            self._contexts[(raw[0], raw[1], raw[2], raw[3], raw[6])] = (
                line.licensee,
                line.model,
                line.purpose,
                line.period,
                line.unit,
            )
        return line

    def cells(self, *raw: object) -> UsageLine:
        """Like :meth:`line`, from the seven cells in :data:`COLUMNS` order."""
        column = "licensee"
        try:
            licensee = self._cell(column, raw[0])
            column = "model"
            model = self._cell(column, raw[1])
            column = "purpose"
            purpose = self._cell(column, raw[2])
            column = "period"
            period = self._cell(column, raw[3])
            column = "identifier"
            identifier = self._cell(column, raw[4])
            column = "units"
            units = _units(raw[5])
            column = "unit"
            unit = self._cell(column, raw[6])
        except (ConsentryError, _CellError) as exc:
            expected = getattr(exc, "expected", None) or EXPECTED[column]
            raise ValidationError(
                f"{column}: {_reason(exc)}",
                field=column,
                value=raw[COLUMNS.index(column)],
                expected=expected,
            ) from None
        return UsageLine(licensee, model, purpose, period, identifier, units, unit)


def _units(raw: object) -> int:
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 15:
        return int(raw) * UNIT_SCALE  # the common case: a whole number
    if not isinstance(raw, str | int | Decimal):
        raise _CellError(f"{raw!r} is not a number, expected {UNITS_EXPECTED}")
    return parse_units(raw)


def _reason(exc: Exception) -> str:
    message = str(exc)
    expected = getattr(exc, "expected", None)
    if expected and "expected" not in message:
        message = f"{message}, expected {expected}"
    return message


def parse_report(data: bytes, *, name: str, fmt: str | None = None) -> ParsedReport:
    """Parse a usage report (CSV or JSON; by ``fmt``, else by the name's suffix, else by
    the first non-blank byte)."""
    kind = detect_format(data, name, fmt)
    text = _decode(data, name)
    report = ParsedReport(kind)
    reader = LineReader()
    records = _json_records(text, name) if kind == "json" else _csv_records(text, name)
    append = report.lines.append
    for number, values in records:
        report.records += 1
        if isinstance(values, str):
            report.rejects.append((number, values))
            report.problems.append(RecordProblem(number, None, None, None, values))
            continue
        try:
            append(reader.line(values) if isinstance(values, Mapping) else reader.csv_cells(values))
        except ValidationError as exc:
            report.rejects.append((number, exc.message))
            report.problems.append(
                RecordProblem(number, exc.field, exc.value, exc.expected, exc.message)
            )
    if report.records == 0:
        raise ValidationError(
            f"{name}: the report has no usage lines",
            field="file",
            value=name,
            expected="at least one line",
        )
    return report


def detect_format(data: bytes, name: str, fmt: str | None) -> str:
    if fmt is not None:
        kind = fmt.strip().lower()
        if kind not in FORMATS:
            raise ValidationError(
                f"format {fmt!r} is not known, expected csv or json",
                field="format",
                value=fmt,
                expected="csv or json",
            )
        return kind
    low = name.lower()
    if low.endswith(".json"):
        return "json"
    if low.endswith(".csv"):
        return "csv"
    return "json" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else "csv"


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{name}: not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); "
            "save the file as UTF-8",
            field="file",
            value=name,
            expected="UTF-8 text",
        ) from None


# the cells (a mapping, or a sequence in COLUMNS order), or the reason the record is unreadable
Record = tuple[int, Mapping[str, Any] | Sequence[str] | str]


def _csv_records(text: str, name: str) -> Iterator[Record]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationError(
                f"{name}: the file is empty, expected a header row ({','.join(COLUMNS)})",
                field="file",
                value=name,
                expected=",".join(COLUMNS),
            )
        columns = _columns(header, name)
        at = [columns[c] for c in COLUMNS]
        width = len(header)
        in_order = at == list(range(len(COLUMNS))) and width == len(COLUMNS)
        for number, row in enumerate(reader, start=1):
            if len(row) == width and in_order and row[0]:
                yield number, row  # the common case: the columns in the documented order
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                yield (
                    number,
                    (
                        f"row has {len(row)} fields, expected {width} like the header "
                        "(quote cells that contain commas)"
                    ),
                )
                continue
            yield number, [row[i] for i in at]
    except csv.Error as exc:
        raise ValidationError(
            f"{name}: line {reader.line_num}: malformed CSV ({exc})",
            field="file",
            value=name,
            expected="CSV with properly quoted fields",
        ) from None


def _columns(header: Sequence[str], name: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        col = raw.strip().lower()
        if col.startswith(IGNORED_PREFIX):
            continue
        if col not in COLUMNS or col in columns:
            problem = "appears twice" if col in columns else "is not a usage-report column"
            raise ValidationError(
                f"{name}: column {raw!r} {problem}; the columns are {','.join(COLUMNS)} "
                f"(columns of your own must start with {IGNORED_PREFIX!r})",
                field="file",
                value=raw,
                expected=",".join(COLUMNS),
            )
        columns[col] = i
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise ValidationError(
            f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"the header must name {','.join(COLUMNS)}",
            field="file",
            value=", ".join(missing),
            expected=",".join(COLUMNS),
        )
    return columns


def _json_records(text: str, name: str) -> Iterator[Record]:
    try:
        doc = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise ValidationError(
            f"{name}: not valid JSON ({exc})",
            field="file",
            value=name,
            expected='a JSON object {"lines": [...]}',
        ) from None
    lines = doc.get("lines") if isinstance(doc, dict) else None
    if not isinstance(lines, list):
        raise ValidationError(
            f'{name}: expected a JSON object with a "lines" array',
            field="file",
            value=name,
            expected='{"lines": [{"licensee": ..., "model": ..., ...}]}',
        )
    for number, item in enumerate(lines, start=1):
        if not isinstance(item, dict):
            yield (
                number,
                f"line {item!r} is not an object, expected an object with {', '.join(COLUMNS)}",
            )
            continue
        unknown = sorted(k for k in item if k not in COLUMNS and not k.startswith(IGNORED_PREFIX))
        if unknown:
            yield number, f"unknown keys {', '.join(unknown)}, expected only {', '.join(COLUMNS)}"
            continue
        yield number, item


def report_digest(lines: Sequence[UsageLine]) -> str:
    """SHA-256 of the validated lines in order (the same for the CSV and JSON forms)."""
    h = hashlib.sha256()
    for ln in lines:
        h.update(
            "\x1f".join(
                (
                    ln.licensee,
                    ln.model,
                    ln.purpose,
                    ln.period,
                    ln.identifier,
                    str(ln.units_milli),
                    ln.unit,
                )
            ).encode()
        )
        h.update(b"\x1e")
    return h.hexdigest()
