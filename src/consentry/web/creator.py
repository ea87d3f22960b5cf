"""The creator's area (``/creator``): the dashboard and my works (add one, upload its text
for fingerprinting, import a list). The terms matrix and the receipts: ``creator_terms.py``.

No rules here: every page calls the registry service with the signed-in user's ``Actor``,
as the API and the command line do, so what a creator may do is decided in one place.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError as PydanticError
from starlette.datastructures import FormData

from consentry.api.routes.works import work_draft
from consentry.api.schemas import HolderIn, WorkIn
from consentry.errors import ConsentryError, ImportRejected, NotFound
from consentry.fingerprints.extract import SUFFIXES
from consentry.registry.access import Role
from consentry.registry.service import RegistryService
from consentry.registry.service_fingerprints import FingerprintSummary
from consentry.registry.works import WorkKind
from consentry.web import creator_terms
from consentry.web.forms import FormErrors
from consentry.web.session import WebUser, read_form, require_role
from consentry.web.templating import redirect, render

CreatorDep = Annotated[WebUser, Depends(require_role(Role.CREATOR))]

router = APIRouter(prefix="/creator")
router.include_router(creator_terms.router)

MAX_UPLOAD = 50 * 1024 * 1024  # a work's file: a long novel as PDF fits
MAX_LIST = 5 * 1024 * 1024  # a list of works (CSV)
KINDS = [(k.value, k.value) for k in WorkKind]
WORK_FIELDS = frozenset({"title", "kind", "identifiers"})
IMPORT_COLUMNS = "work_id,kind,title,identifiers,contributors,holders,terms"


def service_of(request: Request) -> RegistryService:
    service: RegistryService = request.app.state.registry.service
    return service


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def after_upload(request: Request, url: str, flash: str) -> Response:
    """The redirect after a successful upload. A form sent by htmx (which shows a progress
    bar meanwhile) is told to load ``url`` (``HX-Redirect``): a 303 would be followed inside
    its request and the address bar would not change."""
    response = redirect(request, url, flash=flash)
    if is_htmx(request):
        response.status_code = 200
        del response.headers["location"]
        response.headers["HX-Redirect"] = url
    return response


def not_found(request: Request, what: str) -> HTMLResponse:
    """Another creator's work or receipt is not told apart from one that does not exist."""
    message = f"There is no {what} of yours here."
    return render(request, "error.html", 404, title="Not found", message=message)


# ----------------------------------------------------------------------------- dashboard
@router.get("")
def dashboard(request: Request, user: CreatorDep) -> HTMLResponse:
    service = service_of(request)
    count = service.catalogue_count(user.actor)
    receipts = sum(1 for r in service.declaration_records(user.actor) if r.has_receipt)
    return render(request, "creator/dashboard.html", works_count=count, receipts_count=receipts)


# ----------------------------------------------------------------------------- works
@router.get("/works")
def works(request: Request, user: CreatorDep) -> HTMLResponse:
    entries = service_of(request).catalogue(user.actor)
    return render(
        request, "creator/works.html", entries=entries, kinds=KINDS, values={"kind": "book"}
    )


def split_identifiers(text: str) -> list[str]:
    """The identifiers typed in one field: separated by commas, semicolons or new lines."""
    return [part.strip() for part in re.split(r"[,;\n]+", text) if part.strip()]


def form_field(name: object) -> str:
    """A request field (``identifiers[1]``, ``holders[0].share``) as the form's field."""
    return re.split(r"[\[.]", str(name or ""), maxsplit=1)[0] or "form"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _add_work(request: Request, user: WebUser, form: FormData, errors: FormErrors) -> str | None:
    """The new work's id, or None with the reasons in ``errors``: the API's mapping from a
    request to a draft (``work_draft``), then ``create_work`` as the API calls it."""
    try:
        body = WorkIn.model_validate(
            {
                "kind": _text(form, "kind") or "book",
                "title": _text(form, "title").strip(),
                "identifiers": split_identifiers(_text(form, "identifiers")),
                "holders": [HolderIn(party_id=user.party_id, role="creator", share="100")],
            }
        )
    except PydanticError as exc:
        for err in exc.errors():
            where = form_field(err["loc"][0] if err["loc"] else None)
            errors.add(where, f"{err['msg']}.")
        return None
    try:
        return service_of(request).create_work(user.actor, work_draft(body)).id
    except ConsentryError as exc:
        errors.add(form_field(exc.payload.get("field")), exc.message)
        return None


@router.post("/works", response_model=None)
async def add_work(request: Request, user: CreatorDep) -> Response:
    form = await read_form(request)
    errors = FormErrors(form, fields=WORK_FIELDS)
    work_id = await run_in_threadpool(_add_work, request, user, form, errors)
    if work_id is None:
        entries = await run_in_threadpool(service_of(request).catalogue, user.actor)
        return errors.render(request, "creator/works.html", entries=entries, kinds=KINDS)
    return redirect(request, f"/creator/works/{work_id}", flash="The work is registered.")


def work_page(
    request: Request, user: WebUser, work_id: str, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    try:
        entry = service_of(request).catalogue_work(user.actor, work_id)
    except NotFound:
        return not_found(request, f"work {work_id}")
    page = creator_terms.terms_context(entry)
    page.update(ctx)
    return render(request, "creator/work.html", status_code, **page)


@router.get("/works/{work_id}")
def work(request: Request, work_id: str, user: CreatorDep) -> HTMLResponse:
    return work_page(request, user, work_id)


def _fingerprint(
    request: Request, user: WebUser, work_id: str, filename: str, data: bytes
) -> FingerprintSummary:
    """The command line's extraction (by the file's suffix) and registration."""
    from consentry.fingerprints.extract import extract_text

    service = service_of(request)
    service.catalogue_work(user.actor, work_id)  # NotFound for another party's work
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"work{Path(filename).suffix.lower()}"
        path.write_bytes(data)
        try:
            text = extract_text(path)
        except ConsentryError as exc:  # name the user's file, never the server's temp path
            exc.message = exc.message.replace(str(path), Path(filename).name)
            raise
    return service.register_fingerprints(user.actor, work_id=work_id, text=text)


@router.post("/works/{work_id}/text", response_model=None)
async def upload_text(request: Request, work_id: str, user: CreatorDep) -> Response:
    upload = await creator_terms.read_upload(request, "file", MAX_UPLOAD)
    errors = FormErrors(upload.form, fields=frozenset({"file"}))
    if not upload.filename:
        errors.add("file", f"Choose the work's file ({', '.join(SUFFIXES)}).")
    elif upload.data is None:
        errors.add("file", f"{upload.filename} is larger than {MAX_UPLOAD // 2**20} MB.")
    else:
        try:
            done = await run_in_threadpool(
                _fingerprint, request, user, work_id, upload.filename, upload.data
            )
            return after_upload(
                request,
                f"/creator/works/{work_id}",
                flash=f"Fingerprinted {upload.filename}: {done.words} words, "
                f"{done.count} fingerprints. The text itself is not kept.",
            )
        except NotFound:
            return not_found(request, f"work {work_id}")
        except ConsentryError as exc:
            errors.add("file", exc.message)
    status = 200 if is_htmx(request) else 422  # htmx swaps in 2xx answers only
    return await run_in_threadpool(
        lambda: work_page(request, user, work_id, status, errors=errors.errors)
    )


# ----------------------------------------------------------------------------- import
@router.get("/import")
def import_form(request: Request, user: CreatorDep) -> HTMLResponse:
    return render(request, "creator/import.html", columns=IMPORT_COLUMNS, rejects=[])


@router.post("/import", response_model=None)
async def import_list(request: Request, user: CreatorDep) -> Response:
    upload = await creator_terms.read_upload(request, "file", MAX_LIST)
    errors = FormErrors(upload.form, fields=frozenset({"file"}))
    rejects: list[tuple[int, str]] = []
    if not upload.filename:
        errors.add("file", "Choose a CSV file with a header row.")
    elif upload.data is None:
        errors.add("file", f"{upload.filename} is larger than {MAX_LIST // 2**20} MB.")
    else:
        try:
            done = await run_in_threadpool(_import, request, user, upload.data, upload.filename)
            return after_upload(request, "/creator/works", flash=f"{done} works imported.")
        except ImportRejected as exc:
            rejects = exc.rejects
            errors.add("file", exc.message)
        except ConsentryError as exc:
            errors.add("file", exc.message)
    return errors.render(
        request,
        "creator/import.html",
        200 if is_htmx(request) else 422,  # htmx swaps in 2xx answers only
        columns=IMPORT_COLUMNS,
        rejects=rejects,
    )


def _import(request: Request, user: WebUser, data: bytes, filename: str) -> int:
    """Parse the list as ``consentry import csv`` does and register it whole; then declare
    each work's listed terms for the creator (one signed receipt per work)."""
    from consentry.registry.csvfile import parse_csv
    from consentry.registry.importing import draft_terms

    service = service_of(request)
    records = parse_csv(data, filename=filename)
    works = service.import_works(user.actor, records)
    drafts = [r.draft for r in records if r.draft is not None]
    party = user.actor.own_party()
    for work, draft in zip(works, drafts, strict=True):
        terms = draft_terms(draft)
        if terms and party in work.consent_parties():
            service.declare_terms(user.actor, party_id=party, work_id=work.id, statuses=terms)
    return len(works)
