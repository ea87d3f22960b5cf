"""A campaign's evidence bundle: one zip that proves what was sent, to whom, under which
mandates, what the servers replied and what came back, verifiable offline.

Layout::

    manifest.json         consentry-evidence/1 (ledger/evidence.py): every other file with
                          its SHA-256 and size; metadata {format, campaign_id, kind, ...}
    manifest.sig          Ed25519 signature of manifest.json's bytes, by the registry key
    public-key.pem        the registry's public key (check it against one you trust)
    campaign.json         the campaign, its notices' states, members relied on, exclusions
    mandates.json         the mandates relied on, as recorded
    attachments/          works.csv, works.json, policy.odrl.json (the repertoire snapshot)
    notices/ID/N.eml      every message as sent (N = 0 the notice, 1.. follow-ups)
    notices/ID/notice.pdf the PDF the notice carried
    smtp.json             per message: attempts, SMTP reply, times
    events.json           every notice's history
    ledger.json           the ledger entries of the campaign (seq, hashes, payloads)
    answers.json, answers/ID/FILE   developers' answers and their files

``consentry evidence verify FILE.zip`` (``ledger.evidence.verify_bundle``) checks the
signature and then every file's bytes offline, naming the first file that does not match.
"""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes, policy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consentry.ledger.evidence import EvidenceBundleBuilder
from consentry.notices.outbox import Outbox
from consentry.notices.service import NoticeService
from consentry.registry.access import Actor

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = "consentry-notices/1"  # the bundle's metadata.format: what the files are


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _pdf_of(eml: bytes) -> bytes | None:
    msg = message_from_bytes(eml, policy=policy.default)
    for part in msg.walk():
        if part.get_content_type() == "application/pdf":
            data = part.get_payload(decode=True)
            return data if isinstance(data, bytes) else None
    return None


def bundle_files(
    service: NoticeService, outbox: Outbox, actor: Actor, campaign_id: str
) -> dict[str, bytes]:
    rec = service.evidence_records(actor, campaign_id)
    c = rec["campaign"]
    files: dict[str, bytes] = {
        "campaign.json": _json(c),
        "mandates.json": _json(rec["mandates"]),
        "smtp.json": _json(rec["messages"]),
        "events.json": _json(rec["events"]),
        "ledger.json": _json(rec["ledger"]),
        "answers.json": _json(rec["answers"]),
    }
    attachments = outbox.read_attachments(campaign_id, c["attachments"])
    for name, _, data in attachments.items():
        files[f"attachments/{name}"] = data
    for m in rec["messages"]:
        eml = outbox.read_message(campaign_id, m["message_id"], m["eml_sha256"])
        files[f"notices/{m['notice_id']}/{m['number']}.eml"] = eml
        pdf = _pdf_of(eml) if m["number"] == 0 else None
        if pdf:
            files[f"notices/{m['notice_id']}/notice.pdf"] = pdf
    for (answer_id, name), data in rec["answer_files"].items():
        files[f"answers/{answer_id}/{name}"] = data
    return files


def build_bundle(
    service: NoticeService,
    outbox: Outbox,
    actor: Actor,
    campaign_id: str,
    *,
    signer: Ed25519PrivateKey,
    registry: str,
) -> tuple[bytes, dict[str, Any]]:
    """The bundle's bytes in the registry's evidence format (``ledger/evidence.py``,
    ``consentry-evidence/1``): the files above, a signed manifest, the public key; and its
    summary (files, notices, SHA-256)."""
    files = bundle_files(service, outbox, actor, campaign_id)
    c = service.campaign(actor, campaign_id)
    builder = EvidenceBundleBuilder(
        created_at=service.clock(),
        registry=registry,
        metadata={
            "format": FORMAT,
            "campaign_id": campaign_id,
            "kind": c.kind.value,
            "organisation_id": c.organisation_id,
        },
    )
    for path, data in sorted(files.items()):
        builder.add_file(path, data)
    data = builder.build(signer)
    notices = {p.split("/")[1] for p in files if p.startswith("notices/")}
    summary = {
        "files": len(files),
        "notices": len(notices),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return data, summary


def write_bundle(
    service: NoticeService,
    outbox: Outbox,
    actor: Actor,
    campaign_id: str,
    out: Path,
    *,
    signer: Ed25519PrivateKey,
    registry: str,
) -> dict[str, Any]:
    """Write :func:`build_bundle`'s bytes to ``out`` (a temporary name, then renamed)."""
    data, summary = build_bundle(
        service, outbox, actor, campaign_id, signer=signer, registry=registry
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return summary
