"""Request and response models of the notices routes (``routes/notices.py``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from consentry.limits import MAX_ID


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation_id: str = Field(max_length=MAX_ID)
    kind: Literal["reservation", "removal", "compensation", "transparency", "licence-invitation"]
    purposes: list[str] | None = Field(
        default=None, max_length=5, description="Default: every purpose"
    )
    developers: Literal["all"] | list[str] = Field(
        description='"all" (every ai-developer party) or party ids', max_length=10_000
    )
    members: Literal["all"] | list[str] = Field(
        default="all",
        description='"all" (every member with a mandate) or party ids or names',
        max_length=1_000_000,
    )
    deadline_days: int = Field(default=30, ge=1, le=3650)
    territory: str = Field(default="WORLD", max_length=5)


class ExcludedOut(BaseModel):
    member: str
    name: str
    reason: str
    detail: str


class CampaignCreatedOut(BaseModel):
    campaign_id: str
    notices: int
    works: int
    members: int
    excluded: list[ExcludedOut]
    developers_without_email: list[str]


class NoticeOut(BaseModel):
    notice_id: str
    developer: str
    developer_name: str
    email: str | None
    state: str
    message_id: str
    sent_at: str | None
    acknowledged_at: str | None
    answered_at: str | None
    bounced_at: str | None
    followups: int
    campaign_id: str | None = None


class CampaignStatusOut(BaseModel):
    campaign_id: str
    kind: str
    organisation_id: str
    purposes: list[str]
    territory: str
    created_at: str
    deadline: str
    works: int
    members: int
    excluded: list[ExcludedOut]
    notices: list[NoticeOut]


class AnswerFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(max_length=7_000_000, description="The file, base64")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20_000)
    files: list[AnswerFileIn] = Field(default_factory=list, max_length=10)


class AckOut(BaseModel):
    notice_id: str
    acknowledged_at: str
    already: bool
