"""A signed C2PA manifest carrying the work's CAWG ``training-mining`` assertion (JPEG, PNG, PDF).

The assertion (CAWG training-and-data-mining 1.x, label ``cawg.training-mining``):

* ``cawg.data_mining`` <- tdm; ``cawg.ai_training`` and ``cawg.ai_generative_training``
  <- ai-train (both: consentry's ai-train is either kind); ``cawg.ai_inference`` <- ai-input.
  CAWG has no entry for ai-index or search: they are not expressed.
* ``allowed`` -> ``"allowed"``; ``reserved`` -> ``"notAllowed"``; ``licence`` ->
  ``"constrained"`` with ``constraint_info`` naming the licence URL or contact. CAWG:
  "In the absence of additional information, constrained shall be treated as equivalent to
  notAllowed", so a reader that cannot follow the licence reads a reservation.

Signed with ``WriteOptions.c2pa`` (:class:`SigningCredentials`: by default a certificate
issued by the registry's own key, see :mod:`consentry.signals.c2pa_signing`).
"""

from __future__ import annotations

from typing import Any

from consentry.errors import SignalError
from consentry.registry.purposes import Status
from consentry.registry.terms import TermsSet
from consentry.signals.purposes import CAWG_WRITE
from consentry.signals.write.options import WriteOptions, licence_urls

LABEL = "cawg.training-mining"
_USE = {Status.ALLOWED: "allowed", Status.RESERVED: "notAllowed", Status.LICENCE: "constrained"}


def assertion(terms: TermsSet, options: WriteOptions | None = None) -> dict[str, Any]:
    """The ``cawg.training-mining`` assertion for ``terms`` as c2pa-python takes it."""
    opts = options or WriteOptions()
    entries: dict[str, Any] = {}
    for purpose, keys in CAWG_WRITE.items():
        t = terms.purposes[purpose]
        entry: dict[str, Any] = {"use": _USE[t.status]}
        if t.status is Status.LICENCE:
            where = t.licence_url or next(iter(licence_urls(terms)), None) or opts.contact_url()
            entry["constraint_info"] = (
                f"only under licence: {where}" if where else "only under licence"
            )
        for key in keys:
            entries[key] = dict(entry)
    return {"label": LABEL, "data": {"entries": entries}}


def write_c2pa(data: bytes, terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    opts = options or WriteOptions()
    if opts.c2pa is None:
        raise SignalError(
            "format 'c2pa' signs a manifest: it needs signing credentials (the CLI and API "
            "use a certificate issued by the registry's key, or --c2pa-cert/--c2pa-key)",
            field="c2pa",
            value=None,
            expected="WriteOptions(c2pa=SigningCredentials(...))",
        )
    from consentry.signals.c2pa_media import sign_media

    return sign_media(data, assertion(terms, opts), opts.c2pa, title="consentry terms")
