"""Every ledger event the registry records: its kind and its payload, in one place.

Each function takes core values and returns an :data:`Event` ``(kind, payload)`` ready for
``uow.ledger.append(*event, ...)`` or ``append_many``. Pure: no I/O, no clock.

The payloads are hashed into the chain (``consentry.ledger.chain``), so their content is
part of the ledger format: a changed key or value changes every later hash, and ledgers
written before would no longer verify. Add keys only with a new event kind or a migration
of the format, never silently (docs/ledger.md; tests/ledger pins the bytes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from consentry.registry.mandates import Mandate
from consentry.registry.parties import Party
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import Work

Event = tuple[str, dict[str, Any]]


def terms_json(terms: Mapping[Purpose, Status]) -> dict[str, str]:
    """``{purpose: status}`` as the ledger writes it (purposes in order)."""
    return {p.value: s.value for p, s in sorted(terms.items())}


# --------------------------------------------------------------------- parties, works
def party_payload(p: Party) -> dict[str, Any]:
    return {
        "party_id": p.id,
        "name": p.name,
        "kind": p.kind.value,
        "roles": sorted(r.value for r in p.roles),
        "identifiers": list(p.identifiers),
    }


def party_created(p: Party) -> Event:
    return "party.created", party_payload(p)


def work_payload(w: Work) -> dict[str, Any]:
    return {
        "work_id": w.id,
        "external_id": w.external_id,
        "kind": w.kind.value,
        "title": w.title,
        "identifiers": list(w.identifiers),
        "contributors": [[c.party_id, c.role.value] for c in w.contributors],
        "holders": [[h.party_id, h.role, str(h.share), h.right] for h in w.holders],
    }


def work_created(w: Work) -> Event:
    return "work.created", work_payload(w)


def work_imported(w: Work, terms: Mapping[Purpose, Status] | None, source: str | None) -> Event:
    """A work created by an import, with the terms its record declared (if any)."""
    payload = work_payload(w)
    if terms is not None:
        payload["terms"] = terms_json(terms)
    payload["source"] = source
    return "work.imported", payload


def work_fingerprinted(
    work_id: str,
    *,
    spec: Mapping[str, Any],
    words: int,
    fingerprints: int,
    sha256: str,
    replaced: bool,
) -> Event:
    return "work.fingerprinted", {
        "work_id": work_id,
        "spec": dict(spec),
        "words": words,
        "fingerprints": fingerprints,
        "sha256": sha256,
        "replaced": replaced,
    }


# --------------------------------------------------------------------- terms
def terms_declared(
    *,
    party_id: str,
    work_id: str | None,
    terms: Mapping[Purpose, Status],
    effective_from: datetime,
    attribution_required: bool,
    licence_url: str | None,
    declared_by: str | None,
    mandate_id: str | None,
    territory: str,
) -> Event:
    """The payload is also the ``declaration`` a signed receipt carries (with the territory
    it holds for: WORLD or an ISO 3166-1 alpha-2 code)."""
    return "terms.declared", {
        "party_id": party_id,
        "work_id": work_id,
        "terms": terms_json(terms),
        "effective_from": effective_from.isoformat(),
        "attribution_required": attribution_required,
        "licence_url": licence_url,
        "declared_by": declared_by,
        "mandate_id": mandate_id,
        "territory": territory,
    }


def terms_imported(work_id: str, terms: Mapping[Purpose, Status]) -> Event:
    """An import changed the terms of a work already registered."""
    return "terms.imported", {"work_id": work_id, "terms": terms_json(terms)}


def import_completed(
    *,
    filename: str,
    sha256: str,
    fmt: str,
    records: int,
    created: int,
    updated: int,
    rejected: int,
) -> Event:
    return "import.completed", {
        "file": filename,
        "sha256": sha256,
        "format": fmt,
        "records": records,
        "created": created,
        "updated": updated,
        "rejected": rejected,
    }


# --------------------------------------------------------------------- mandates, keys
def mandate_created(m: Mandate) -> Event:
    return "mandate.created", {
        "mandate_id": m.id,
        "organisation_id": m.organisation_id,
        "member_id": m.member_id,
        "purposes": sorted(p.value for p in m.purposes),
        "territories": sorted(m.territories),
        "valid_from": m.valid_from.isoformat(),
        "valid_until": m.valid_until.isoformat() if m.valid_until else None,
        "evidence": m.evidence,
    }


def developer_listed(
    party_id: str, contacts: Sequence[tuple[str, str]], tokens: Sequence[str]
) -> Event:
    """The AI-developer directory gained contact points or crawler tokens of a developer
    (a developer's copyright contact points are public: they are named here)."""
    return "developer.listed", {
        "party_id": party_id,
        "contacts": [[k, v] for k, v in contacts],
        "tokens": list(tokens),
    }


def mandate_withdrawn(mandate_id: str) -> Event:
    return "mandate.withdrawn", {"mandate_id": mandate_id}


def key_created(key_id: str, role: str, party_id: str | None) -> Event:
    return "key.created", {"key_id": key_id, "role": role, "party_id": party_id}


def key_revoked(key_id: str) -> Event:
    return "key.revoked", {"key_id": key_id}


# --------------------------------------------------------------------- identifier disputes
def dispute_opened(dispute_id: str, identifier: str, work_ids: Sequence[str]) -> Event:
    return "dispute.opened", {
        "dispute_id": dispute_id,
        "identifier": identifier,
        "work_ids": list(work_ids),
    }


def dispute_joined(dispute_id: str, identifier: str, work_ids: Sequence[str]) -> Event:
    return "dispute.joined", {
        "dispute_id": dispute_id,
        "identifier": identifier,
        "work_ids": list(work_ids),
    }


def dispute_resolved(
    dispute_id: str, identifier: str, winner: str, losers: Sequence[str], note: str | None
) -> Event:
    return "dispute.resolved", {
        "dispute_id": dispute_id,
        "identifier": identifier,
        "winner_work_id": winner,
        "loser_work_ids": list(losers),
        "note": note,
    }
