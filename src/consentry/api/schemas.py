"""Pydantic models of the HTTP API: request bodies, and answer shapes for OpenAPI.

Request models check only the JSON shape (types, required members, time zones); the values
themselves (purposes, statuses, identifiers, shares, roles) are checked by the core, whose
errors name the field and what was expected. Answers are built as plain dicts
(``views.py``); the ``*Out`` models here document them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

MAX_PAGE = 1000
MAX_LOOKUP_IDS = 10_000


NUL_PROBLEM = "contains a NUL character (\\x00), which text may not contain"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(NUL_PROBLEM)
    return value


# Text from a request: any string without NUL (PostgreSQL cannot store one; no real name,
# title or reference has one). Identifiers are plain ``str``: the core parser refuses NUL
# per identifier, so one bad id in a bulk lookup does not refuse the others.
Text = Annotated[str, AfterValidator(_no_nul)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ requests
class PartyRefIn(_In):
    party_id: Text | None = Field(None, description="A registered party id (or give `name`).")
    name: Text | None = Field(None, description="A name; a new party is created when unknown.")
    identifiers: list[str] = Field(default_factory=list, examples=[["isni:0000000121479135"]])


class ContributorIn(PartyRefIn):
    role: Text = Field(..., examples=["author"])


class HolderIn(PartyRefIn):
    role: Text = Field(..., description="creator, rightsholder, publisher, label or agent")
    share: Text | int | float = Field(..., description="Percentage of the right, 0 < share <= 100")
    right: Text = Field("all", description="The right held (`all`: every right)")


class WorkIn(_In):
    kind: Text = Field(..., examples=["book"])
    title: Text = Field(..., examples=["Emma"])
    identifiers: list[str] = Field(default_factory=list, examples=[["isbn:9780141439587"]])
    contributors: list[ContributorIn] = Field(default_factory=list)
    holders: list[HolderIn] = Field(default_factory=list)
    external_id: Text | None = None


class ContactIn(_In):
    kind: Text = Field(..., examples=["email"])
    value: Text = Field(..., examples=["rights@example.org"])


class PartyIn(_In):
    name: Text
    kind: Text = Field("person", description="person or organisation")
    roles: list[Text] = Field(default_factory=list, examples=[["creator"]])
    identifiers: list[str] = Field(default_factory=list)
    contacts: list[ContactIn] = Field(default_factory=list)


class CatalogueTermsIn(_In):
    terms: dict[Text, Text] = Field(
        ..., description="Status per purpose", examples=[{"ai-train": "reserved"}]
    )
    effective_from: AwareDatetime | None = None
    attribution_required: bool = False
    licence_url: Text | None = None
    territory: Text = "WORLD"


class WorkTermsIn(CatalogueTermsIn):
    party_id: Text = Field(..., description="Whose terms: a holder or creator of the work")


class MandateIn(_In):
    organisation_id: Text
    member_id: Text
    purposes: list[Text] = Field(..., examples=[["ai-train", "tdm"]])
    territories: list[Text] = Field(default_factory=lambda: ["WORLD"])
    valid_from: AwareDatetime | None = Field(None, description="Default: now")
    valid_until: AwareDatetime | None = None
    evidence: Text = Field(..., examples=["signed form 2026-014"])


class LookupIn(_In):
    ids: list[str] = Field(..., description=f"Up to {MAX_LOOKUP_IDS} identifiers")
    at: AwareDatetime | None = None


class DecisionIn(_In):
    work: Text
    purpose: Text
    at: AwareDatetime | None = None
    developer: Text | None = None


class KeyIn(_In):
    role: Text = Field(..., examples=["developer"])
    party_id: Text | None = None


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


class LookupWorkOut(BaseModel):
    work_id: str
    title: str
    terms: dict[str, str]


class LookupOut(BaseModel):
    id: str
    works: list[LookupWorkOut] | None = None
    error: str | None = None


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


class DecisionOut(BaseModel):
    work_id: str
    purpose: str
    at: str
    developer_id: str | None
    outcome: str
    attribution_required: bool
    reasons: list[str]
    evidence: list[EvidenceOut]


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
