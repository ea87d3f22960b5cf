"""Works, their contributors and the holders of rights in them.

Decision: shares are exact ``Decimal`` percentages per right. A work whose shares of a
right do not add up to 100 is *incomplete*: it is stored and answered for, and says so
(:meth:`Work.completeness`), because real catalogues arrive with gaps; an import never
invents a missing share.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from consentry.errors import ValidationError
from consentry.limits import (
    ECHO,
    MAX_EXTERNAL_ID,
    MAX_RIGHT,
    MAX_SHARE,
    MAX_TITLE,
    check_length,
    check_optional,
)
from consentry.registry.choices import parse_choice

HUNDRED = Decimal(100)


class WorkKind(StrEnum):
    BOOK = "book"
    ARTICLE = "article"
    POEM = "poem"
    SCRIPT = "script"
    MUSICAL_WORK = "musical-work"
    RECORDING = "recording"
    PERFORMANCE = "performance"
    IMAGE = "image"
    OTHER = "other"

    @classmethod
    def parse(cls, value: str) -> WorkKind:
        v = value.strip().lower().replace("_", "-").replace(" ", "-")
        return parse_choice(cls, value, field="kind", label="work kind", key=v)


class ContributorRole(StrEnum):
    AUTHOR = "author"
    CO_AUTHOR = "co-author"
    TRANSLATOR = "translator"
    ILLUSTRATOR = "illustrator"
    NARRATOR = "narrator"
    PERFORMER = "performer"
    COMPOSER = "composer"
    LYRICIST = "lyricist"
    EDITOR = "editor"
    PUBLISHER = "publisher"

    @classmethod
    def parse(cls, value: str) -> ContributorRole:
        v = value.strip().lower().replace("_", "-").replace(" ", "-")
        return parse_choice(cls, value, field="contributors.role", label="contributor role", key=v)


# Contributors whose own consent the creators' demand requires (the consent chain):
# a publisher's or editor's "allowed" does not stand in for these.
CREATIVE_ROLES = frozenset(
    {
        ContributorRole.AUTHOR,
        ContributorRole.CO_AUTHOR,
        ContributorRole.TRANSLATOR,
        ContributorRole.ILLUSTRATOR,
        ContributorRole.NARRATOR,
        ContributorRole.PERFORMER,
        ContributorRole.COMPOSER,
        ContributorRole.LYRICIST,
    }
)

ALL_RIGHTS = "all"


@dataclass(frozen=True, slots=True)
class Contributor:
    party_id: str
    role: ContributorRole


@dataclass(frozen=True, slots=True)
class Holding:
    """A party's share of one right in a work (``right="all"``: every right)."""

    party_id: str
    role: str  # creator, publisher, label, agent, rightsholder
    share: Decimal
    right: str = ALL_RIGHTS

    def __post_init__(self) -> None:
        check_length(self.right, field="holders.right", limit=MAX_RIGHT)
        if len(str(self.share)) > MAX_SHARE:
            raise ValidationError(
                f"share {str(self.share)[:ECHO]} has more than {MAX_SHARE} characters",
                field="holders.share",
                value=str(self.share)[:ECHO],
                expected=f"a percentage of at most {MAX_SHARE} characters, such as 33.34",
                limit=MAX_SHARE,
            )
        if not (Decimal(0) < self.share <= HUNDRED):
            raise ValidationError(
                f"share {self.share} of {self.party_id} is outside 0 < share <= 100",
                field="holders.share",
                value=str(self.share),
                expected="a percentage above 0 and at most 100",
            )


def parse_share(text: str) -> Decimal:
    raw = text.strip().rstrip("%").strip()
    try:
        share = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(
            f"share {text!r} is not a number",
            field="holders.share",
            value=text,
            expected="a percentage such as 50 or 33.34",
        ) from None
    if not share.is_finite():
        raise ValidationError(
            f"share {text!r} is not a finite number",
            field="holders.share",
            value=text,
            expected="a percentage such as 50",
        )
    return share


@dataclass(frozen=True, slots=True)
class Completeness:
    complete: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Work:
    id: str
    kind: WorkKind
    title: str
    identifiers: tuple[str, ...] = ()  # canonical identifier strings
    contributors: tuple[Contributor, ...] = ()
    holders: tuple[Holding, ...] = ()
    external_id: str | None = None  # the importer's own key (CSV work_id, ONIX record ref)
    fingerprinted: bool = False

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValidationError(
                f"work {self.id} has an empty title",
                field="title",
                value=self.title,
                expected="a non-empty title",
            )
        check_length(self.title, field="title", limit=MAX_TITLE)
        check_optional(self.external_id, field="external_id", limit=MAX_EXTERNAL_ID)
        if "\x00" in self.title:
            raise ValidationError(
                f"title {self.title!r} contains a NUL character",
                field="title",
                value=self.title,
                expected="text without NUL (U+0000)",
            )
        if len(self.holders) < 2:  # one holding is checked by Holding itself
            return
        seen: set[tuple[str, str]] = set()
        for h in self.holders:
            key = (h.party_id, h.right)
            if key in seen:
                raise ValidationError(
                    f"holder {h.party_id} is listed twice for right {h.right!r}",
                    field="holders",
                    value=h.party_id,
                    expected="each holder once per right",
                )
            seen.add(key)
        for right, total in self.share_totals().items():
            if total > HUNDRED:
                raise ValidationError(
                    f"shares of right {right!r} add up to {total}%, more than 100%",
                    field="holders",
                    value=str(total),
                    expected="shares of a right adding up to at most 100",
                )

    def share_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for h in self.holders:
            totals[h.right] = totals.get(h.right, Decimal(0)) + h.share
        return totals

    def completeness(self) -> Completeness:
        problems: list[str] = []
        if not self.holders:
            problems.append("no rights holders recorded")
        for right, total in sorted(self.share_totals().items()):
            if total != HUNDRED:
                problems.append(f"shares of right {right!r} add up to {total}%, not 100%")
        return Completeness(complete=not problems, problems=tuple(problems))

    def consent_parties(self) -> tuple[str, ...]:
        """Parties whose own declaration counts: every holder and every creative contributor."""
        ids: dict[str, None] = {}
        for h in self.holders:
            ids[h.party_id] = None
        for c in self.contributors:
            if c.role in CREATIVE_ROLES:
                ids[c.party_id] = None
        return tuple(ids)


@dataclass(frozen=True, slots=True)
class WorkSummary:
    """What a lookup needs of a work: its id, title and the parties whose consent counts."""

    id: str
    title: str
    parties: tuple[str, ...]

    def consent_parties(self) -> tuple[str, ...]:
        return self.parties


@dataclass(frozen=True, slots=True)
class PartyRef:
    """A party as named in input: by registry id (``party:ID``) or by name (created when new)."""

    name: str | None = None
    party_id: str | None = None
    identifiers: tuple[str, ...] = ()  # canonical identifier strings, e.g. isni:...

    def label(self) -> str:
        return f"party:{self.party_id}" if self.party_id else (self.name or "?")


@dataclass(frozen=True, slots=True)
class WorkDraft:
    """A work as submitted (API, CSV or ONIX) before its parties are resolved to ids.

    ``terms`` (when given) is declared for the work by each holder listed; purposes not
    given are ``reserved``.
    """

    kind: WorkKind
    title: str
    identifiers: tuple[str, ...] = ()
    contributors: tuple[tuple[PartyRef, ContributorRole], ...] = ()
    holders: tuple[tuple[PartyRef, str, Decimal, str], ...] = ()  # (party, role, share, right)
    external_id: str | None = None
    terms: tuple[tuple[str, str], ...] | None = None  # ((purpose, status), ...)
    source: str | None = None  # "csv:FILE:ROW" or "onix:FILE:RECORDREF"
