"""A campaign's evidence bundle: one zip that proves what was sent, to whom, under which
mandates, what the servers replied and what came back, verifiable offline.

Layout::

    manifest.json         format, campaign, every other file with its SHA-256 and size
    manifest.sig          Ed25519 signature of manifest.json's bytes (base64), registry key
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

:func:`verify_bundle` checks the signature and then every file's bytes; the first file
whose bytes do not match is named.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from consentry.errors import LedgerError, ValidationError
from consentry.notices.outbox import Outbox
from consentry.notices.service import NoticeService
from consentry.registry.access import Actor

FORMAT = "consentry-notices-evidence/1"


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


def write_bundle(
    service: NoticeService,
    outbox: Outbox,
    actor: Actor,
    campaign_id: str,
    out: Path,
    *,
    sign: Callable[[bytes], bytes],
    public_key_pem: str,
    registry: str,
) -> dict[str, Any]:
    files = bundle_files(service, outbox, actor, campaign_id)
    manifest = {
        "format": FORMAT,
        "registry": registry,
        "campaign_id": campaign_id,
        "created_at": service.clock().isoformat(),
        "files": [
            {"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
            for p, d in sorted(files.items())
        ],
    }
    body = _json(manifest)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", body)
        z.writestr("manifest.sig", base64.b64encode(sign(body)) + b"\n")
        z.writestr("public-key.pem", public_key_pem)
        for path, data in sorted(files.items()):
            z.writestr(path, data)
    tmp.replace(out)
    notices = {p.split("/")[1] for p in files if p.startswith("notices/")}
    return {
        "files": len(files) + 3,
        "notices": len(notices),
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
    }


def verify_bundle(path: Path, public_key_pem: str | None = None) -> dict[str, Any]:
    """Check the manifest's signature (with ``public_key_pem``, else the bundle's own key)
    and every file's bytes. Raises LedgerError naming the first file that does not match."""
    from cryptography.exceptions import InvalidSignature

    from consentry.ledger.receipts import load_public_key_pem

    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ValidationError(
            f"{path} is not a zip file: {exc}",
            field="FILE",
            value=str(path),
            expected="an evidence bundle (.zip)",
        ) from None
    with z:
        names = set(z.namelist())
        for needed in ("manifest.json", "manifest.sig", "public-key.pem"):
            if needed not in names:
                raise LedgerError(f"{path}: {needed} is missing", file=needed)
        body = z.read("manifest.json")
        key = load_public_key_pem(public_key_pem or z.read("public-key.pem").decode())
        try:
            key.verify(base64.b64decode(z.read("manifest.sig")), body)
        except (InvalidSignature, ValueError):
            raise LedgerError(
                f"{path}: manifest.json does not match its signature", file="manifest.json"
            ) from None
        manifest = json.loads(body)
        for entry in manifest["files"]:
            if entry["path"] not in names:
                raise LedgerError(f"{path}: {entry['path']} is missing", file=entry["path"])
            got = hashlib.sha256(z.read(entry["path"])).hexdigest()
            if got != entry["sha256"]:
                raise LedgerError(
                    f"{path}: {entry['path']} has SHA-256 {got}, the manifest says "
                    f"{entry['sha256']}",
                    file=entry["path"],
                )
        extra = (
            names
            - {e["path"] for e in manifest["files"]}
            - {"manifest.json", "manifest.sig", "public-key.pem"}
        )
        if extra:
            first = sorted(extra)[0]
            raise LedgerError(f"{path}: {first} is not in the manifest", file=first)
    return {
        "campaign_id": manifest["campaign_id"],
        "files": len(manifest["files"]),
        "format": manifest["format"],
    }
