"""Request and response models of the licensing routes (``routes/licensing.py``).

The same bounds as every other body (``schemas.py``: no NUL, text of bounded length, strict
types); the core (``consentry.licensing``) checks the values and names the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from consentry.api.schemas import Id, PurposeName, Territory, Url, _In, _NoNul
from consentry.licensing.terms import MAX_CONDITIONS, MAX_NAME, MAX_TERM_DAYS, MAX_TEXT

Text = Annotated[str, Field(max_length=MAX_TEXT), _NoNul]
SchemeName = Annotated[str, Field(min_length=1, max_length=MAX_NAME), _NoNul]
ModelName = Annotated[str, Field(min_length=1, max_length=MAX_NAME), _NoNul]
Period = Annotated[str, Field(min_length=4, max_length=7, examples=["2026-Q1"]), _NoNul]
Amount = Annotated[str, Field(max_length=40, examples=["5000"]), _NoNul]
FeeModelName = Literal["per-work", "per-unit", "revenue-share", "free-attribution"]
UnitName = Literal["documents", "tokens", "words", "answers"]
SubUseName = Literal["fine-tuning", "rag"]
ScopeName = Literal["work", "party", "scheme"]


class OfferIn(_In):
    scope: ScopeName = Field(..., description="work, party (its catalogue) or scheme")
    subject_id: Id = Field(..., description="The work, party or scheme offered")
    purposes: list[PurposeName] = Field(..., min_length=1, max_length=5)
    fee_model: FeeModelName
    amount: Amount | None = Field(None, description="Decimal text; revenue-share: a percent")
    currency: Annotated[str, Field(max_length=3), _NoNul] | None = Field(
        None, description="ISO 4217", examples=["GBP"]
    )
    unit: UnitName | None = None
    term_days: int | None = Field(None, ge=1, le=MAX_TERM_DAYS)
    territory: Territory = "WORLD"
    attribution: Text | None = Field(
        None, description="Credit line; {title} and {creators} are filled in per work"
    )
    conditions: list[Text] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    sub_uses: list[SubUseName] = Field(default_factory=list, max_length=2)
    by: list[Id] = Field(
        default_factory=list, max_length=50, description="Work offers: the parties making it"
    )


class JoinIn(_In):
    party_id: Id


class SchemeIn(_In):
    organisation_id: Id
    name: SchemeName
    purposes: list[PurposeName] = Field(..., min_length=1, max_length=5)


class OptInIn(_In):
    work_id: Id
    purposes: list[PurposeName] | None = Field(None, min_length=1, max_length=5)
    party_id: Id | None = Field(None, description="Default: the key's own party, or all")


class RequestIn(_In):
    developer_id: Id | None = Field(None, description="Default: a developer key's own party")


class RevokeIn(_In):
    reason: Text | None = None


class CreditsIn(_In):
    model: ModelName
    period: Period


class ExportQuery(BaseModel):
    url: Url | None = None


class OfferOut(BaseModel):
    offer_id: str
    scope: str
    subject_id: str
    parties: list[str]
    terms: dict[str, Any]
    created_at: str
    created_by: str
    ledger_seq: int | None
    withdrawn_at: str | None


class SchemeOut(BaseModel):
    scheme_id: str
    organisation_id: str
    name: str
    purposes: list[str]
    created_at: str


class OptInOut(BaseModel):
    items: list[dict[str, Any]]


class RequestOut(BaseModel):
    request_id: str
    offer_id: str
    developer_id: str
    requested_at: str
    grant_id: str | None


class GrantOut(BaseModel):
    grant_id: str
    request_id: str
    offer_id: str
    licensee_id: str
    terms: dict[str, Any]
    works: list[dict[str, Any]]
    valid_from: str
    valid_until: str | None
    revoked_at: str | None
    ledger_seq: int | None
    document: dict[str, Any] | None = Field(None, description="The signed licence document")


class CreditsOut(BaseModel):
    items: list[dict[str, Any]]


class ModelCreditsOut(BaseModel):
    model: str
    credits: list[dict[str, Any]]


class WorkCreditOut(BaseModel):
    work_id: str
    title: str
    credit_required: bool
    credits: list[dict[str, Any]]
    recorded: list[dict[str, Any]]
