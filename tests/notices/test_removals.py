"""Removal requests, pure: state moves and what evidence shows (issue 11)."""

from __future__ import annotations

import json

import pytest

from consentry.errors import Conflict, ValidationError
from consentry.notices.removals import (
    EvidenceKind,
    RemovalState,
    check_evidence,
    check_transition,
    evidence_kind,
)

MANIFEST = (json.dumps({"doc": "d1", "work": "w1", "reason": "match: copy"}) + "\n").encode()
CLEAN = json.dumps(
    {"format": "consentry-scan-report/1", "corpus": {"documents": 3}, "works": []}
).encode()
EMPTY = json.dumps(
    {"format": "consentry-scan-report/1", "corpus": {"documents": 0}, "works": []}
).encode()


def test_states_move_forward_and_disputes_reopen() -> None:
    s = RemovalState
    check_transition(s.REQUESTED, s.ACKNOWLEDGED, "r1")
    check_transition(s.ACKNOWLEDGED, s.CONFIRMED, "r1")
    check_transition(s.CONFIRMED, s.VERIFIED, "r1")
    check_transition(s.VERIFIED, s.DISPUTED, "r1")
    check_transition(s.DISPUTED, s.CONFIRMED, "r1")
    for current, new in (
        (s.REQUESTED, s.VERIFIED),
        (s.VERIFIED, s.REQUESTED),
        (s.ACKNOWLEDGED, s.ACKNOWLEDGED),
    ):
        with pytest.raises(Conflict, match=f"is {current.value}; it can become"):
            check_transition(current, new, "r1")


def test_evidence_kinds() -> None:
    assert evidence_kind(MANIFEST) is EvidenceKind.REMOVAL_MANIFEST
    assert evidence_kind(CLEAN) is EvidenceKind.SCAN_REPORT
    assert evidence_kind(b"%PDF-1.7") is EvidenceKind.OTHER
    assert evidence_kind(b"\xff\xfe") is EvidenceKind.OTHER
    assert evidence_kind(b'{"format": "other"}') is EvidenceKind.OTHER


def test_verification_needs_a_manifest_naming_the_work_and_a_rescan_finding_nothing() -> None:
    m = (EvidenceKind.REMOVAL_MANIFEST, "_removals.jsonl", MANIFEST)
    clean = (EvidenceKind.SCAN_REPORT, "rescan.json", CLEAN)
    check_evidence("w1", [m, clean])
    with pytest.raises(ValidationError, match="no removal manifest names work w2"):
        check_evidence("w2", [m, clean])
    with pytest.raises(ValidationError, match="no rescan report for work w1"):
        check_evidence("w1", [m])
    with pytest.raises(ValidationError, match="read no documents"):
        check_evidence("w1", [m, (EvidenceKind.SCAN_REPORT, "empty.json", EMPTY)])
