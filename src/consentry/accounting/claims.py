"""Past-use claims: match a published list of works used (ISBN, title, author, as settlement
works lists and dataset indexes publish them) against the registry, then prepare claims
per work and holder.

Matching rules (docs/claims.md):

1. **Identifier first.** A valid ISBN that exactly one registered work holds is a match
   (method ``identifier``, confidence 100). An ISBN held by several works (an identifier
   dispute) goes to review.
2. **Else title and author**, fuzzily (rapidfuzz): confidence = 0.6 x title similarity +
   0.4 x author similarity (``token_sort_ratio`` after rapidfuzz's default processing, so
   case, punctuation and "Austen, Jane" / "Jane Austen" do not matter; the best of the
   work's authors). At or above ``match_at`` (default 90) it is a match; from ``review_at``
   (default 60) up to it, or when a second work scores within 2 points of the best, it goes
   to **review**, never paid automatically; below, **unmatched**.

Claims: a per-work amount split among the work's holders of right ``all`` by their shares;
where the registry holds no shares for the work, the settlement default, 50/50 between
author(s) and publisher(s) (Bartz v. Anthropic: legal and beneficial owner), each half split
equally within its side; a half with nobody on its side is left ``unassigned``. Every split
is exact in minor units: rounded down, leftover units one each to the largest remainders,
ties by party id.

Pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from rapidfuzz import fuzz, process, utils

from consentry.errors import ValidationError
from consentry.registry.identifiers import try_parse_identifier

LIST_COLUMNS = ("isbn", "title", "author")
MATCH_AT = 90.0
REVIEW_AT = 60.0
NEAR = 2.0  # a runner-up this close to the best sends the row to review
TITLE_WEIGHT, AUTHOR_WEIGHT = 0.6, 0.4
SHORTLIST = 10
OUT_COLUMNS = (
    "record",
    "isbn",
    "title",
    "author",
    "work_id",
    "work_title",
    "work_authors",
    "method",
    "confidence",
    "reason",
)


@dataclass(frozen=True, slots=True)
class Listed:
    record: int
    isbn: str
    title: str
    author: str


@dataclass(frozen=True, slots=True)
class Candidate:
    work_id: str
    title: str
    authors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    listed: Listed
    status: str  # matched, review, unmatched
    work: Candidate | None
    method: str  # identifier, title-author, none
    confidence: float
    reason: str

    def row(self) -> tuple[str, ...]:
        w = self.work
        return (
            str(self.listed.record),
            self.listed.isbn,
            self.listed.title,
            self.listed.author,
            w.work_id if w else "",
            w.title if w else "",
            "; ".join(w.authors) if w else "",
            self.method,
            f"{self.confidence:.1f}",
            self.reason,
        )


def parse_list(data: bytes, *, name: str) -> list[Listed]:
    """A works list: CSV with a header naming ISBN, title and author (any case and order;
    other columns, such as publisher or ASIN, are ignored)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{name}: not UTF-8 (offset {exc.start})",
            field="file",
            value=name,
            expected="UTF-8 CSV",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in LIST_COLUMNS if c not in header]
        if missing:
            raise ValidationError(
                f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                "the header must name ISBN, title and author",
                field="file",
                value=", ".join(missing),
                expected="ISBN,title,author",
            )
        at = {c: header.index(c) for c in LIST_COLUMNS}
        out = []
        for number, row in enumerate(reader, start=1):
            if not any(c.strip() for c in row):
                continue
            cell = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
            out.append(
                Listed(
                    number,
                    cell["isbn"],
                    " ".join(cell["title"].split()),
                    " ".join(cell["author"].split()),
                )
            )
    except csv.Error as exc:
        raise ValidationError(
            f"{name}: line {reader.line_num}: malformed CSV ({exc})",
            field="file",
            value=name,
            expected="CSV with properly quoted fields",
        ) from None
    return out


def listed_identifier(item: Listed) -> str | None:
    """The canonical ISBN of a list row, or None when the cell holds no valid ISBN."""
    if not item.isbn:
        return None
    ident = try_parse_identifier(item.isbn)
    return str(ident) if ident is not None and str(ident).startswith("isbn:") else None


class Matcher:
    def __init__(
        self,
        candidates: Sequence[Candidate],
        by_identifier: Mapping[str, Sequence[str]],
        *,
        match_at: float = MATCH_AT,
        review_at: float = REVIEW_AT,
    ) -> None:
        if not 0 <= review_at <= match_at <= 100:
            raise ValidationError(
                f"confidence levels review {review_at} and match {match_at} are out of order",
                field="--match-at",
                value=match_at,
                expected="0 <= review level <= match level <= 100",
            )
        self.candidates = list(candidates)
        self.by_id = {c.work_id: c for c in self.candidates}
        self.titles = [utils.default_process(c.title) for c in self.candidates]
        self.by_identifier = by_identifier
        self.match_at = match_at
        self.review_at = review_at

    def match(self, item: Listed) -> Outcome:
        ident = listed_identifier(item)
        note = ""
        if item.isbn and ident is None:
            note = f"ISBN {item.isbn!r} is not a valid ISBN; "
        if ident is not None:
            works = self.by_identifier.get(ident, ())
            if len(works) == 1 and works[0] in self.by_id:
                return Outcome(item, "matched", self.by_id[works[0]], "identifier", 100.0, "")
            if len(works) > 1:
                return Outcome(
                    item,
                    "review",
                    self.by_id.get(works[0]),
                    "identifier",
                    100.0,
                    f"{ident} is claimed by works {', '.join(works)} (an identifier dispute)",
                )
            note = f"{ident} is not registered; "
        return self._fuzzy(item, note)

    def _fuzzy(self, item: Listed, note: str) -> Outcome:
        if not item.title or not self.candidates:
            why = "no title to match" if not item.title else "the registry holds no works"
            return Outcome(item, "unmatched", None, "none", 0.0, note + why)
        title = utils.default_process(item.title)
        shortlist = process.extract(
            title, self.titles, scorer=fuzz.token_sort_ratio, processor=None, limit=SHORTLIST
        )
        scored = sorted(
            (
                (self._score(item, self.candidates[i], t), self.candidates[i].work_id, i)
                for _, t, i in shortlist
            ),
            key=lambda s: (-s[0], s[1]),
        )
        best, _, index = scored[0]
        work = self.candidates[index]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best >= self.match_at and best - runner_up > NEAR:
            return Outcome(item, "matched", work, "title-author", best, note.rstrip("; "))
        if best >= self.review_at:
            why = (
                f"another work scores {runner_up:.1f}"
                if best >= self.match_at
                else f"confidence {best:.1f} is below {self.match_at:g}"
            )
            return Outcome(item, "review", work, "title-author", best, note + why)
        return Outcome(
            item,
            "unmatched",
            None,
            "none",
            best,
            note + f"best title and author confidence {best:.1f} is below {self.review_at:g}",
        )

    @staticmethod
    def _score(item: Listed, work: Candidate, title_score: float) -> float:
        author = max(
            (
                fuzz.token_sort_ratio(item.author, a, processor=utils.default_process)
                for a in work.authors
            ),
            default=0.0,
        )
        return round(TITLE_WEIGHT * title_score + AUTHOR_WEIGHT * author, 1)


def outcomes_csv(outcomes: Sequence[Outcome]) -> str:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(OUT_COLUMNS)
    w.writerows(o.row() for o in outcomes)
    return out.getvalue()


# ---------------------------------------------------------------------- claims
@dataclass(frozen=True, slots=True)
class Claimant:
    party_id: str  # "" when the side has nobody registered (unassigned)
    name: str
    role: str
    share: Fraction  # of the work's amount, 0..1
    basis: str  # registry-shares, default-50-50


def split_claim(amount: int, claimants: Sequence[Claimant]) -> list[int]:
    """Exact split in minor units: floors, then leftover units to the largest remainders
    (ties by party id)."""
    exact = [amount * c.share for c in claimants]
    floors = [int(e) for e in exact]
    leftover = amount - sum(floors)
    order = sorted(
        range(len(claimants)), key=lambda i: (-(exact[i] - floors[i]), claimants[i].party_id, i)
    )
    for i in order[: max(leftover, 0)]:
        floors[i] += 1
    return floors


def claimants_for(
    holders: Sequence[tuple[str, str, str, Decimal]],
    authors: Sequence[tuple[str, str]],
    publishers: Sequence[tuple[str, str]],
) -> list[Claimant]:
    """``holders``: (party id, name, role, share %) of right ``all``; where there are none,
    the 50/50 default between ``authors`` and ``publishers`` ((party id, name) each)."""
    if holders:
        out = [
            Claimant(p, n, r, Fraction(s) / 100, "registry-shares")
            for p, n, r, s in sorted(holders)
        ]
        rest = 1 - sum((c.share for c in out), Fraction(0))
        if rest > 0:
            out.append(Claimant("", "", "unassigned", rest, "registry-shares"))
        return out
    out = []
    for side, people in (("author", authors), ("publisher", publishers)):
        if not people:
            out.append(Claimant("", "", side, Fraction(1, 2), "default-50-50"))
            continue
        for p, n in sorted(people):
            out.append(Claimant(p, n, side, Fraction(1, 2 * len(people)), "default-50-50"))
    return out


def read_matched(data: bytes, *, name: str) -> list[tuple[str, Listed]]:
    """The (work id, list row) pairs of a ``matched.csv`` written by :func:`outcomes_csv`."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    if reader.fieldnames is None or "work_id" not in reader.fieldnames:
        raise ValidationError(
            f"{name}: not a matched.csv written by consentry claims match",
            field="DIR",
            value=name,
            expected=",".join(OUT_COLUMNS),
        )
    out = []
    for row in reader:
        if not row.get("work_id"):
            raise ValidationError(
                f"{name}: record {row.get('record')!r} has no work_id",
                field="DIR",
                value=name,
                expected="a work id on every matched line",
            )
        record = row.get("record") or ""
        if not record.isdigit():
            raise ValidationError(
                f"{name}: record {record!r} is not a record number",
                field="DIR",
                value=record,
                expected="the record numbers claims match wrote",
            )
        item = Listed(int(record), row["isbn"], row["title"], row["author"])
        out.append((row["work_id"], item))
    return out
