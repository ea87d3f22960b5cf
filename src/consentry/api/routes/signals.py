"""Signals from the registry's terms: every carrier ``consentry signals write`` writes.

``GET /v1/works/{id}/signals/{format}`` and ``GET /v1/parties/{id}/signals/{format}`` answer
the standalone carriers (robots.txt, TDMRep, headers, meta, RSL, XMP, ai.txt) for a work's
combined terms or a party's catalogue terms. ``POST`` to the same paths with an EPUB, PDF or
image as the body answers that file with the terms written into it. Any valid key may call
them: the terms are what lookups already answer.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from consentry.api.deps import ActorDep, RegistryDep, ServiceDep
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, json_response
from consentry.limits import MAX_URL
from consentry.registry.access import Actor
from consentry.registry.service import RegistryService
from consentry.registry.terms import TermsSet
from consentry.signals.write import FORMATS, WriteOptions, write

router = APIRouter(tags=["signals"], dependencies=REQUIRE_KEY, responses=PROBLEMS)

MEDIA = {
    "robots": "text/plain; charset=utf-8",
    "tdmrep": "application/json",
    "tdmrep-policy": "application/ld+json",
    "rsl": "application/rsl+xml",
    "xmp": "application/rdf+xml",
    "html": "text/html; charset=utf-8",
    "epub": "application/epub+zip",
    "pdf": "application/pdf",
}

_URL = {"pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://", "max_length": MAX_URL}
Site = Annotated[
    str | None, Query(description="The site's origin, e.g. https://example.org", **_URL)
]
Policy = Annotated[str | None, Query(description="Where the TDMRep policy is served", **_URL)]
Licence = Annotated[str | None, Query(description="Where the RSL license.xml is served", **_URL)]
Contact = Annotated[
    str | None,
    Query(
        description="Licensing contact (e-mail or URL)", pattern=r"^[^\r\n]*$", max_length=MAX_URL
    ),
]


async def write_options(
    site_url: Site = None,
    policy_url: Policy = None,
    licence_url: Licence = None,
    contact: Contact = None,
) -> WriteOptions:
    return WriteOptions(site_url, policy_url, licence_url, contact)


Options = Annotated[WriteOptions, Depends(write_options)]


def _declared_by(
    service: RegistryService, actor: Actor, options: WriteOptions, party_id: str | None
) -> WriteOptions:
    """``options`` with the declaring party from the registry: its name (the TDMRep policy's
    ``assigner``), and its contact when none was given and the caller may see it."""
    if party_id is None:
        return options
    party = service.get_party(actor, party_id)
    contact = options.contact
    if contact is None:
        found = [c.value for k in ("email", "url") for c in party.contacts if c.kind == k]
        contact = found[0] if found else None
    return dataclasses.replace(options, assigner_name=party.name, contact=contact)


def _work_party(service: RegistryService, work_id: str) -> str | None:
    holders = service.get_work(work_id).holders
    return holders[0].party_id if holders else None


def _answer(terms: TermsSet, fmt: str, options: WriteOptions, data: bytes | None) -> Response:
    body = write(terms, fmt, options=options, data=data)
    key = fmt.strip().lower()
    media = MEDIA.get(key, "text/plain; charset=utf-8")
    if key in ("image", "c2pa"):
        media = (
            "image/png"
            if body.startswith(b"\x89PNG")
            else "application/pdf"
            if body.startswith(b"%PDF")
            else "image/jpeg"
        )
    return Response(body, media_type=media)


@router.get("/v1/signals/formats", summary="The signal formats that can be written")
def formats() -> Response:
    return json_response(
        [
            {
                "format": f.name,
                "description": f.description,
                "file": f.filename,
                "needs_input": f.needs_input,
            }
            for f in FORMATS.values()
        ]
    )


@router.get("/v1/works/{work_id}/signals/{fmt}", summary="A work's terms as a signal carrier")
def work_signal(
    work_id: str,
    fmt: str,
    service: ServiceDep,
    actor: ActorDep,
    options: Options,
) -> Response:
    opts = _declared_by(service, actor, options, _work_party(service, work_id))
    return _answer(service.work_terms(work_id), fmt, opts, None)


@router.post("/v1/works/{work_id}/signals/{fmt}", summary="Write a work's terms into a file")
async def work_signal_into(
    work_id: str,
    fmt: str,
    request: Request,
    service: ServiceDep,
    registry: RegistryDep,
    actor: ActorDep,
    options: Options,
) -> Response:
    """``async`` to read the body; the terms (a database read) and the writing (inflating
    and rewriting an EPUB, PDF or image) run in a worker thread, never on the event loop.
    ``c2pa`` signs with a certificate issued by the registry's key (``c2pa-ca.pem`` in the
    data folder is its trust anchor)."""
    data = await request.body()

    def answer() -> Response:
        opts = _declared_by(service, actor, options, _work_party(service, work_id))
        if fmt.strip().lower() == "c2pa":
            from consentry.ledger.c2pa_keys import registry_credentials

            creds = registry_credentials(registry.settings.home, now=service.clock())
            opts = dataclasses.replace(opts, c2pa=creds)
        return _answer(service.work_terms(work_id), fmt, opts, data)

    return await run_in_threadpool(answer)


@router.get("/v1/parties/{party_id}/signals/{fmt}", summary="A party's terms as a carrier")
def party_signal(
    party_id: str,
    fmt: str,
    service: ServiceDep,
    actor: ActorDep,
    options: Options,
) -> Response:
    opts = _declared_by(service, actor, options, party_id)
    return _answer(service.party_terms(party_id), fmt, opts, None)
