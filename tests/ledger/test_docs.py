"""docs/ledger.md's worked example is recomputed here, so the published formats stay true."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consentry.errors import LedgerError
from consentry.ledger.chain import canonical_json, make_entry, verify_chain
from consentry.ledger.receipts import (
    check_receipt_against_entry,
    key_id,
    load_public_key_pem,
    make_receipt,
    public_key_pem,
    verify_receipt,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"
DEMO_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DECLARATION = {
    "party_id": "p_zola",
    "work_id": "w_germinal",
    "terms": {"ai-train": "reserved", "tdm": "reserved"},
    "effective_from": "2026-11-29T03:00:00+00:00",
    "attribution_required": False,
    "licence_url": None,
    "declared_by": None,
    "mandate_id": None,
    "territory": "WORLD",
}


def blocks() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(r"<!-- check: ([\w-]+) -->\n```[a-z]*\n(.*?)\n```", text, re.S)
    return dict(found)


def test_doc_has_every_checked_block() -> None:
    assert set(blocks()) == {
        "entry-1-canonical",
        "entry-1-hash",
        "entry-2-canonical",
        "entry-2-hash",
        "public-key",
        "key-id",
        "receipt",
        "signed-message",
    }


def test_worked_example_matches_the_code() -> None:
    doc = blocks()
    e1 = make_entry(
        prev=None,
        kind="party.created",
        payload={"party_id": "p_zola", "name": "Émile Zola", "kind": "creator"},
        recorded_at="2026-11-29T03:00:00.123456Z",
        actor="admin:registry",
    )
    e2 = make_entry(
        prev=e1,
        kind="terms.declared",
        payload=DECLARATION,
        recorded_at="2026-11-29T03:00:01.000000Z",
        actor="creator:p_zola",
    )
    assert verify_chain([e1, e2]).ok
    for entry, name in ((e1, "entry-1"), (e2, "entry-2")):
        canonical = doc[f"{name}-canonical"].encode("utf-8")
        body = {
            "seq": entry.seq,
            "kind": entry.kind,
            "payload": entry.payload,
            "recorded_at": entry.recorded_at,
            "actor": entry.actor,
            "prev_hash": entry.prev_hash,
        }
        assert canonical_json(body) == canonical
        assert hashlib.sha256(canonical).hexdigest() == entry.hash == doc[f"{name}-hash"]

    receipt = make_receipt(
        declaration=DECLARATION,
        declared_by="p_zola",
        ledger_seq=e2.seq,
        ledger_hash=e2.hash,
        recorded_at=e2.recorded_at,
        registry="https://registry.example",
        signing_key=DEMO_KEY,
    )
    assert public_key_pem(DEMO_KEY).strip() == doc["public-key"]
    assert key_id(DEMO_KEY.public_key()) == doc["key-id"]
    assert json.dumps(receipt, indent=2, ensure_ascii=False) == doc["receipt"]
    unsigned = {k: v for k, v in receipt.items() if k != "signature"}
    assert canonical_json(unsigned).decode("utf-8") == doc["signed-message"]


def test_the_published_receipt_verifies_and_its_tampered_twin_does_not() -> None:
    doc = blocks()
    public = load_public_key_pem(doc["public-key"])
    receipt = json.loads(doc["receipt"])
    verify_receipt(receipt, public)
    receipt["declaration"]["terms"]["tdm"] = "allowed"
    with pytest.raises(LedgerError, match="signature does not match its content"):
        verify_receipt(receipt, public)


def test_the_published_receipt_ties_to_entry_2() -> None:
    doc = blocks()
    e2 = json.loads(doc["entry-2-canonical"])
    entry = make_entry(
        prev=make_entry(
            prev=None,
            kind="party.created",
            payload={"party_id": "p_zola", "name": "Émile Zola", "kind": "creator"},
            recorded_at="2026-11-29T03:00:00.123456Z",
            actor="admin:registry",
        ),
        kind=e2["kind"],
        payload=e2["payload"],
        recorded_at=e2["recorded_at"],
        actor=e2["actor"],
    )
    check_receipt_against_entry(json.loads(doc["receipt"]), entry)
