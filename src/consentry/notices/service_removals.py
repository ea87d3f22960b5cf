"""Use cases of removal requests: open them for a removal campaign, list them, move their
state with the developer's evidence (re-checked by consentry before ``verified``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.errors import PermissionDenied, ValidationError
from consentry.notices.kinds import NoticeKind
from consentry.notices.removals import (
    DERIVATIONS,
    TARGETS,
    RemovalRequest,
    RemovalState,
    check_evidence,
    check_transition,
    evidence_kind,
)
from consentry.registry.access import Actor, Role

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


def open_removals(
    uow: SqlUnitOfWork,
    campaign_id: str,
    work_ids: Sequence[str],
    *,
    ids: Callable[[str], str],
    now: datetime,
    actor: str,
) -> int:
    """One request per work x developer of the campaign (those missing: idempotent)."""
    campaign = uow.notices.campaign(campaign_id)
    if campaign.kind is not NoticeKind.REMOVAL:
        raise ValidationError(
            f"campaign {campaign_id} is a {campaign.kind.value} campaign, expected a removal one",
            field="campaign",
            value=campaign_id,
            expected="a campaign of kind removal",
        )
    have = {(r.work_id, r.developer_id) for r in uow.removals.of_campaigns([campaign_id])}
    new = [
        RemovalRequest(
            id=ids("rm"),
            campaign_id=campaign_id,
            notice_id=n.id,
            work_id=w,
            developer_id=n.developer_id,
            state=RemovalState.REQUESTED,
            targets=TARGETS,
            derivations=DERIVATIONS,
            opened_at=now,
            updated_at=now,
        )
        for n in uow.notices.notices(campaign_id=campaign_id)
        for w in sorted(set(work_ids))
        if (w, n.developer_id) not in have
    ]
    uow.removals.add_many(new)
    if new:
        payload = {"campaign_id": campaign_id, "requests": [r.id for r in new]}
        uow.ledger.append("removal.opened", payload, actor=actor, at=now)
    return len(new)


def list_removals(uow: SqlUnitOfWork, campaign_id: str | None) -> list[dict[str, Any]]:
    if campaign_id is not None:
        uow.notices.campaign(campaign_id)  # NotFound names an unknown campaign
    requests = uow.removals.of_campaigns([campaign_id] if campaign_id else None)
    evidence = uow.removals.evidence([r.id for r in requests])
    return [r.to_json(evidence.get(r.id, [])) for r in requests]


# What each key may do with a request (the command line acts as an admin): the developer it
# is addressed to answers (acknowledges, confirms with evidence); the campaign's
# organisation has consentry verify the evidence, or disputes.
DEVELOPER_STATES = frozenset({RemovalState.ACKNOWLEDGED, RemovalState.CONFIRMED})
ORGANISATION_STATES = frozenset({RemovalState.VERIFIED, RemovalState.DISPUTED})
_ARTICLE = {Role.ORGANISATION: "an", Role.DEVELOPER: "a"}


def visible_removals(
    uow: SqlUnitOfWork, actor: Actor, campaign_id: str | None
) -> list[dict[str, Any]]:
    """Admins see every request; an organisation its campaigns'; a developer those
    addressed to it."""
    actor.require(Role.ADMIN, Role.ORGANISATION, Role.DEVELOPER)
    items = list_removals(uow, campaign_id)
    if actor.role is Role.ADMIN:
        return items
    if actor.role is Role.DEVELOPER:
        return [i for i in items if i["developer_id"] == actor.party_id]
    mine = {c.id for c in uow.notices.campaigns(actor.party_id)} if actor.party_id else set()
    return [i for i in items if i["campaign_id"] in mine]


def _authorise(
    uow: SqlUnitOfWork, actor: Actor, request: RemovalRequest, state: RemovalState
) -> None:
    actor.require(Role.ADMIN, Role.ORGANISATION, Role.DEVELOPER)
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.DEVELOPER:
        ours, allowed = request.developer_id == actor.party_id, DEVELOPER_STATES
    else:
        campaign = uow.notices.campaign(request.campaign_id)
        ours, allowed = campaign.organisation_id == actor.party_id, ORGANISATION_STATES
    if not ours:
        raise PermissionDenied(f"removal request {request.id} is not yours", removal=request.id)
    if state not in allowed:
        raise PermissionDenied(
            f"{_ARTICLE[actor.role]} {actor.role.value} key may set a removal request to "
            f"{' or '.join(sorted(s.value for s in allowed))}, not {state.value}",
            removal=request.id,
        )


def update_removal(
    uow: SqlUnitOfWork,
    removal_id: str,
    state: RemovalState,
    files: Sequence[tuple[str, bytes]],
    *,
    now: datetime,
    actor: str,
    who: Actor | None = None,
) -> dict[str, Any]:
    """Move a request to ``state``, adding ``files`` as evidence first. ``confirmed`` needs
    evidence (given now or before); ``verified`` re-checks it (:func:`check_evidence`).
    ``who``: the key asking, checked (:data:`DEVELOPER_STATES`, :data:`ORGANISATION_STATES`)."""
    if who is not None:
        who.require(Role.ADMIN, Role.ORGANISATION, Role.DEVELOPER)  # before any read
    request = uow.removals.get(removal_id, for_update=True)
    if who is not None:
        _authorise(uow, who, request, state)
    check_transition(request.state, state, removal_id)
    added = [(n, hashlib.sha256(d).hexdigest(), evidence_kind(d), d) for n, d in files]
    uow.removals.add_evidence(removal_id, added, now)
    held = uow.removals.evidence_files(removal_id)
    if state is RemovalState.CONFIRMED and not held:
        raise ValidationError(
            f"removal request {removal_id} cannot be confirmed without evidence",
            field="--evidence",
            value=removal_id,
            expected="the developer's removal manifest and rescan report (--evidence FILE)",
        )
    if state is RemovalState.VERIFIED:
        check_evidence(request.work_id, held)
    uow.removals.set_state(removal_id, state, now)
    payload = {
        "removal_id": removal_id,
        "work_id": request.work_id,
        "developer_id": request.developer_id,
        "state": state.value,
        "evidence": [{"name": n, "sha256": s, "kind": k.value} for n, s, k, _ in added],
    }
    uow.ledger.append("removal.updated", payload, actor=actor, at=now)
    updated = uow.removals.get(removal_id)
    return updated.to_json(uow.removals.evidence([removal_id]).get(removal_id, []))
