"""The developer's lookup as a table and as downloads: the identifiers a person pasted or
uploaded, turned into the rows of the results table, a CSV file and the API's JSON answer.

Presentation only: the answer itself is :meth:`RegistryService.lookup`, the same call as
``POST /v1/lookup``, and the JSON download is byte for byte that route's body
(``{"count", "results": [LookupResult.to_json(), ...]}``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from consentry.api.limits import DEFAULT_MAX_BODY
from consentry.api.schemas import MAX_LOOKUP_IDS
from consentry.errors import ValidationError
from consentry.registry.purposes import ALL_PURPOSES
from consentry.registry.service import LookupResult

PURPOSES = tuple(p.value for p in ALL_PURPOSES)
CSV_COLUMNS = ("identifier", "work_id", "title", *PURPOSES, "disputed", "dispute_id", "error")
MAX_LIST_BYTES = DEFAULT_MAX_BODY  # an uploaded list: the API's request size cap


@dataclass(frozen=True, slots=True)
class LookupRow:
    """One row of the results table: an identifier's work, or why there is none."""

    identifier: str
    work_id: str | None
    title: str | None
    statuses: dict[str, str]
    disputed: bool
    dispute_id: str | None
    error: str | None

    @property
    def note(self) -> str:
        if self.error is not None:
            return f"invalid: {self.error}"
        if self.work_id is None:
            return "not registered"
        return ""


def identifiers_from(pasted: str, uploaded: bytes | None) -> list[str]:
    """The identifiers of the pasted text and the uploaded list, one per line (blank lines
    and surrounding spaces dropped), in order; refused past the API's limit, naming it."""
    lines = pasted.splitlines()
    if uploaded:
        if len(uploaded) > MAX_LIST_BYTES:
            raise ValidationError(
                f"the list file has {len(uploaded)} bytes; the limit is {MAX_LIST_BYTES}",
                field="file",
                value=len(uploaded),
                expected=f"at most {MAX_LIST_BYTES} bytes",
                limit=MAX_LIST_BYTES,
            )
        try:
            lines += uploaded.decode("utf-8-sig").splitlines()
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"the list file is not UTF-8 (byte {uploaded[exc.start]:#04x} at offset "
                f"{exc.start})",
                field="file",
                value=None,
                expected="a UTF-8 text file, one identifier or URL per line",
            ) from None
    ids = [s for s in (line.strip() for line in lines) if s]
    if not ids:
        raise ValidationError(
            "no identifiers given",
            field="ids",
            value="",
            expected="identifiers or URLs, one per line (or a list file)",
        )
    if len(ids) > MAX_LOOKUP_IDS:
        raise ValidationError(
            f"{len(ids)} identifiers in one lookup; the limit is {MAX_LOOKUP_IDS}",
            field="ids",
            value=len(ids),
            expected=f"at most {MAX_LOOKUP_IDS} identifiers per lookup",
            limit=MAX_LOOKUP_IDS,
        )
    return ids


def rows_of(results: Sequence[LookupResult]) -> list[LookupRow]:
    """A row per work found (an identifier two works hold has two, both flagged disputed),
    and one for an identifier that is invalid or not registered."""
    rows: list[LookupRow] = []
    for r in results:
        if r.error is not None or not r.works:
            rows.append(LookupRow(r.id, None, None, {}, False, None, r.error))
            continue
        for w, terms in r.works:
            rows.append(
                LookupRow(r.id, w.id, w.title, terms.as_dict(), r.disputed, r.dispute_id, None)
            )
    return rows


def as_json(results: Sequence[LookupResult]) -> bytes:
    """The body ``POST /v1/lookup`` answers for the same identifiers."""
    items: list[dict[str, Any]] = [r.to_json() for r in results]
    return orjson.dumps({"count": len(items), "results": items})


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run: one starting with ``= + - @`` or a control
    character gets a leading apostrophe (OWASP's advice on CSV injection; titles are
    whatever a registrant typed)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(results: Sequence[LookupResult]) -> str:
    """The table as CSV: a header, then a row per :func:`rows_of` row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows_of(results):
        writer.writerow(
            [
                _cell(row.identifier),
                row.work_id or "",
                _cell(row.title or ""),
                *(row.statuses.get(p, "") for p in PURPOSES),
                "yes" if row.disputed else "",
                row.dispute_id or "",
                row.error or ("not registered" if row.work_id is None else ""),
            ]
        )
    return out.getvalue()
