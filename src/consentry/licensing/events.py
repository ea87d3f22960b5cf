"""The ledger events of the licensing capability: kind and payload, in one place.

As with ``consentry.registry.events``, the payloads are hashed into the chain: their keys
are part of the ledger format (docs/ledger.md). A grant's payload is also the body of its
signed licence document, and a credit record's payload the body of its signed record, so
``check_receipt_against_entry`` ties each document to its ledger entry.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from consentry.licensing.credits import CreditRecord
from consentry.licensing.grants import WorkCoverage
from consentry.licensing.terms import LicenceRequest, Offer, OptIn, Scheme
from consentry.registry.purposes import Purpose

Event = tuple[str, dict[str, Any]]


def scheme_created(s: Scheme) -> Event:
    return "scheme.created", {
        "scheme_id": s.id,
        "organisation_id": s.organisation_id,
        "name": s.name,
        "purposes": [p.value for p in s.purposes],
    }


def opted_in(opt_ins: Sequence[OptIn]) -> Event:
    """``parties``: each party's purposes opted in afterwards (its whole set)."""
    first = opt_ins[0]
    return "scheme.opted_in", {
        "scheme_id": first.scheme_id,
        "work_id": first.work_id,
        "parties": {o.party_id: [p.value for p in o.purposes] for o in opt_ins},
    }


def opted_out(opt_ins: Sequence[OptIn]) -> Event:
    """``parties``: each party's purposes left opted in after the opt-out."""
    _, payload = opted_in(opt_ins)
    return "scheme.opted_out", payload


def offer_made(o: Offer) -> Event:
    return "licence.offered", {
        "offer_id": o.id,
        "scope": o.scope.value,
        "subject_id": o.subject_id,
        "parties": list(o.parties),
        "terms": o.terms.to_json(),
    }


def offer_joined(offer_id: str, party_id: str) -> Event:
    return "licence.offer_joined", {"offer_id": offer_id, "party_id": party_id}


def offer_withdrawn(offer_id: str) -> Event:
    return "licence.offer_withdrawn", {"offer_id": offer_id}


def requested(r: LicenceRequest) -> Event:
    return "licence.requested", {
        "request_id": r.id,
        "offer_id": r.offer_id,
        "developer_id": r.developer_id,
    }


def grant_payload(
    *,
    grant_id: str,
    request: LicenceRequest,
    offer: Offer,
    licensors: Sequence[str],
    covered: Sequence[WorkCoverage],
    excluded: Sequence[WorkCoverage],
    valid_from: datetime,
    valid_until: datetime | None,
) -> dict[str, Any]:
    """The licence document's body and the ``licence.granted`` ledger payload."""
    return {
        "grant_id": grant_id,
        "request_id": request.id,
        "offer_id": offer.id,
        "licensee_id": request.developer_id,
        "licensors": list(licensors),
        "terms": offer.terms.to_json(),
        "works": [{"work_id": c.work_id, "purposes": _values(c.purposes)} for c in covered],
        "excluded": [{"work_id": c.work_id, "reasons": list(c.missing)} for c in excluded],
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
    }


def granted(payload: dict[str, Any]) -> Event:
    return "licence.granted", payload


def revoked(grant_id: str, reason: str | None) -> Event:
    return "licence.revoked", {"grant_id": grant_id, "reason": reason}


def credit_recorded(r: CreditRecord) -> Event:
    return "credit.recorded", r.payload()


def _values(purposes: Sequence[Purpose]) -> list[str]:
    return [p.value for p in purposes]
