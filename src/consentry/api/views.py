"""JSON views of core values: plain dicts, built without pydantic so big answers stay fast.

Every route answers with these shapes; ``schemas.py`` describes them for OpenAPI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from consentry.registry.mandates import Mandate
from consentry.registry.parties import Party
from consentry.registry.terms import Declaration, TermsSet
from consentry.registry.works import Work


def iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def terms_detail(terms: TermsSet) -> dict[str, dict[str, Any]]:
    return {
        p.value: {
            "status": t.status.value,
            "attribution_required": t.attribution_required,
            "licence_url": t.licence_url,
        }
        for p, t in terms.purposes.items()
    }


def work_view(work: Work, terms: TermsSet) -> dict[str, Any]:
    completeness = work.completeness()
    return {
        "id": work.id,
        "kind": work.kind.value,
        "title": work.title,
        "identifiers": list(work.identifiers),
        "external_id": work.external_id,
        "contributors": [{"party_id": c.party_id, "role": c.role.value} for c in work.contributors],
        "holders": [
            {"party_id": h.party_id, "role": h.role, "share": str(h.share), "right": h.right}
            for h in work.holders
        ],
        "completeness": {
            "complete": completeness.complete,
            "problems": list(completeness.problems),
        },
        "terms": terms.as_dict(),
    }


def party_view(party: Party) -> dict[str, Any]:
    return {
        "id": party.id,
        "name": party.name,
        "kind": party.kind.value,
        "roles": sorted(r.value for r in party.roles),
        "identifiers": list(party.identifiers),
        "contacts": [{"kind": c.kind, "value": c.value} for c in party.contacts],
    }


def mandate_view(m: Mandate, now: datetime) -> dict[str, Any]:
    return {
        "id": m.id,
        "organisation_id": m.organisation_id,
        "member_id": m.member_id,
        "purposes": sorted(p.value for p in m.purposes),
        "territories": sorted(m.territories),
        "valid_from": m.valid_from.isoformat(),
        "valid_until": iso(m.valid_until),
        "evidence": m.evidence,
        "withdrawn_at": iso(m.withdrawn_at),
        "in_force": m.in_force(now),
    }


def declaration_view(d: Declaration) -> dict[str, Any]:
    return {
        "id": d.id,
        "party_id": d.party_id,
        "work_id": d.work_id,
        "purpose": d.purpose.value,
        "status": d.status.value,
        "effective_from": d.effective_from.isoformat(),
        "recorded_at": d.recorded_at.isoformat(),
        "attribution_required": d.attribution_required,
        "licence_url": d.licence_url,
        "declared_by": d.declared_by,
        "mandate_id": d.mandate_id,
        "ledger_seq": d.ledger_seq,
        "territory": d.territory,
    }


def page_view(items: list[dict[str, Any]], *, offset: int, limit: int) -> dict[str, Any]:
    return {
        "items": items,
        "offset": offset,
        "limit": limit,
        "next_offset": offset + len(items) if len(items) == limit else None,
    }
