"""Notice kinds, the legal basis each letter cites per jurisdiction, and notice states.

Pure: values only. The texts follow ``shared/reference/licensing.md`` section 3: a UK letter
is an express notice of non-consent (CDPA ss.16(2), 17, 18, 20; no commercial TDM exception,
s.29A covers non-commercial research only); an EU letter is a reservation under Art. 4(3)
of Directive (EU) 2019/790 (DSM) and its national transpositions; a US letter is a notice
of non-authorisation (no opt-out regime; DMCA s.512(c)(3)(A) elements for hosted outputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from consentry.registry.choices import parse_choice


class NoticeKind(StrEnum):
    RESERVATION = "reservation"
    REMOVAL = "removal"
    COMPENSATION = "compensation"
    TRANSPARENCY = "transparency"
    LICENCE_INVITATION = "licence-invitation"

    @classmethod
    def parse(cls, value: str) -> NoticeKind:
        key = value.strip().lower().replace("_", "-").replace("license", "licence")
        return parse_choice(cls, value, field="kind", label="notice kind", key=key)


class NoticeState(StrEnum):
    DRAFTED = "drafted"  # created with its campaign, nothing rendered for sending yet
    QUEUED = "queued"  # rendered and stored; an SMTP transaction may be under way
    SENT = "sent"  # the receiving server accepted it (2xx after DATA)
    BOUNCED = "bounced"  # refused (5xx) or a delivery-status notification said failed
    ACKNOWLEDGED = "acknowledged"  # the developer confirmed receipt
    ANSWERED = "answered"  # the developer answered in substance
    OVERDUE = "overdue"  # sent, past the reply deadline, neither acknowledged nor answered


SUBJECTS: dict[NoticeKind, str] = {
    NoticeKind.RESERVATION: "Notice of non-consent and reservation of rights",
    NoticeKind.REMOVAL: "Request to remove works and their derivations",
    NoticeKind.COMPENSATION: "Claim for compensation for past use of works",
    NoticeKind.TRANSPARENCY: "Request for information on the use of works",
    NoticeKind.LICENCE_INVITATION: "Invitation to license works for AI uses",
}


@dataclass(frozen=True, slots=True)
class LegalBasis:
    jurisdiction: str  # "UK", "EU", "US"
    title: str
    text: str


_UK = LegalBasis(
    "UK",
    "United Kingdom: express notice of non-consent",
    "Copying, issuing, communicating or adapting these works requires the owner's licence "
    "(Copyright, Designs and Patents Act 1988, ss.16(2), 17, 18, 20). There is no exception "
    "for commercial text and data mining: s.29A covers non-commercial research only. You are "
    "hereby put on express notice that the rights holders named in this notice do not consent "
    "to any use of their works for the purposes listed, unless they have first agreed a "
    "licence.",
)
_EU = LegalBasis(
    "EU",
    "European Union: reservation under Art. 4(3) of Directive (EU) 2019/790",
    "The rights holders expressly reserve the use of these works for text and data mining "
    "within the meaning of Article 4(3) of Directive (EU) 2019/790 and its national "
    "transpositions (e.g. s.44b UrhG, art. L.122-5-3 CPI, s.15a of the Swedish Copyright "
    "Act). The reservation is also published in machine-readable form (the attached ODRL "
    "policy and the registry lookup). General-purpose AI providers must identify and comply "
    "with it (Regulation (EU) 2024/1689, Art. 53(1)(c)).",
)
_US = LegalBasis(
    "US",
    "United States: notice of non-authorisation",
    "The rights holders have not authorised the reproduction, distribution or adaptation of "
    "these works (17 U.S.C. s.106) for the purposes listed. This notice identifies the works "
    "(a representative list is attached in full), the rights holders' authorised agent and "
    "its contact details; we state in good faith that the uses listed are not authorised by "
    "the rights holders, their agent or the law, and that this notice is accurate.",
)
LEGAL_BASES: tuple[LegalBasis, ...] = (_UK, _EU, _US)

# What each kind asks for (CRA's list of demands, licensing.md 3.2 item 6), in words.
DEMANDS: dict[NoticeKind, tuple[str, ...]] = {
    NoticeKind.RESERVATION: (
        "Do not use the works listed for the purposes named without a licence agreed in "
        "advance with the rights holders.",
        "Apply this reservation to future crawls and to copies you already hold.",
        "Where a licence is granted, give full credit to the creators.",
    ),
    NoticeKind.REMOVAL: (
        "Remove the works listed, and their derivations (excerpts, translations, "
        "adaptations), from your training datasets.",
        "Remove them from models trained on them, by retraining or by unlearning.",
        "Remove them from retrieval indexes and embedding stores.",
        "Confirm the removal, with evidence (a removal manifest, a rescan report).",
    ),
    NoticeKind.COMPENSATION: (
        "State which of the works listed you have used, for which purposes and since when.",
        "Compensate the rights holders for past use of the works.",
        "Agree remuneration and attribution for any continued use.",
    ),
    NoticeKind.TRANSPARENCY: (
        "Tell us which of the works listed you have used, and how: the datasets, the "
        "models, the retrieval indexes, the dates and the sources of the copies.",
        "Tell us whom to contact at your company about copyright (your copyright point of "
        "contact or complaint mechanism).",
    ),
    NoticeKind.LICENCE_INVITATION: (
        "The rights holders invite you to license the works listed for the purposes named.",
        "Each work's terms (reserved, licence, allowed) per purpose are in the attached "
        "works.csv, works.json and ODRL policy; ask us for a licence before any use.",
    ),
}


def effective_state(state: NoticeState, *, deadline: datetime, now: datetime) -> NoticeState:
    """The state as shown: a sent notice past its reply deadline is ``overdue``.

    Decision: acknowledging (or answering) stops a notice becoming overdue; a bounced
    notice is never overdue (it never arrived).
    """
    if state is NoticeState.SENT and now >= deadline:
        return NoticeState.OVERDUE
    return state


# Transitions recorded from the outside (bounce, acknowledgement, answer): from which states.
MAY_ACKNOWLEDGE = frozenset({NoticeState.SENT, NoticeState.QUEUED, NoticeState.ACKNOWLEDGED})
MAY_ANSWER = frozenset(
    {NoticeState.SENT, NoticeState.QUEUED, NoticeState.ACKNOWLEDGED, NoticeState.ANSWERED}
)
MAY_BOUNCE = frozenset({NoticeState.SENT, NoticeState.QUEUED})
