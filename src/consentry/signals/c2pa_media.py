"""Signed C2PA manifests in real files, through the C2PA reference library (``c2pa-python``).

Reading (:func:`read_media`): every ``cawg.training-mining`` / ``c2pa.training-mining``
assertion of every manifest in a JPEG, PNG, PDF (or any type c2pa-rs reads), each with the
validation state of its manifest as c2pa-rs reports it:

* ``trusted``: signature valid and the signer's chain ends at a configured trust anchor;
* ``signed``: signature and hashes valid, but the signer is not trusted (unknown chain);
* ``tampered``: a validation failure other than trust: the assertion's hash no longer matches
  (``assertion.hashedURI.mismatch``: its content was changed), the asset's bytes changed
  (``assertion.dataHash.mismatch``), or the claim signature fails.

A tampered assertion's restrictions still count (the restrictive direction) but its
"allowed" entries grant nothing. Writing (:func:`sign_media`): a manifest holding the
work's training-mining assertion, signed with :class:`SigningCredentials`, as an edit of the
given file (``c2pa.opened`` with the file as parent ingredient). Remote manifests and OCSP
are never fetched; no thumbnails are embedded. Memory in, memory out: no files, no network.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import c2pa as c2pa_lib

from consentry.errors import SignalError
from consentry.registry.purposes import Purpose
from consentry.signals import c2pa as cawg
from consentry.signals.c2pa_signing import SigningCredentials
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import TRAINING_MINING_LABELS, most_restrictive

MIME_BY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
SIGNABLE = ("image/jpeg", "image/png", "application/pdf")
TRUST_FAILURES = frozenset(
    {"signingCredential.untrusted", "signingCredential.ocsp.unknown", "timeStamp.untrusted"}
)
_BASE_SETTINGS: dict[str, Any] = {
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_trust": True},
    "builder": {"thumbnail": {"enabled": False}},
}


def media_type(data: bytes) -> str | None:
    """JPEG, PNG or PDF by their first bytes; None otherwise."""
    return next((mime for magic, mime in MIME_BY_MAGIC if data.startswith(magic)), None)


def _context(trust_anchors: bytes | None) -> c2pa_lib.Context:
    settings = dict(_BASE_SETTINGS)
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors.decode("ascii")}
    return c2pa_lib.Context.from_dict(settings)


@dataclass(frozen=True, slots=True)
class AssertionState:
    """One training-mining assertion found in a file, and how it validated."""

    manifest: str
    label: str
    state: str  # "trusted", "signed" or "tampered"
    active: bool
    failures: tuple[str, ...]
    entries: dict[str, Any]

    def to_json(self) -> dict[str, object]:
        return {
            "manifest": self.manifest,
            "label": self.label,
            "state": self.state,
            "active": self.active,
            "failures": list(self.failures),
        }


def _failures(results: dict[str, Any], key: str) -> list[dict[str, Any]]:
    part = results.get(key)
    if isinstance(part, dict):
        return [f for f in part.get("failure", []) if isinstance(f, dict)]
    return []


def assertion_states(data: bytes, *, trust_anchors: bytes | None = None) -> list[AssertionState]:
    """Every training-mining assertion in ``data`` with its validation state.

    SignalError when the file is not a JPEG, PNG or PDF or c2pa-rs cannot parse it (then
    nothing can be said: every purpose stays unknown); an empty list when the file has no
    manifest (or none with a training-mining assertion)."""
    mime = media_type(data)
    if mime is None:
        raise SignalError(
            "file is not a JPEG, PNG or PDF",
            field="in",
            value=data[:8].hex(),
            expected="a JPEG, PNG or PDF file",
        )
    try:
        with c2pa_lib.Reader(mime, io.BytesIO(data), context=_context(trust_anchors)) as reader:
            store = json.loads(reader.json())
            overall = reader.get_validation_state() or "Invalid"
            results = reader.get_validation_results() or {}
    except c2pa_lib.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "no JUMBF" in str(exc):
            return []
        raise SignalError(
            f"C2PA: the file or its manifest could not be read ({exc})",
            field="in",
            value=mime,
            expected=f"a well-formed {mime} file",
        ) from None
    active = store.get("active_manifest")
    active_failures = [
        f for f in _failures(results, "activeManifest") if f.get("code") not in TRUST_FAILURES
    ]
    out: list[AssertionState] = []
    for label, manifest in (store.get("manifests") or {}).items():
        if not isinstance(manifest, dict):
            continue
        for assertion in manifest.get("assertions", []):
            name = str(assertion.get("label", ""))
            if name.split("__")[0] not in TRAINING_MINING_LABELS:
                continue
            is_active = label == active
            if is_active:
                mine = [f for f in active_failures if str(f.get("url", "")).endswith("/" + name)]
                failures = mine or active_failures
                trusted = "trusted" if overall == "Trusted" else "signed"
                state = "tampered" if failures else trusted
            else:  # an ingredient's manifest: validated when it was ingested
                failures = []
                state = "signed"
            data_map = assertion.get("data")
            out.append(
                AssertionState(
                    str(label),
                    name,
                    state,
                    is_active,
                    tuple(f"{f.get('code')}: {f.get('explanation', '')}" for f in failures),
                    data_map if isinstance(data_map, dict) else {},
                )
            )
    return out


def read_media(
    data: bytes,
    *,
    source: str = "<memory>",
    agent: str = "*",
    trust_anchors: bytes | None = None,
) -> ParsedSignal:
    """The CAWG training-mining decisions a signed file carries; never raises for content."""
    diags: list[str] = []
    try:
        states = assertion_states(data, trust_anchors=trust_anchors)
    except SignalError as exc:
        return ParsedSignal(Carrier.C2PA, source, {}, (str(exc),), agent=agent)
    if not states:
        diags.append("no C2PA manifest with a training-mining assertion")
    out: dict[Purpose, SignalStatus] = {}
    for st in states:
        diags.append(
            f"{st.label} in {st.manifest or 'the manifest'}: {st.state}"
            + (f" ({'; '.join(st.failures)})" if st.failures else "")
        )
        found: list[str] = []
        entries = cawg.find_entry_maps(st.entries, found)
        diags.extend(found)
        for entry_map in entries:
            for p, s in cawg.statuses(entry_map, diags).items():
                if st.state == "tampered" and s is SignalStatus.ALLOWED:
                    diags.append(f"{p.value} allowed by a tampered assertion: not counted")
                    continue
                out[p] = most_restrictive(out.get(p, SignalStatus.UNKNOWN), s)
    return ParsedSignal(Carrier.C2PA, source, out, tuple(diags), agent=agent)


def sign_media(
    data: bytes,
    assertion: dict[str, Any],
    credentials: SigningCredentials,
    *,
    title: str = "consentry",
    generator_version: str = "0",
) -> bytes:
    """``data`` (JPEG, PNG or PDF) with a signed manifest holding ``assertion`` added."""
    mime = media_type(data)
    if mime not in SIGNABLE:
        raise SignalError(
            "C2PA manifests are written into JPEG, PNG and PDF files",
            field="in",
            value=data[:8].hex(),
            expected="a JPEG, PNG or PDF file",
        )
    manifest = {
        "claim_generator_info": [{"name": "consentry", "version": generator_version}],
        "title": title,
        "assertions": [assertion],
    }
    info = c2pa_lib.C2paSignerInfo(
        alg=credentials.alg.encode("ascii"),
        sign_cert=credentials.chain_pem,
        private_key=credentials.key_pem,
        ta_url=None,
    )
    out = io.BytesIO()
    try:
        with (
            c2pa_lib.Signer.from_info(info) as signer,
            c2pa_lib.Builder(manifest, context=_context(credentials.trust_anchor_pem)) as builder,
        ):
            builder.set_intent(c2pa_lib.C2paBuilderIntent.EDIT)
            builder.sign(signer, mime, io.BytesIO(data), out)
    except c2pa_lib.C2paError as exc:
        raise SignalError(
            f"C2PA signing failed: {exc}",
            field="in",
            value=mime,
            expected="a well-formed JPEG, PNG or PDF and a C2PA-conformant certificate chain",
        ) from None
    return out.getvalue()
