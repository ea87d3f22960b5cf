"""What a letter says: the values its templates are rendered with (licensing.md 3.2).

Pure. :func:`letter_context` gathers, for one notice, the sender and the mandates it acts
under, the works (a representative list in the letter; all of them in the attachments),
the purposes, the legal basis per jurisdiction, the date, the reply deadline, the lookup and
acknowledgement links, the reference and the repertoire's hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consentry.errors import ValidationError
from consentry.notices.kinds import DEMANDS, LEGAL_BASES, SUBJECTS, NoticeKind
from consentry.notices.repertoire import RepertoireWork
from consentry.registry.mandates import Mandate
from consentry.registry.parties import Party, PartyRole

LISTED_IN_LETTER = 50  # works (and mandates) named in the letter; all are in the attachments


@dataclass(frozen=True, slots=True)
class Addressee:
    party_id: str
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class Sender:
    party_id: str
    name: str
    email: str


def _date(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def letter_context(
    *,
    kind: NoticeKind,
    notice_id: str,
    campaign_id: str,
    sender: Sender,
    addressee: Addressee,
    mandates: Sequence[tuple[Mandate, str]],
    works: Sequence[RepertoireWork],
    purposes: Sequence[str],
    territory: str,
    dated: datetime,
    deadline: datetime,
    lookup_url: str,
    ack_url: str,
    repertoire_sha256: str,
    attachments: Sequence[str],
) -> dict[str, Any]:
    """The template values of one notice. ``mandates`` pairs each mandate relied on with
    its member's name."""
    listed = _listed(works[:LISTED_IN_LETTER])
    return {
        "kind": kind.value,
        "subject": f"{SUBJECTS[kind]}: {sender.name} on behalf of its members",
        "reference": notice_id,
        "campaign_id": campaign_id,
        "sender": {"name": sender.name, "email": sender.email, "party_id": sender.party_id},
        "addressee": {
            "name": addressee.name,
            "email": addressee.email or "",
            "party_id": addressee.party_id,
        },
        "mandates": _mandates_json(mandates[:LISTED_IN_LETTER]),
        "mandates_count": len(mandates),
        "mandates_unlisted": max(0, len(mandates) - LISTED_IN_LETTER),
        "members_count": len({m.member_id for m, _ in mandates}),
        "works": listed,
        "works_count": len(works),
        "works_unlisted": max(0, len(works) - len(listed)),
        "purposes": list(purposes),
        "territory": territory,
        "legal_bases": [
            {"jurisdiction": b.jurisdiction, "title": b.title, "text": b.text} for b in LEGAL_BASES
        ],
        "demands": list(DEMANDS[kind]),
        "date": _date(dated),
        "date_iso": dated.isoformat(),
        "deadline": _date(deadline),
        "deadline_iso": deadline.isoformat(),
        "lookup_url": lookup_url,
        "ack_url": ack_url,
        "repertoire_sha256": repertoire_sha256,
        "attachments": list(attachments),
    }


def followup_context(
    base: dict[str, Any], *, number: int, dated: datetime, original_message_id: str
) -> dict[str, Any]:
    out = dict(base)
    out.update(
        {
            "followup": number,
            "subject": f"Reminder {number}: {base['subject']}",
            "original_date": base["date"],
            "date": _date(dated),
            "date_iso": dated.isoformat(),
            "original_message_id": original_message_id,
        }
    )
    return out


def email_of(party: Party) -> str | None:
    return next((c.value.strip() for c in party.contacts if c.kind == "email"), None)


def sender_email(org: Party) -> str:
    if PartyRole.MEMBER_ORGANISATION not in org.roles:
        raise ValidationError(
            f"party {org.id} is not a member organisation",
            field="organisation",
            value=org.id,
            expected="a party with role member-organisation",
        )
    email = email_of(org)
    if email is None:
        raise ValidationError(
            f"organisation {org.id} ({org.name}) has no email contact to send from",
            field="organisation",
            value=org.id,
            expected="an organisation with an email contact point (parties add --contact)",
        )
    return email


def _mandates_json(mandates: Sequence[tuple[Mandate, str]]) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "member": name,
            "member_id": m.member_id,
            "evidence": m.evidence,
            "purposes": sorted(p.value for p in m.purposes),
            "territories": sorted(m.territories),
            "period": m.period(),
        }
        for m, name in mandates
    ]


def _listed(works: Sequence[RepertoireWork]) -> list[dict[str, Any]]:
    return [
        {
            "title": w.title,
            "identifiers": list(w.identifiers),
            "work_id": w.work_id,
            "members": [m.name for m in w.members],
        }
        for w in works
    ]
