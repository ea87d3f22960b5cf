"""Notices addressed to the signed-in developer: the list with states, one notice with its
letter and answers, acknowledge (a button) and reply (text, optional files).

The notices service's developer operations do the work and the checks (``notices_for``,
``notice``, ``letter``, ``acknowledge``, ``answer``), exactly as ``/v1/notices`` calls them.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from consentry.bootstrap import Registry
from consentry.errors import ConsentryError, ValidationError
from consentry.registry.access import Role
from consentry.web.session import WebUser, read_form, require_role
from consentry.web.templating import redirect, render

DeveloperDep = Annotated[WebUser, Depends(require_role(Role.DEVELOPER))]

router = APIRouter(prefix="/notices", include_in_schema=False)


def _registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


@router.get("", response_class=HTMLResponse)
def notices(request: Request, user: DeveloperDep) -> HTMLResponse:
    items = _registry(request).notices().notices_for(user.actor)
    return render(request, "developer/notices.html", notices=items)


def _notice_page(
    request: Request,
    user: WebUser,
    notice_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    svc = _registry(request).notices()
    notice = svc.notice(user.actor, notice_id)  # refused unless addressed to this developer
    letter = svc.letter(user.actor, notice_id)
    return render(
        request,
        "developer/notice.html",
        status_code=status_code,
        notice=notice,
        letter=letter,
        errors=errors or {},
        values=values or {"text": ""},
    )


TITLES = {403: "Not allowed", 404: "Not found"}


def refusal_page(request: Request, exc: ConsentryError) -> HTMLResponse:
    """A notice this developer may not see, or none: a page saying so (not the API's JSON)."""
    return render(request, "error.html", exc.status, title=TITLES[exc.status], message=exc.message)


@router.get("/{notice_id}", response_class=HTMLResponse)
def notice(request: Request, notice_id: str, user: DeveloperDep) -> HTMLResponse:
    try:
        return _notice_page(request, user, notice_id)
    except ConsentryError as exc:
        if exc.status not in TITLES:
            raise
        return refusal_page(request, exc)


@router.post("/{notice_id}/acknowledge", response_model=None)
async def acknowledge(request: Request, notice_id: str, user: DeveloperDep) -> Response:
    await read_form(request)  # the CSRF check
    svc = _registry(request).notices()
    try:
        await run_in_threadpool(svc.acknowledge, user.actor, notice_id)
    except ConsentryError as exc:
        if exc.status in TITLES:
            return refusal_page(request, exc)
        if exc.status not in (409, 422):
            raise
        page = partial(
            _notice_page,
            request,
            user,
            notice_id,
            status_code=exc.status,
            errors={"form": exc.message},
        )
        return await run_in_threadpool(page)
    return redirect(request, f"/developer/notices/{notice_id}", flash="Receipt acknowledged.")


@router.post("/{notice_id}/reply", response_model=None)
async def reply(request: Request, notice_id: str, user: DeveloperDep) -> Response:
    """Text and up to the service's limit of files; an error keeps the text typed."""
    form = await read_form(request)
    text = str(form.get("text") or "")
    files: list[tuple[str, bytes]] = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            files.append((item.filename, await item.read()))
    await form.close()  # the uploads' temporary files
    svc = _registry(request).notices()
    try:
        await run_in_threadpool(svc.answer, user.actor, notice_id, text, files)
    except ConsentryError as exc:
        if exc.status in TITLES:
            return refusal_page(request, exc)
        if exc.status not in (409, 422):
            raise
        page = partial(
            _notice_page,
            request,
            user,
            notice_id,
            status_code=exc.status,
            errors={_field_of(exc): exc.message},
            values={"text": text},
        )
        return await run_in_threadpool(page)
    return redirect(request, f"/developer/notices/{notice_id}", flash="Your reply was recorded.")


def _field_of(exc: ConsentryError) -> str:
    """The reply form's field an error is about: the text, the files, or the form."""
    if isinstance(exc, ValidationError) and exc.field:
        return "files" if exc.field.startswith("files") else "text"
    return "form"
