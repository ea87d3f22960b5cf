"""Removal requests: one per work x developer of a ``removal`` campaign (issue 11).

A request asks the developer to remove the work and its derivations from its targets. Its
state moves ``requested`` -> ``acknowledged`` -> ``confirmed`` (the developer's evidence
attached: a removal manifest from ``consentry filter`` and a rescan report from
``consentry scan``) -> ``verified`` (consentry re-checked that evidence: the manifest names
the work, the rescan found nothing of it); ``disputed`` from any state but ``requested``'s
successors may be reopened by new evidence (``disputed`` -> ``confirmed``).

Pure: evidence arrives as bytes; :func:`check_evidence` says what it shows for one work.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from consentry.errors import Conflict, ValidationError
from consentry.registry.choices import parse_choice

TARGETS = ("dataset", "model", "retrieval-index")
DERIVATIONS = ("excerpts", "translations", "adaptations")
SCAN_REPORT_FORMAT = "consentry-scan-report/1"  # scan/report.py REPORT_FORMAT


class RemovalState(StrEnum):
    REQUESTED = "requested"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    VERIFIED = "verified"
    DISPUTED = "disputed"

    @classmethod
    def parse(cls, value: str) -> RemovalState:
        return parse_choice(cls, value, field="state", label="removal state")


_NEXT: dict[RemovalState, frozenset[RemovalState]] = {
    RemovalState.REQUESTED: frozenset(
        {RemovalState.ACKNOWLEDGED, RemovalState.CONFIRMED, RemovalState.DISPUTED}
    ),
    RemovalState.ACKNOWLEDGED: frozenset({RemovalState.CONFIRMED, RemovalState.DISPUTED}),
    RemovalState.CONFIRMED: frozenset({RemovalState.VERIFIED, RemovalState.DISPUTED}),
    RemovalState.DISPUTED: frozenset({RemovalState.CONFIRMED, RemovalState.ACKNOWLEDGED}),
    RemovalState.VERIFIED: frozenset({RemovalState.DISPUTED}),
}


def check_transition(current: RemovalState, new: RemovalState, request_id: str) -> None:
    if new not in _NEXT[current]:
        allowed = ", ".join(sorted(s.value for s in _NEXT[current]))
        raise Conflict(
            f"removal request {request_id} is {current.value}; it can become {allowed}, "
            f"not {new.value}",
            request=request_id,
            state=current.value,
            expected=allowed,
        )


@dataclass(frozen=True, slots=True)
class RemovalRequest:
    id: str
    campaign_id: str
    notice_id: str | None
    work_id: str
    developer_id: str
    state: RemovalState
    targets: tuple[str, ...]
    derivations: tuple[str, ...]
    opened_at: datetime
    updated_at: datetime

    def to_json(self, evidence: Sequence[Evidence] = ()) -> dict[str, Any]:
        return {
            "removal_id": self.id,
            "campaign_id": self.campaign_id,
            "notice_id": self.notice_id,
            "work_id": self.work_id,
            "developer_id": self.developer_id,
            "state": self.state.value,
            "targets": list(self.targets),
            "derivations": list(self.derivations),
            "opened_at": self.opened_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "evidence": [e.to_json() for e in evidence],
        }


class EvidenceKind(StrEnum):
    REMOVAL_MANIFEST = "removal-manifest"  # consentry filter's _removals.jsonl
    SCAN_REPORT = "scan-report"  # consentry scan --report JSON
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Evidence:
    name: str
    sha256: str
    kind: EvidenceKind
    added_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "kind": self.kind.value,
            "added_at": self.added_at.isoformat(),
        }


def evidence_kind(data: bytes) -> EvidenceKind:
    """What a file is: a scan report (one JSON object of the scan report format), a removal
    manifest (JSON lines, each a removal with ``doc`` and ``reason``), or something else."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return EvidenceKind.OTHER
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and doc.get("format") == SCAN_REPORT_FORMAT:
        return EvidenceKind.SCAN_REPORT
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        rows = [json.loads(line) for line in lines]
    except json.JSONDecodeError:
        return EvidenceKind.OTHER
    if rows and all(isinstance(r, dict) and "doc" in r and "reason" in r for r in rows):
        return EvidenceKind.REMOVAL_MANIFEST
    return EvidenceKind.OTHER


def manifest_names(data: bytes, work_id: str) -> int:
    """How many removals of a removal manifest name ``work_id``."""
    rows = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    return sum(1 for r in rows if r.get("work") == work_id)


def report_finds(data: bytes, work_id: str) -> tuple[int, int]:
    """(documents the rescan read, documents in which it found ``work_id``)."""
    doc = json.loads(data)
    read = int(doc.get("corpus", {}).get("documents", 0))
    found = next((w for w in doc.get("works", []) if w.get("work") == work_id), None)
    return read, int(found.get("documents", 1)) if found else 0


def check_evidence(work_id: str, files: Sequence[tuple[EvidenceKind, str, bytes]]) -> None:
    """Raise :class:`ValidationError` unless ``files`` (kind, name, bytes) show the work was
    removed: a removal manifest naming it and a rescan report that read documents and found
    nothing of it (the newest report given counts: after a failed rescan the developer
    cleans again and sends a new one)."""
    manifests = [(n, d) for k, n, d in files if k is EvidenceKind.REMOVAL_MANIFEST]
    reports = [(n, d) for k, n, d in files if k is EvidenceKind.SCAN_REPORT]
    if not any(manifest_names(d, work_id) for _, d in manifests):
        names = ", ".join(n for n, _ in manifests) or "none given"
        raise ValidationError(
            f"no removal manifest names work {work_id} (manifests: {names})",
            field="evidence",
            value=work_id,
            expected="a consentry filter removal manifest (_removals.jsonl) naming the work",
        )
    if not reports:
        raise ValidationError(
            f"no rescan report for work {work_id}",
            field="evidence",
            value=work_id,
            expected="a consentry scan --report JSON of the cleaned corpus",
        )
    name, data = reports[-1]  # the newest rescan counts: a developer may clean again
    read, found = report_finds(data, work_id)
    if found or not read:
        why = f"found it in {found} documents" if found else "read no documents"
        raise ValidationError(
            f"rescan report {name} {why}, expected a rescan that read the corpus and "
            f"found nothing of work {work_id}",
            field="evidence",
            value=name,
            expected="a rescan that found nothing of the work",
        )
