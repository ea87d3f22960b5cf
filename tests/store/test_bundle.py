"""Fingerprints in the registry and the offline bundle: only works not allowed for the
purpose go into it, and a scan with it finds their excerpts (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.conftest import FakeClock

from consentry.bootstrap import Registry
from consentry.errors import PermissionDenied, ValidationError
from consentry.fingerprints.builder import build_index_from_fingerprints
from consentry.fingerprints.index import Index
from consentry.fingerprints.spec import CanonSpec
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from consentry.scan.match import match_documents
from consentry.scan.model import Document

DATA = Path(__file__).resolve().parents[1] / "data" / "scan"


def _work(reg: Registry, title: str, author: str) -> str:
    return reg.service.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title=title,
            contributors=((PartyRef(party_id=author), ContributorRole.AUTHOR),),
            holders=((PartyRef(party_id=author), "creator", Decimal(100), "all"),),
        ),
    ).id


def test_bundle_holds_only_works_not_allowed(
    registry: Registry, clock: FakeClock, tmp_path: Path
) -> None:
    svc = registry.service
    a = svc.create_party(SYSTEM, name="A", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]).id
    b = svc.create_party(SYSTEM, name="B", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]).id
    reserved = _work(registry, "Persuasion", a)
    allowed = _work(registry, "The War of the Worlds", b)
    svc.declare_terms(SYSTEM, party_id=b, statuses=dict.fromkeys(ALL_PURPOSES, Status.ALLOWED))
    persuasion = (DATA / "persuasion-head.txt").read_text(encoding="utf-8")
    wells = (DATA / "war-of-the-worlds-head.txt").read_text(encoding="utf-8")
    with pytest.raises(PermissionDenied):
        svc.register_fingerprints(Actor(Role.CREATOR, b), work_id=reserved, text=persuasion)
    with pytest.raises(ValidationError, match="fewer than one"):
        svc.register_fingerprints(SYSTEM, work_id=reserved, text="too short")
    first = svc.register_fingerprints(Actor(Role.CREATOR, a), work_id=reserved, text=persuasion)
    assert first.count > 1000 and not first.replaced
    assert svc.register_fingerprints(SYSTEM, work_id=reserved, text=persuasion).replaced
    svc.register_fingerprints(SYSTEM, work_id=allowed, text=wells)
    clock.advance(seconds=1)
    works = svc.bundle_works(purpose=Purpose.AI_TRAIN)
    assert works == [reserved]
    out = tmp_path / "bundle.idx"
    spec = CanonSpec()
    info = build_index_from_fingerprints(out, iter(svc.bundle_fingerprints(works, spec)), spec=spec)
    assert info.works == 1
    index = Index(out)
    words = persuasion.split()
    excerpt = " ".join(words[2000:2120])
    docs = [
        Document("has-persuasion", f"Some unrelated words first. {excerpt} And then more."),
        Document("has-wells", " ".join(wells.split()[1000:1150])),
    ]
    found = list(match_documents(docs, index))
    assert [(m.doc, m.work) for m in found] == [("has-persuasion", reserved)]
    assert found[0].words >= 100
    assert svc.verify_ledger().ok


def test_a_canon_v1_registry_keeps_giving_canon_v1_bundles(registry: Registry) -> None:
    """Fingerprints registered under canon-v1 (before canon-v2 was the default) still make a
    bundle, under canon-v1; new registrations are canon-v2, and a registry holding both is
    told which work to register again."""
    svc = registry.service
    a = svc.create_party(SYSTEM, name="A", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]).id
    old = _work(registry, "Persuasion", a)
    new = _work(registry, "The War of the Worlds", a)
    assert svc.bundle_spec() == CanonSpec()  # nothing stored: the current default
    persuasion = (DATA / "persuasion-head.txt").read_text(encoding="utf-8")
    v1 = CanonSpec(version="canon-v1")
    svc.register_fingerprints(SYSTEM, work_id=old, text=persuasion, spec=v1)
    assert svc.bundle_spec() == v1
    assert [w for w, *_ in svc.bundle_fingerprints([old], v1)] == [old]
    wells = (DATA / "war-of-the-worlds-head.txt").read_text(encoding="utf-8")
    assert svc.register_fingerprints(SYSTEM, work_id=new, text=wells).count > 100
    assert svc.bundle_spec() == CanonSpec()
    with pytest.raises(ValidationError, match=f"work {old} was fingerprinted under .*canon-v1"):
        list(svc.bundle_fingerprints([old, new], svc.bundle_spec()))
