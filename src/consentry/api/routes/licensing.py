"""Licensing: offers, schemes and opt-ins, requests, grants, revocation, ODRL/RSL exports,
credit records, and the public credits page of a model (docs/licensing.md).

Who may call what is decided by the service (``licensing/service.py``): holders and
organisations offer and opt in, developers request, the licensors' side and admins grant
and revoke, the licensee records credits; offers, schemes, exports and credits are public
reads. A model's credits page needs no key at all: it is published for anyone reading a
model card.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from consentry.api.deps import ActorDep
from consentry.api.pages import HEADERS, _page
from consentry.api.routes.common import CONFLICT, PROBLEMS, REQUIRE_KEY, json_response, reject_nul
from consentry.api.schemas_licensing import (
    CreditsIn,
    CreditsOut,
    GrantOut,
    JoinIn,
    ModelCreditsOut,
    OfferIn,
    OfferOut,
    OptInIn,
    OptInOut,
    RequestIn,
    RequestOut,
    RevokeIn,
    SchemeIn,
    SchemeOut,
    WorkCreditOut,
)
from consentry.licensing.credits import CreditRecord, model_card_json, model_card_markdown
from consentry.licensing.service import LicensingService
from consentry.licensing.terms import OfferScope, make_terms
from consentry.limits import MAX_URL


async def get_licensing(request: Request) -> LicensingService:
    service: LicensingService = request.app.state.registry.licensing
    return service


LicensingDep = Annotated[LicensingService, Depends(get_licensing)]

router = APIRouter(prefix="/v1", tags=["licensing"], dependencies=REQUIRE_KEY, responses=PROBLEMS)
# public: a model's credits page is read without a key (model cards link to it)
public = APIRouter(
    prefix="/v1", tags=["licensing"], dependencies=[Depends(reject_nul)], responses=PROBLEMS
)


# ------------------------------------------------------------------ offers
@router.post(
    "/offers",
    status_code=201,
    response_model=OfferOut,
    responses=CONFLICT,
    summary="Offer works for licensing",
)
def make_offer(body: OfferIn, actor: ActorDep, lic: LicensingDep) -> Response:
    """A work's holders, a party for its catalogue, or a scheme's organisation."""
    terms = make_terms(
        purposes=body.purposes,
        fee_model=body.fee_model,
        amount=body.amount,
        currency=body.currency,
        unit=body.unit,
        term_days=body.term_days,
        territory=body.territory,
        attribution=body.attribution,
        conditions=body.conditions,
        sub_uses=body.sub_uses,
    )
    offer = lic.make_offer(
        actor,
        scope=OfferScope(body.scope),
        subject_id=body.subject_id,
        terms=terms,
        by=body.by,
    )
    return json_response(offer.to_json(), 201)


@router.get("/offers/{offer_id}", response_model=OfferOut, summary="An offer")
def get_offer(offer_id: str, lic: LicensingDep) -> Response:
    return json_response(lic.get_offer(offer_id).to_json())


@router.get(
    "/offers/{offer_id}/odrl",
    summary="An offer as an ODRL Offer (JSON-LD)",
    responses={200: {"content": {"application/ld+json": {}}}},
)
def offer_odrl(offer_id: str, lic: LicensingDep) -> Response:
    media, body = lic.export_offer(offer_id, "odrl")
    return Response(body, media_type=media)


@router.get(
    "/offers/{offer_id}/rsl",
    summary="An offer as an RSL 1.0 license.xml",
    responses={200: {"content": {"application/rsl+xml": {}}}},
)
def offer_rsl(
    offer_id: str,
    request: Request,
    lic: LicensingDep,
    url: Annotated[str | None, Query(max_length=MAX_URL)] = None,
) -> Response:
    """``url``: the content URL it licenses (default a ``urn:consentry:`` name); the licence
    is requested at this server's ``/v1/offers/{offer_id}/requests``."""
    request_url = str(request.url_for("request_licence", offer_id=offer_id))
    media, body = lic.export_offer(offer_id, "rsl", url=url, request_url=request_url)
    return Response(body, media_type=media)


@router.post("/offers/{offer_id}/join", response_model=OfferOut, summary="Join an offer")
def join_offer(offer_id: str, body: JoinIn, actor: ActorDep, lic: LicensingDep) -> Response:
    """A further holder or creator of the offered works agrees to the offer."""
    return json_response(lic.join_offer(actor, offer_id, party_id=body.party_id).to_json())


@router.post(
    "/offers/{offer_id}/withdraw",
    response_model=OfferOut,
    responses=CONFLICT,
    summary="Withdraw an offer",
)
def withdraw_offer(offer_id: str, actor: ActorDep, lic: LicensingDep) -> Response:
    """No further requests or grants under it; grants made stand (revoke them)."""
    return json_response(lic.withdraw_offer(actor, offer_id).to_json())


@router.post(
    "/offers/{offer_id}/requests",
    status_code=201,
    response_model=RequestOut,
    responses=CONFLICT,
    summary="Request a licence under an offer",
)
def request_licence(offer_id: str, body: RequestIn, actor: ActorDep, lic: LicensingDep) -> Response:
    """A developer key requests for its own party (role ai-developer); an admin names one."""
    req = lic.request(actor, offer_id, developer_id=body.developer_id)
    return json_response(req.to_json(), 201)


# ------------------------------------------------------------------ grants
@router.post(
    "/requests/{request_id}/grant",
    status_code=201,
    response_model=GrantOut,
    responses=CONFLICT,
    summary="Grant a licence request",
)
def grant(request_id: str, actor: ActorDep, lic: LicensingDep) -> Response:
    """The licensors' side or an admin; the answer holds the signed licence document."""
    return json_response(lic.grant(actor, request_id).to_json(), 201)


@router.get("/grants/{grant_id}", response_model=GrantOut, summary="A grant")
def get_grant(grant_id: str, actor: ActorDep, lic: LicensingDep) -> Response:
    """For the licensee, the licensors' side and admins."""
    return json_response(lic.get_grant(actor, grant_id).to_json())


@router.post(
    "/grants/{grant_id}/revoke", response_model=GrantOut, responses=CONFLICT, summary="Revoke"
)
def revoke(
    grant_id: str, actor: ActorDep, lic: LicensingDep, body: RevokeIn | None = None
) -> Response:
    reason = body.reason if body is not None else None
    return json_response(lic.revoke(actor, grant_id, reason=reason).to_json())


@router.post(
    "/grants/{grant_id}/credits",
    status_code=201,
    response_model=CreditsOut,
    responses=CONFLICT,
    summary="Record the model a grant's works went into",
)
def record_credits(grant_id: str, body: CreditsIn, actor: ActorDep, lic: LicensingDep) -> Response:
    """The licensee: one signed attribution record per work (idempotent per model and period)."""
    records = lic.record_credits(actor, grant_id, model=body.model, period=body.period)
    return json_response({"items": [r.to_json() for r in records]}, 201)


# ------------------------------------------------------------------ schemes
@router.post("/schemes", status_code=201, response_model=SchemeOut, summary="Create a scheme")
def create_scheme(body: SchemeIn, actor: ActorDep, lic: LicensingDep) -> Response:
    """An organisation, for itself (or an admin)."""
    scheme = lic.create_scheme(
        actor, organisation_id=body.organisation_id, name=body.name, purposes=body.purposes
    )
    return json_response(scheme.to_json(), 201)


@router.get("/schemes/{scheme_id}", response_model=SchemeOut, summary="A scheme")
def get_scheme(scheme_id: str, lic: LicensingDep) -> Response:
    return json_response(lic.get_scheme(scheme_id).to_json())


@router.post(
    "/schemes/{scheme_id}/opt-ins",
    status_code=201,
    response_model=OptInOut,
    summary="Opt a work into a scheme",
)
def opt_in(scheme_id: str, body: OptInIn, actor: ActorDep, lic: LicensingDep) -> Response:
    """Per work and per purpose; a creator for itself, an organisation for mandated members."""
    done = lic.opt_in(
        actor, scheme_id, work_id=body.work_id, purposes=body.purposes, party_id=body.party_id
    )
    return json_response({"items": [o.to_json() for o in done]}, 201)


@router.post(
    "/schemes/{scheme_id}/opt-outs",
    status_code=201,
    response_model=OptInOut,
    summary="Take a work out of a scheme",
)
def opt_out(scheme_id: str, body: OptInIn, actor: ActorDep, lic: LicensingDep) -> Response:
    """Per work and per purpose (default: every purpose); grants already made stand."""
    done = lic.opt_out(
        actor, scheme_id, work_id=body.work_id, purposes=body.purposes, party_id=body.party_id
    )
    return json_response({"items": [o.to_json() for o in done]}, 201)


# ------------------------------------------------------------------ credits
@router.get(
    "/works/{work_id}/credits", response_model=WorkCreditOut, summary="Credit a work requires"
)
def work_credit(work_id: str, lic: LicensingDep) -> Response:
    return json_response(lic.work_credit(work_id))


def render_credits(model: str, records: list[CreditRecord]) -> str:
    """The public credits page of a model (every value escaped)."""
    rows = "".join(
        f"<li>{escape(r.credit_line)} <small>({escape(r.period)}; licence "
        f"<code>{escape(r.grant_id)}</code>; ledger entry {r.ledger_seq})</small></li>\n"
        for r in sorted(records, key=lambda r: (r.period, r.credit_line, r.work_id))
    )
    body = (
        f"<h1>Credits: {escape(model)}</h1>\n"
        '<p class="tagline">Works licensed through this registry that went into this model, '
        "credited as their licences require.</p>\n"
        + (f"<ul>\n{rows}</ul>\n" if rows else "<p>No credits recorded.</p>\n")
        + "<p>Each line is an attribution record signed by this registry and written to its "
        "ledger.</p>\n"
    )
    return _page(f"Credits: {model}", body)


@public.get(
    "/models/{name:path}/credits.html",
    response_class=HTMLResponse,
    summary="A model's credits page (HTML)",
)
async def model_credits_html(name: str, lic: LicensingDep) -> Response:
    records = await run_in_threadpool(lic.model_credits, name)
    return HTMLResponse(render_credits(name, records), headers=HEADERS)


@public.get(
    "/models/{name:path}/credits.md",
    response_class=PlainTextResponse,
    summary="A model's credits for its model card (Markdown)",
    responses={200: {"content": {"text/markdown": {}}}},
)
async def model_credits_markdown(name: str, lic: LicensingDep) -> Response:
    records = await run_in_threadpool(lic.model_credits, name)
    return Response(model_card_markdown(name, records), media_type="text/markdown")


@public.get(
    "/models/{name:path}/credits",
    response_model=ModelCreditsOut,
    summary="A model's credits (JSON; HTML or Markdown by Accept)",
    responses={200: {"content": {"text/html": {}, "text/markdown": {}}}},
)
async def model_credits(name: str, request: Request, lic: LicensingDep) -> Response:
    records = await run_in_threadpool(lic.model_credits, name)
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return HTMLResponse(render_credits(name, records), headers=HEADERS)
    if "text/markdown" in accept:
        return Response(model_card_markdown(name, records), media_type="text/markdown")
    return json_response(model_card_json(name, records))
