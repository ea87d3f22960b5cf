"""The ledger payload of every registry use case, pinned byte for byte.

Payloads are hashed into the chain, so moving their construction (into
``consentry.registry.events``) must not change a byte: this test drives each use case that
records an event (party, work, CSV import with new works, changed terms and new parties,
declared terms, mandate granted and withdrawn, key created and revoked) and compares the
canonical JSON of each entry with ``tests/data/ledger/payloads.json``, recorded from the
code before the move. Key ids are random, so they are compared as ``<key>``.

A deliberate change of a payload (a new event key) updates the golden file in the same
commit, and says so in CHANGELOG and docs/ledger.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from consentry.bootstrap import Registry
from consentry.ledger.chain import LedgerEntry, canonical_json
from consentry.registry.access import SYSTEM, Role
from consentry.registry.csvfile import parse_csv
from consentry.registry.importing import import_records
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "ledger" / "payloads.json"

CSV = """work_id,kind,title,identifiers,contributors,holders,terms
W1,book,Emma,isbn:9780000000002,Ann Author|author|isni:0000000121032683,Ann Author|author|100,ai-train=reserved;search=allowed
W2,book,Persuasion,,New Person|author,Small Press|publisher|60;New Person|author|40,-
"""
CSV2 = """work_id,kind,title,identifiers,contributors,holders,terms
W1,book,Emma,isbn:9780000000002,Ann Author|author,Ann Author|author|100,ai-train=allowed
"""


def _import(reg: Registry, text: str, sha: str) -> None:
    with reg.uow(write=True) as uow:
        import_records(
            uow,
            parse_csv(text, filename="works.csv"),
            ids=reg.service.ids,
            now=reg.service.clock(),
            actor=SYSTEM.label,
            sha256=sha,
            filename="works.csv",
            fmt="csv",
            skip_invalid=False,
        )
        uow.commit()


def _drive(reg: Registry) -> list[LedgerEntry]:
    svc = reg.service
    ann = svc.create_party(
        SYSTEM,
        name="Ann Author",
        kind=PartyKind.PERSON,
        roles=[PartyRole.CREATOR],
        identifiers=["isni:0000000121032683"],
    )
    org = svc.create_party(
        SYSTEM,
        name="Authors' Society",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
    )
    svc.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title="Sense and Sensibility",
            identifiers=("isbn:9780000000019",),
            contributors=((PartyRef(party_id=ann.id), ContributorRole.AUTHOR),),
            holders=((PartyRef(party_id=ann.id), "author", Decimal("100"), "all"),),
            external_id="S1",
        ),
    )
    _import(reg, CSV, "a" * 64)
    _import(reg, CSV2, "b" * 64)
    svc.declare_terms(
        SYSTEM,
        party_id=ann.id,
        statuses={Purpose.AI_TRAIN: Status.LICENCE, Purpose.SEARCH: Status.ALLOWED},
        effective_from=datetime(2026, 2, 1, tzinfo=UTC),
        attribution_required=True,
        licence_url="https://example.org/licence",
    )
    mandate = svc.create_mandate(
        SYSTEM,
        organisation_id=org.id,
        member_id=ann.id,
        purposes=[Purpose.AI_TRAIN],
        territories=["gb", "IE"],
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=datetime(2027, 1, 1, tzinfo=UTC),
        evidence="signed form 12",
    )
    svc.withdraw_mandate(SYSTEM, mandate.id)
    key_id, _ = svc.create_api_key(SYSTEM, role=Role.CREATOR, party_id=ann.id)
    svc.revoke_api_key(SYSTEM, key_id)
    with reg.uow() as uow:
        entries = list(uow.ledger.entries())
    assert all(isinstance(e, LedgerEntry) for e in entries)
    return [e for e in entries if isinstance(e, LedgerEntry)]


def _shown(e: LedgerEntry) -> list[Any]:
    payload = dict(e.payload)
    if "key_id" in payload:
        payload["key_id"] = "<key>"
    return [e.kind, canonical_json(payload).decode("utf-8")]


def test_every_event_payload_is_byte_for_byte_as_before(registry: Registry) -> None:
    got = [_shown(e) for e in _drive(registry)]
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [k for k, _ in got] == [k for k, _ in expected]
    for (kind, payload), (_, want) in zip(got, expected, strict=True):
        assert payload == want, kind
    assert registry.service.verify_ledger().ok
