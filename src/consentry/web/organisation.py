"""The organisation's area (``/organisation``): members and their mandates (list, bulk import
of the mandates CSV, withdraw), campaigns of notices (``organisation_campaigns.py``),
removal requests and collective-licensing schemes.

Pages call the services the API and the command line call, with the signed-in user's actor
(``registry/access.py``): the mandates file goes through ``import_mandates_file`` (the
importer of ``consentry mandates import``: whole file or nothing, the same file again a
no-op), a withdrawal through ``withdraw_mandate``, and so on.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from consentry.errors import ConsentryError, ImportRejected
from consentry.web.organisation_campaigns import router as campaigns_router
from consentry.web.organisation_views import (
    MAX_UPLOAD,
    OrgUser,
    mandate_row,
    organisation_of,
    registry_of,
    when,
)
from consentry.web.session import WebUser, read_form
from consentry.web.templating import redirect, render

router = APIRouter(prefix="/organisation")


@router.get("", name="organisation_home")
def home(request: Request, user: OrgUser) -> HTMLResponse:
    reg = registry_of(request)
    now = reg.service.clock()
    mandates = reg.service.mandates_with_names(user.actor, organisation_of(user))
    listed = reg.notices().campaigns(user.actor)
    return render(
        request,
        "organisation/home.html",
        members=len({m.member_id for m, _ in mandates}),
        in_force=sum(1 for m, _ in mandates if m.in_force(now)),
        campaigns=len(listed),
        organisation=reg.service.get_party(user.actor, organisation_of(user)),
    )


# ---------------------------------------------------------------------- members
def _members_page(
    request: Request,
    user: WebUser,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    rejects: list[tuple[int, str]] | None = None,
    report: dict[str, Any] | None = None,
) -> HTMLResponse:
    reg = registry_of(request)
    now = reg.service.clock()
    rows = [
        mandate_row(m, name, now)
        for m, name in reg.service.mandates_with_names(user.actor, organisation_of(user))
    ]
    return render(
        request,
        "organisation/members.html",
        status_code=status,
        mandates=rows,
        errors=errors or {},
        rejects=rejects or [],
        report=report,
    )


@router.get("/members", name="organisation_members")
def members(request: Request, user: OrgUser) -> HTMLResponse:
    return _members_page(request, user)


def _import(request: Request, user: WebUser, data: bytes, filename: str) -> dict[str, Any]:
    from consentry.registry.membercsv import parse_mandates_csv
    from consentry.registry.service_members import ImportSource

    records = parse_mandates_csv(data, filename=filename)
    source = ImportSource(filename, hashlib.sha256(data).hexdigest(), "mandates-csv")
    report = registry_of(request).service.import_mandates_file(
        user.actor, records, organisation_id=organisation_of(user), source=source
    )
    return report.to_json()


@router.post("/members/import", name="organisation_members_import")
async def members_import(request: Request, user: OrgUser) -> Response:
    """Upload the mandates CSV: every record valid, or nothing stored and each bad record
    listed with its number."""
    form = await read_form(request)
    upload = form.get("file")
    try:
        data = await upload.read(MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else b""
    finally:
        await form.close()  # the upload's temporary file
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = {"file": "Choose the mandates CSV file to upload."}
        return await run_in_threadpool(_members_page, request, user, status=422, errors=errors)
    if len(data) > MAX_UPLOAD:
        errors = {"file": f"The file is larger than {MAX_UPLOAD // (1024 * 1024)} MB."}
        return await run_in_threadpool(_members_page, request, user, status=422, errors=errors)
    try:
        report = await run_in_threadpool(_import, request, user, data, upload.filename)
    except ImportRejected as exc:
        errors = {"file": exc.message}
        return await run_in_threadpool(
            _members_page, request, user, status=422, errors=errors, rejects=exc.rejects
        )
    except ConsentryError as exc:
        if exc.status == 403:
            raise
        errors = {"file": exc.message}
        return await run_in_threadpool(_members_page, request, user, status=422, errors=errors)
    return await run_in_threadpool(_members_page, request, user, report=report)


@router.get("/mandates/{mandate_id}/withdraw", name="organisation_mandate_confirm")
def mandate_confirm(request: Request, mandate_id: str, user: OrgUser) -> HTMLResponse:
    """Withdrawing is not undone: the page says what it ends and asks to confirm."""
    from consentry.errors import NotFound

    reg = registry_of(request)
    now = reg.service.clock()
    for m, name in reg.service.mandates_with_names(user.actor, organisation_of(user)):
        if m.id == mandate_id and m.withdrawn_at is None:
            return render(
                request, "organisation/mandate_withdraw.html", mandate=mandate_row(m, name, now)
            )
    raise NotFound("mandate", mandate_id)


@router.post("/mandates/{mandate_id}/withdraw", name="organisation_mandate_withdraw")
async def mandate_withdraw(request: Request, mandate_id: str, user: OrgUser) -> Response:
    await read_form(request)
    m = await run_in_threadpool(
        registry_of(request).service.withdraw_mandate, user.actor, mandate_id
    )
    return redirect(request, "/organisation/members", flash=f"Mandate {m.id} withdrawn.")


# ---------------------------------------------------------------------- removals
def _removals(request: Request, user: WebUser, campaign: str | None) -> list[dict[str, Any]]:
    from consentry.notices.service_removals import visible_removals

    with registry_of(request).uow() as uow:
        items: list[dict[str, Any]] = visible_removals(uow, user.actor, campaign)
    return items


def _removals_page(
    request: Request, user: WebUser, error: str | None = None, status: int = 200
) -> HTMLResponse:
    items = _removals(request, user, request.query_params.get("campaign") or None)
    for i in items:
        i["opened"], i["updated"] = when(i["opened_at"]), when(i["updated_at"])
    counts: dict[str, int] = {}
    for i in items:
        counts[i["state"]] = counts.get(i["state"], 0) + 1
    return render(
        request,
        "organisation/removals.html",
        status_code=status,
        removals=items,
        counts=sorted(counts.items()),
        error=error,
    )


@router.get("/removals", name="organisation_removals")
def removals(request: Request, user: OrgUser) -> HTMLResponse:
    return _removals_page(request, user)


def _move_removal(request: Request, user: WebUser, removal_id: str, state: str) -> None:
    from consentry.notices.removals import RemovalState
    from consentry.notices.service_removals import update_removal

    reg = registry_of(request)
    wanted = RemovalState.parse(state)
    with reg.uow(write=True) as uow:
        now = uow.ledger.locked_now(reg.service.clock)
        update_removal(uow, removal_id, wanted, [], now=now, actor=user.actor.label, who=user.actor)
        uow.commit()


@router.post("/removals/{removal_id}/state", name="organisation_removal_state")
async def removal_state(request: Request, removal_id: str, user: OrgUser) -> Response:
    """The organisation's moves: have consentry verify the developer's evidence, or
    dispute it (the service refuses any other)."""
    form = await read_form(request)
    try:
        state = str(form.get("state") or "")
        await run_in_threadpool(_move_removal, request, user, removal_id, state)
    except ConsentryError as exc:
        if exc.status in (403, 404):
            raise
        return await run_in_threadpool(_removals_page, request, user, exc.message, 422)
    return redirect(
        request, "/organisation/removals", flash=f"Removal request {removal_id} updated."
    )


# ---------------------------------------------------------------------- schemes
@router.get("/schemes", name="organisation_schemes")
def schemes(request: Request, user: OrgUser) -> HTMLResponse:
    """The collective-licensing schemes the organisation runs and the works opted in."""
    reg = registry_of(request)
    found = reg.licensing.schemes_of(user.actor, organisation_of(user))
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "purposes": ", ".join(p.value for p in s.purposes),
            "created": when(s.created_at),
            "opt_ins": [
                {
                    "work_id": o.work_id,
                    "party_id": o.party_id,
                    "purposes": ", ".join(p.value for p in o.purposes),
                    "since": when(o.at),
                }
                for o in opted
            ],
        }
        for s, opted in found
    ]
    return render(request, "organisation/schemes.html", schemes=rows)


# ---------------------------------------------------------------------- distributions
@router.get("/distributions", name="organisation_distributions")
def distributions(request: Request, user: OrgUser) -> HTMLResponse:
    """The closed distributions that paid or carried for members, each with a chart of what
    each member was paid."""
    from consentry.web.charts import bar_chart

    runs = registry_of(request).accounting.member_distributions(user.actor, organisation_of(user))
    for run in runs:
        run["closed"] = when(run["closed_at"])
        run["chart"] = bar_chart(
            [(m["name"], m["paid"]) for m in run["members"] if m["paid"]],
            title=f"Paid to members for {run['period']} ({run['currency']})",
            description=f"Distribution {run['run_id']}: the amount paid to each member.",
            unit=run["currency"],
            ident=f"paid-{run['run_id']}",
            empty="No member was paid in this distribution (amounts carried forward only).",
        )
    return render(request, "organisation/distributions.html", runs=runs)


router.include_router(campaigns_router)
