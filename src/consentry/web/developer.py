"""The AI developer's pages, under ``/developer``: lookup (a table, CSV and JSON), the
fingerprint bundle of a purpose, and (from the modules beside this one) notices addressed
to the developer, licence requests and usage-report upload.

Every page calls the services the API and the command line call, with the signed-in user's
actor: the lookup is ``POST /v1/lookup``'s, the bundle ``consentry bundle export``'s.
"""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from consentry.api.schemas import MAX_LOOKUP_IDS
from consentry.bootstrap import Registry
from consentry.errors import ValidationError
from consentry.registry.access import Role
from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.registry.territories import parse_territory
from consentry.web import developer_licensing, developer_notices
from consentry.web.developer_lookup import (
    PURPOSES,
    as_csv,
    as_json,
    identifiers_from,
    rows_of,
)
from consentry.web.session import WebUser, read_form, require_role
from consentry.web.templating import render, secure_headers

DeveloperDep = Annotated[WebUser, Depends(require_role(Role.DEVELOPER))]
FORMATS = ("html", "csv", "json")
# What each purpose means, for the purpose select (registry/purposes.py, docs/purposes.md).
PURPOSE_LABELS = {
    Purpose.TDM: "tdm: text and data mining",
    Purpose.AI_TRAIN: "ai-train: training or fine-tuning AI models",
    Purpose.AI_INPUT: "ai-input: use at inference (retrieval, grounding, prompts)",
    Purpose.AI_INDEX: "ai-index: AI retrieval indexes and embeddings",
    Purpose.SEARCH: "search: classic search indexing",
}

router = APIRouter(prefix="/developer", include_in_schema=False)


def registry_of(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


@router.get("", response_class=HTMLResponse)
def home(request: Request, user: DeveloperDep) -> HTMLResponse:
    """The developer's start page: what each part is for, and notices awaiting a reply."""
    notices = registry_of(request).notices().notices_for(user.actor)
    waiting = sum(1 for n in notices if n["sent_at"] and not n["acknowledged_at"])
    return render(request, "developer/home.html", notices=len(notices), waiting=waiting)


# ------------------------------------------------------------------ lookup
def _lookup_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    **ctx: Any,
) -> HTMLResponse:
    return render(
        request,
        "developer/lookup.html",
        status_code=422 if errors else 200,
        values=values or {"ids": "", "territory": ""},
        errors=errors or {},
        purposes=PURPOSES,
        max_ids=f"{MAX_LOOKUP_IDS:,}",
        **ctx,
    )


@router.get("/lookup", response_class=HTMLResponse)
def lookup_form(request: Request, user: DeveloperDep) -> HTMLResponse:
    return _lookup_page(request)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError(
            f"format {fmt!r} is not known", field="format", value=fmt, expected="html, csv or json"
        )


@router.post("/lookup", response_class=HTMLResponse)
async def lookup(request: Request, user: DeveloperDep) -> Response:
    """The pasted and uploaded identifiers looked up at once, everywhere or in one
    territory, as ``POST /v1/lookup`` does; ``format`` (the button pressed) picks the
    table, a CSV download or the API's JSON answer."""
    form = await read_form(request)
    values = {"ids": str(form.get("ids") or ""), "territory": str(form.get("territory") or "")}
    fmt = str(form.get("format") or "html")
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    await form.close()  # the upload's temporary file
    try:
        _check_format(fmt)
        ids = identifiers_from(values["ids"], data)
        where = values["territory"].strip()
        territory = parse_territory(where) if where else None
    except ValidationError as exc:
        return _lookup_page(request, values=values, errors={exc.field or "ids": exc.message})
    results = await run_in_threadpool(
        partial(registry_of(request).service.lookup, ids, territory=territory)
    )
    if fmt == "csv":
        return _download(request, as_csv(results).encode("utf-8"), "text/csv; charset=utf-8", "csv")
    if fmt == "json":
        return _download(request, as_json(results), "application/json", "json")
    if data is not None:  # the list file's identifiers join the text typed
        values["ids"] = "\n".join(ids)
    return _lookup_page(
        request,
        values=values,
        rows=rows_of(results),
        asked=len(ids),
        where=territory,
        invalid=sum(1 for r in results if r.error is not None),
        unregistered=sum(1 for r in results if r.error is None and not r.works),
    )


def _download(request: Request, body: bytes, media: str, suffix: str) -> Response:
    response = Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="consentry-lookup.{suffix}"'},
    )
    return secure_headers(request, response)


# ------------------------------------------------------------------ fingerprint bundle
@router.get("/bundle", response_class=HTMLResponse)
def bundle_form(request: Request, user: DeveloperDep) -> HTMLResponse:
    return _bundle_page(request, Purpose.AI_TRAIN.value)


def _bundle_page(request: Request, selected: str, error: str | None = None) -> HTMLResponse:
    return render(
        request,
        "developer/bundle.html",
        status_code=422 if error else 200,
        purposes=[(p.value, PURPOSE_LABELS.get(p, p.value)) for p in ALL_PURPOSES],
        selected=selected,
        errors={"purpose": error} if error else {},
    )


@router.get("/bundle/download", response_model=None)
def bundle_download(
    request: Request,
    user: DeveloperDep,
    purpose: Annotated[str, Query(max_length=20)] = Purpose.AI_TRAIN.value,
) -> Response:
    """The index ``consentry bundle export --purpose P`` writes: every fingerprinted work
    whose terms for the purpose are not ``allowed`` now, built in a temporary folder."""
    from consentry.fingerprints.builder import build_index_from_fingerprints

    try:
        p = Purpose.parse(purpose)
    except ValidationError as exc:
        return _bundle_page(request, purpose, exc.message)
    service = registry_of(request).service
    folder = Path(tempfile.mkdtemp(prefix="consentry-bundle-"))
    out = folder / f"consentry-{p.value}.idx"
    try:
        spec = service.bundle_spec()
        works = service.bundle_works(purpose=p)
        build_index_from_fingerprints(
            out, iter(service.bundle_fingerprints(works, spec)), spec=spec
        )
    except BaseException:
        _remove(folder)
        raise
    response = FileResponse(
        out,
        media_type="application/octet-stream",
        filename=out.name,
        background=BackgroundTask(_remove, folder),
    )
    return secure_headers(request, response)


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


router.include_router(developer_notices.router)
router.include_router(developer_licensing.router)
