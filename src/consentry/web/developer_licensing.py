"""The developer's licences and usage: offers open to request (request one with a button),
the developer's requests and grants with their states, and usage-report upload.

The licensing service requests and lists (``request``, ``open_offers``,
``developer_licences``); a usage report is parsed by ``accounting.usage.parse_report`` and
stored by ``AccountingService.import_usage``, as ``POST /v1/usage`` does: whole or nothing,
each invalid record shown with its number, column, value and what was expected.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from consentry.accounting.usage import COLUMNS, ParsedReport, parse_report
from consentry.bootstrap import Registry
from consentry.errors import ConsentryError, ImportRejected, ValidationError
from consentry.registry.access import Role
from consentry.web.session import WebUser, read_form, require_role
from consentry.web.templating import redirect, render

DeveloperDep = Annotated[WebUser, Depends(require_role(Role.DEVELOPER))]

router = APIRouter(include_in_schema=False)


def _registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


# ------------------------------------------------------------------ licences
def _licences_page(
    request: Request, user: WebUser, *, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    lic = _registry(request).licensing
    offers = lic.open_offers()
    names = lic.subject_names(offers)
    mine = lic.developer_licences(user.actor)
    requested = {r.offer_id for r in mine.requests}
    grants = {g.request_id: state for g, state in mine.grants}
    return render(
        request,
        "developer/licences.html",
        status_code=status_code,
        offers=offers,
        names=names,
        requested=requested,
        requests=mine.requests,
        grant_states=grants,
        grants=mine.grants,
        error=error,
    )


@router.get("/licences", response_class=HTMLResponse)
def licences(request: Request, user: DeveloperDep) -> HTMLResponse:
    return _licences_page(request, user)


@router.post("/licences/request", response_model=None)
async def request_licence(request: Request, user: DeveloperDep) -> Response:
    form = await read_form(request)
    offer_id = str(form.get("offer_id") or "")
    lic = _registry(request).licensing
    try:
        await run_in_threadpool(partial(lic.request, user.actor, offer_id))
    except ConsentryError as exc:
        if exc.status not in (404, 409, 422):
            raise
        page = partial(_licences_page, request, user, status_code=exc.status, error=exc.message)
        return await run_in_threadpool(page)
    return redirect(
        request, "/developer/licences", flash=f"Licence requested under offer {offer_id}."
    )


# ------------------------------------------------------------------ usage reports
def _usage_page(
    request: Request,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    report: ParsedReport | None = None,
    imported: dict[str, object] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "developer/usage.html",
        status_code=status_code,
        columns=COLUMNS,
        errors=errors or {},
        problems=[p.to_json() for p in report.problems] if report is not None else [],
        records=report.records if report is not None else 0,
        imported=imported,
    )


@router.get("/usage", response_class=HTMLResponse)
def usage_form(request: Request, user: DeveloperDep) -> HTMLResponse:
    return _usage_page(request)


@router.post("/usage", response_class=HTMLResponse)
async def usage_upload(request: Request, user: DeveloperDep) -> HTMLResponse:
    """One report file (CSV or JSON, by its name or its first byte); any invalid record
    refuses the whole file and every one is listed."""
    form = await read_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        await form.close()
        return _usage_page(
            request, status_code=422, errors={"file": "choose a usage report file (CSV or JSON)"}
        )
    data, name = await upload.read(), upload.filename
    await form.close()  # the upload's temporary file
    acc = _registry(request).accounting
    try:
        report = await run_in_threadpool(partial(parse_report, data, name=name))
    except ValidationError as exc:  # the file as a whole: not UTF-8, a column missing, ...
        return _usage_page(request, status_code=422, errors={"file": exc.message})
    try:
        done = await run_in_threadpool(partial(acc.import_usage, user.actor, report, filename=name))
    except ImportRejected:
        message = (
            f"{len(report.problems)} of {report.records} records are invalid; nothing was "
            "stored. Fix them and upload the file again."
        )
        return _usage_page(request, status_code=422, errors={"file": message}, report=report)
    except ConsentryError as exc:
        if exc.status not in (403, 422):
            raise
        return _usage_page(request, status_code=exc.status, errors={"file": exc.message})
    return _usage_page(request, imported=done.to_json())
