"""Pydantic models of the HTTP API: request bodies, and answer shapes for OpenAPI.

Request models check only the JSON shape (types, required members, time zones); the values
themselves (purposes, statuses, identifiers, shares, roles) are checked by the core, whose
errors name the field and what was expected. Answers are built as plain dicts
(``views.py``); the ``*Out`` models here document them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from consentry.errors import ValidationError
from consentry.limits import (
    MAX_CONTACT,
    MAX_EVIDENCE,
    MAX_EXTERNAL_ID,
    MAX_ID,
    MAX_IDENTIFIER,
    MAX_NAME,
    MAX_RIGHT,
    MAX_SHARE,
    MAX_TERRITORIES,
    MAX_TITLE,
    MAX_URL,
    utc_time,
)
from consentry.registry.territories import ISO_3166_1_ALPHA_2, WORLD, is_territory

MAX_PAGE = 1000
MAX_LOOKUP_IDS = 10_000


NUL_PROBLEM = "contains a NUL character (\\x00), which text may not contain"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(NUL_PROBLEM)
    return value


# Text from a request: any string without NUL (PostgreSQL cannot store one; no real name,
# title or reference has one), at most so many characters (consentry.limits: the same bound
# the core checks for the CLI and imports). Identifiers in a bulk lookup are plain ``str``:
# the core parser refuses a bad one per identifier, so it does not refuse the others.
_NoNul = AfterValidator(_no_nul)
Text = Annotated[str, Field(max_length=MAX_URL), _NoNul]
Id = Annotated[str, Field(max_length=MAX_ID), _NoNul]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), _NoNul]
OptionalName = Annotated[str, Field(max_length=MAX_NAME), _NoNul]
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE), _NoNul]
ExternalId = Annotated[str, Field(max_length=MAX_EXTERNAL_ID), _NoNul]
ContactValue = Annotated[str, Field(max_length=MAX_CONTACT), _NoNul]
Right = Annotated[str, Field(max_length=MAX_RIGHT), _NoNul]
ShareText = Annotated[str, Field(max_length=MAX_SHARE), _NoNul]
Url = Annotated[str, Field(max_length=MAX_URL), _NoNul]
Evidence = Annotated[str, Field(min_length=1, max_length=MAX_EVIDENCE), _NoNul]
Identifier = Annotated[str, Field(max_length=MAX_IDENTIFIER)]


def _territory(value: str) -> str:
    if not is_territory(value):
        raise ValueError(
            f"{value!r} is not WORLD or an assigned ISO 3166-1 alpha-2 code in capitals "
            "(expected e.g. GB, FR or US)"
        )
    return value


# WORLD or an assigned ISO 3166-1 alpha-2 code, exactly as listed in the schema's ``enum``
# (so every value the schema allows is accepted; "XX" or "UK" match no enum value).
Territory = Annotated[
    str,
    AfterValidator(_territory),
    WithJsonSchema(
        {"type": "string", "enum": [WORLD, *sorted(ISO_3166_1_ALPHA_2)], "examples": ["WORLD"]}
    ),
]

# The vocabularies, exactly (tests/api/test_openapi.py checks them against the core enums):
# the schema's ``enum`` is what is accepted.
PurposeName = Literal["tdm", "ai-train", "ai-input", "ai-index", "search"]
StatusName = Literal["reserved", "licence", "license", "allowed"]  # US spelling accepted
RoleName = Literal["admin", "organisation", "creator", "developer"]
PartyRoleName = Literal[
    "creator",
    "rightsholder",
    "publisher",
    "label",
    "agent",
    "member-organisation",
    "ai-developer",
]
PartyKindName = Literal["person", "organisation"]
WorkKindName = Literal[
    "book",
    "article",
    "poem",
    "script",
    "musical-work",
    "recording",
    "performance",
    "image",
    "other",
]
ContributorRoleName = Literal[
    "author",
    "co-author",
    "translator",
    "illustrator",
    "narrator",
    "performer",
    "composer",
    "lyricist",
    "editor",
    "publisher",
]
HolderRoleName = Literal["creator", "author", "rightsholder", "publisher", "label", "agent"]
ContactKindName = Literal["email", "postal", "url", "form", "policy", "phone"]

# RFC 3339 (JSON Schema's ``date-time``): a date, a time with seconds, and an offset or Z.
_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _time(value: object) -> datetime:
    """An RFC 3339 time with offset, and nothing else (no Unix numbers, no bare dates, no
    times without an offset); its UTC time must exist (years 1-9999)."""
    m = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError(
            "expected an ISO-8601 (RFC 3339) time with a timezone offset, e.g. 2026-01-01T00:00:00Z"
        )
    date, hms, fraction, offset = m.groups()
    fraction = (fraction or "")[:7]  # Python keeps microseconds: 6 digits
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        when = datetime.fromisoformat(f"{date}T{hms}{fraction}{offset}")
    except ValueError as exc:
        raise ValueError(f"not a time: {exc}") from None
    try:
        utc_time(when, field="time")
    except ValidationError as exc:
        raise ValueError(exc.message) from None
    return when


Time = Annotated[
    datetime,
    BeforeValidator(_time),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-01-01T00:00:00Z"]}),
]


class _In(BaseModel):
    # strict: a value of the wrong JSON type is refused, not coerced (0 is not false)
    model_config = ConfigDict(extra="forbid", strict=True)


# ------------------------------------------------------------------ requests
class PartyRefIn(_In):
    party_id: Id | None = Field(None, description="A registered party id (or give `name`).")
    name: OptionalName | None = Field(
        None, description="A name; a new party is created when unknown."
    )
    identifiers: list[Identifier] = Field(
        default_factory=list, examples=[["isni:0000000121479135"]]
    )


class ContributorIn(PartyRefIn):
    role: ContributorRoleName = Field(..., examples=["author"])


class HolderIn(PartyRefIn):
    role: HolderRoleName = Field(
        ..., description="creator, rightsholder, publisher, label or agent"
    )
    share: ShareText | int | float = Field(
        ..., description="Percentage of the right, 0 < share <= 100"
    )
    right: Right = Field("all", description="The right held (`all`: every right)")


class WorkIn(_In):
    kind: WorkKindName = Field(..., examples=["book"])
    title: Title = Field(..., examples=["Emma"])
    identifiers: list[Identifier] = Field(default_factory=list, examples=[["isbn:9780141439587"]])
    contributors: list[ContributorIn] = Field(default_factory=list)
    holders: list[HolderIn] = Field(default_factory=list)
    external_id: ExternalId | None = None


class ContactIn(_In):
    kind: ContactKindName = Field(..., examples=["email"])
    value: ContactValue = Field(..., examples=["rights@example.org"])


class PartyIn(_In):
    name: Name
    kind: PartyKindName = Field("person", description="person or organisation")
    roles: list[PartyRoleName] = Field(default_factory=list, examples=[["creator"]])
    identifiers: list[Identifier] = Field(default_factory=list)
    contacts: list[ContactIn] = Field(default_factory=list)


class CatalogueTermsIn(_In):
    terms: dict[PurposeName, StatusName] = Field(
        ..., min_length=1, description="Status per purpose", examples=[{"ai-train": "reserved"}]
    )
    effective_from: Time | None = None
    attribution_required: bool = False
    licence_url: Url | None = None
    territory: Territory = "WORLD"


class WorkTermsIn(CatalogueTermsIn):
    party_id: Id = Field(..., description="Whose terms: a holder or creator of the work")


class MandateIn(_In):
    organisation_id: Id
    member_id: Id
    purposes: list[PurposeName] = Field(..., min_length=1, examples=[["ai-train", "tdm"]])
    territories: list[Territory] = Field(
        default_factory=lambda: ["WORLD"], max_length=MAX_TERRITORIES
    )
    valid_from: Time | None = Field(None, description="Default: now")
    valid_until: Time | None = None
    evidence: Evidence = Field(..., examples=["signed form 2026-014"])


class LookupIn(_In):
    ids: list[str] = Field(..., description=f"Up to {MAX_LOOKUP_IDS} identifiers")
    at: Time | None = None
    territory: Territory | None = Field(
        None, description="WORLD or an ISO 3166-1 alpha-2 code; default everywhere"
    )


class DecisionIn(_In):
    work: Id
    purpose: PurposeName
    at: Time | None = None
    developer: Id | None = None
    territory: Territory | None = Field(
        None, description="WORLD or an ISO 3166-1 alpha-2 code; default everywhere"
    )


class KeyIn(_In):
    role: RoleName = Field(..., examples=["developer"])
    party_id: Id | None = None


# ------------------------------------------------------------------ answers (documentation)
class CompletenessOut(BaseModel):
    complete: bool
    problems: list[str]


class ContributorOut(BaseModel):
    party_id: str
    role: str


class HolderOut(BaseModel):
    party_id: str
    role: str
    share: str
    right: str


class WorkOut(BaseModel):
    id: str
    kind: str
    title: str
    identifiers: list[str]
    external_id: str | None
    contributors: list[ContributorOut]
    holders: list[HolderOut]
    completeness: CompletenessOut
    terms: dict[str, str]


class WorkPage(BaseModel):
    items: list[WorkOut]
    offset: int
    limit: int
    next_offset: int | None


class PurposeTermsOut(BaseModel):
    status: str
    attribution_required: bool
    licence_url: str | None


class TermsOut(BaseModel):
    work_id: str | None = None
    party_id: str | None = None
    at: str
    territory: str | None = None  # as asked; None: everywhere
    terms: dict[str, PurposeTermsOut]


class DeclarationOut(BaseModel):
    id: str
    party_id: str
    work_id: str | None
    purpose: str
    status: str
    effective_from: str
    recorded_at: str
    attribution_required: bool
    licence_url: str | None
    declared_by: str | None
    mandate_id: str | None
    ledger_seq: int | None
    territory: str


class HistoryOut(BaseModel):
    work_id: str
    declarations: list[DeclarationOut]


class DeclaredOut(BaseModel):
    declarations: list[DeclarationOut]
    ledger_seq: int
    receipt: dict[str, Any]


class ContactOut(BaseModel):
    kind: str
    value: str


class PartyOut(BaseModel):
    id: str
    name: str
    kind: str
    roles: list[str]
    identifiers: list[str]
    contacts: list[ContactOut]


class PartyPage(BaseModel):
    items: list[PartyOut]
    offset: int
    limit: int
    next_offset: int | None


class MandateOut(BaseModel):
    id: str
    organisation_id: str
    member_id: str
    purposes: list[str]
    territories: list[str]
    valid_from: str
    valid_until: str | None
    evidence: str
    withdrawn_at: str | None
    in_force: bool


class MandatePage(BaseModel):
    items: list[MandateOut]
    offset: int
    limit: int
    next_offset: int | None


class DeveloperOut(BaseModel):
    party_id: str
    name: str
    emails: list[str]
    postal_addresses: list[str]
    optout_urls: list[str] = Field(..., description="Opt-out or copyright web forms")
    policy_urls: list[str] = Field(..., description="Published crawler or AI policy pages")
    tokens: list[str] = Field(..., description="Crawler tokens (signals catalogue) it operates")


class DeveloperPage(BaseModel):
    items: list[DeveloperOut]


class LookupWorkOut(BaseModel):
    work_id: str
    title: str
    terms: dict[str, str]


class LookupOut(BaseModel):
    id: str
    works: list[LookupWorkOut] | None = None
    error: str | None = None
    disputed: bool | None = Field(
        None,
        description="More than one work claims this identifier (an open dispute, or works "
        "that hold it without one); absent when `error` is given",
    )
    dispute_id: str | None = Field(None, description="The identifier's open dispute")
    combined_terms: dict[str, str] | None = Field(
        None,
        description="When disputed: per purpose the most restrictive status of the works "
        "(reserved over licence over allowed), the terms to act on until it is resolved",
    )


class LookupPage(BaseModel):
    count: int
    results: list[LookupOut]


class EvidenceOut(BaseModel):
    party_id: str
    status: str
    declaration_id: str | None
    scope: str
    effective_from: str | None
    ledger_seq: int | None
    declared_by: str | None
    attribution_required: bool
    licence_url: str | None
    territory: str | None  # where the declaration holds; None: nothing declared


class GrantCoverOut(BaseModel):
    grant_id: str
    licensee_id: str
    purposes: list[str]
    territory: str
    valid_from: str
    valid_until: str | None
    revoked_at: str | None
    ledger_seq: int | None
    credit_required: bool


class DecisionOut(BaseModel):
    work_id: str
    purpose: str
    at: str
    territory: str | None  # as asked; None: everywhere
    developer_id: str | None
    outcome: str
    attribution_required: bool
    reasons: list[str]
    evidence: list[EvidenceOut]
    grant: GrantCoverOut | None = Field(
        None, description="The licence grant that allows the use for this developer, if any"
    )


class KeyOut(BaseModel):
    key_id: str
    token: str = Field(..., description="Shown once; only its hash is stored")
    role: str
    party_id: str | None


class KeyInfoOut(BaseModel):
    """A key as listed: never its token nor the token's hash."""

    key_id: str
    role: str
    party_id: str | None
    created_at: str
    revoked_at: str | None


class KeyListOut(BaseModel):
    items: list[KeyInfoOut] = Field(..., description="By created_at, then key_id")


class KeyRevokedOut(BaseModel):
    key_id: str
    revoked_at: str


class LedgerHeadOut(BaseModel):
    seq: int
    hash: str


class Problem(BaseModel):
    """``application/problem+json`` (RFC 9457) with consentry's extension members."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    value: Any = None
    expected: str | None = None


# ------------------------------------------------------------------ disputes
class DisputeResolveIn(_In):
    winner_work_id: Id = Field(..., description="The work the identifier belongs to")
    note: Evidence | None = Field(None, description="Why, for the ledger")


class DisputeOut(BaseModel):
    id: str
    identifier: str
    work_ids: list[str]
    open: bool
    opened_at: str
    opened_by: str
    resolved_at: str | None
    winner_work_id: str | None
    resolved_by: str | None
    note: str | None


class DisputePage(BaseModel):
    items: list[DisputeOut]
    offset: int
    limit: int
    next_offset: int | None
