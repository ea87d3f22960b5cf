"""The creator's AI terms and receipts: the matrix of works x purposes, a work's terms
changed, "Reserve everything", and the signed receipt of each declaration (listed,
downloaded exactly as ``GET /v1/receipts/{seq}`` serves it, verified on the server).

Declarations go through ``RegistryService.declare_terms``, as the API's do: one declaration
per work, each with its receipt. Included by ``creator.router`` under ``/creator``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from consentry.api.routes.common import json_response
from consentry.errors import ConsentryError, LedgerError, NotFound, PermissionDenied
from consentry.fingerprints.extract import SUFFIXES
from consentry.ledger.receipts import load_public_key_pem, verify_receipt
from consentry.registry.access import Role
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.service import RegistryService
from consentry.registry.service_catalogue import CatalogueEntry
from consentry.web.forms import FormErrors
from consentry.web.session import WebUser, read_form, require_role
from consentry.web.templating import redirect, render, secure_headers

CreatorDep = Annotated[WebUser, Depends(require_role(Role.CREATOR))]
# a ledger entry: one beyond the ledger (or beyond 64 bits) is a 404 page, never a 500
Seq = Annotated[int, Path(ge=1, lt=2**63)]

router = APIRouter()

STATUSES = [("", "not declared"), *((s.value, s.value) for s in Status)]
TERMS_FIELDS = frozenset(p.value for p in ALL_PURPOSES)
MAX_RECEIPT = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """A form with one file: its fields, the file's name ("" when none was chosen) and its
    bytes (None when larger than the limit)."""

    form: FormData
    filename: str
    data: bytes | None


async def read_upload(request: Request, name: str, limit: int) -> Upload:
    """The form (CSRF checked by ``read_form``) and the file ``name``, read up to ``limit``
    bytes; the form's temporary files are closed before the page is answered."""
    try:
        form = await read_form(request)
        item = form.get(name)
        if not isinstance(item, UploadFile) or not item.filename:
            return Upload(form, "", b"")
        data = await item.read(limit + 1)
        return Upload(form, item.filename, data if len(data) <= limit else None)
    finally:
        await request.close()


def _service(request: Request) -> RegistryService:
    service: RegistryService = request.app.state.registry.service
    return service


def _missing(request: Request, what: str) -> HTMLResponse:
    message = f"There is no {what} of yours here."
    return render(request, "error.html", 404, title="Not found", message=message)


def terms_context(entry: CatalogueEntry, values: dict[str, str] | None = None) -> dict[str, Any]:
    """What a work's page and its terms form show: the work, its terms and the choices (the
    declared statuses unless ``values`` says otherwise)."""
    declared = {p.value: (s.value if s else "") for p, s in entry.declared.items()}
    return {
        "entry": entry,
        "purposes": ALL_PURPOSES,
        "statuses": STATUSES,
        "values": values if values is not None else declared,
        "suffixes": ", ".join(SUFFIXES),
    }


# ----------------------------------------------------------------------------- matrix
@router.get("/terms")
def terms(request: Request, user: CreatorDep) -> HTMLResponse:
    entries = _service(request).catalogue(user.actor)
    return render(request, "creator/terms.html", entries=entries, purposes=ALL_PURPOSES)


def _reserve_all(request: Request, user: WebUser) -> int:
    """One declaration per work the creator may declare for, every purpose reserved."""
    service = _service(request)
    party = user.actor.own_party()
    everything = dict.fromkeys(ALL_PURPOSES, Status.RESERVED)
    done = 0
    for entry in service.catalogue(user.actor):
        if entry.may_declare:
            service.declare_terms(
                user.actor, party_id=party, work_id=entry.work.id, statuses=everything
            )
            done += 1
    return done


@router.post("/terms/reserve-all", response_model=None)
async def reserve_everything(request: Request, user: CreatorDep) -> Response:
    await read_form(request)
    done = await run_in_threadpool(_reserve_all, request, user)
    works = "work" if done == 1 else "works"
    return redirect(
        request,
        "/creator/terms",
        flash=f"Every purpose is now reserved on {done} {works}; "
        "each declaration has a signed receipt (see Receipts).",
    )


def _declare_changes(
    request: Request, user: WebUser, work_id: str, chosen: dict[Purpose, str]
) -> int:
    """Declare the purposes whose chosen status differs from the one declared, in one
    declaration (one receipt); the number of purposes changed."""
    service = _service(request)
    entry = service.catalogue_work(user.actor, work_id)  # NotFound for another's work
    statuses = {}
    for purpose, value in chosen.items():
        if value:
            status = Status.parse(value)
            if entry.declared.get(purpose) is not status:
                statuses[purpose] = status
    if statuses:
        service.declare_terms(
            user.actor, party_id=user.actor.own_party(), work_id=work_id, statuses=statuses
        )
    return len(statuses)


@router.post("/terms/{work_id}", response_model=None)
async def change_terms(request: Request, work_id: str, user: CreatorDep) -> Response:
    """A work's terms form (a plain POST, or htmx swapping the form in place)."""
    form = await read_form(request)
    chosen = {p: str(form.get(p.value) or "") for p in ALL_PURPOSES}
    errors = FormErrors(form, fields=TERMS_FIELDS)
    try:
        changed = await run_in_threadpool(_declare_changes, request, user, work_id, chosen)
    except NotFound:
        return _missing(request, f"work {work_id}")
    except ConsentryError as exc:
        errors.add_error(exc, fields={"status": "form"})
        changed = None
    htmx = request.headers.get("HX-Request") == "true"
    if not htmx and not errors:
        word = "purpose" if changed == 1 else "purposes"
        note = "a signed receipt was issued" if changed else "nothing to declare"
        return redirect(
            request, f"/creator/works/{work_id}", flash=f"{changed} {word} changed; {note}."
        )
    entry = await run_in_threadpool(_service(request).catalogue_work, user.actor, work_id)
    values = {p.value: v for p, v in chosen.items()} if errors else None
    return render(
        request,
        "creator/_terms.html" if htmx else "creator/work.html",
        422 if errors and not htmx else 200,
        **terms_context(entry, values),
        errors=errors.errors,
        changed=changed,
    )


# ----------------------------------------------------------------------------- receipts
@router.get("/receipts")
def receipts(request: Request, user: CreatorDep) -> HTMLResponse:
    records = _service(request).declaration_records(user.actor)
    return render(request, "creator/receipts.html", records=records)


def _receipt(request: Request, user: WebUser, seq: int) -> dict[str, Any] | None:
    """The receipt as the API re-issues it; None when it is not this creator's to read."""
    try:
        return _service(request).receipt_for(user.actor, seq)
    except (NotFound, PermissionDenied):
        return None


@router.get("/receipts/{seq}.json", response_model=None)
def download_receipt(request: Request, seq: Seq, user: CreatorDep) -> Response:
    receipt = _receipt(request, user, seq)
    if receipt is None:
        return _missing(request, f"receipt {seq}")
    response = json_response(receipt)  # the bytes GET /v1/receipts/{seq} answers
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{seq}.json"'
    return secure_headers(request, response)


def _problem(request: Request, receipt: Any) -> str | None:
    """None when the receipt verifies against this registry's key, else why it does not."""
    key = load_public_key_pem(request.app.state.registry.public_key_pem)
    try:
        verify_receipt(receipt, key)
    except LedgerError as exc:
        return exc.message
    return None


def _receipt_page(request: Request, receipt: Any, seq: int | None) -> HTMLResponse:
    return render(
        request,
        "creator/receipt.html",
        seq=seq,
        receipt=receipt,
        text=json.dumps(receipt, indent=2, ensure_ascii=False),
        problem=_problem(request, receipt),
    )


@router.get("/receipts/{seq}")
def receipt_page(request: Request, seq: Seq, user: CreatorDep) -> HTMLResponse:
    receipt = _receipt(request, user, seq)
    if receipt is None:
        return _missing(request, f"receipt {seq}")
    return _receipt_page(request, receipt, seq)


@router.post("/receipts/verify", response_model=None)
async def verify_upload(request: Request, user: CreatorDep) -> Response:
    """Verify a receipt file someone holds against this registry's key."""
    upload = await read_upload(request, "receipt", MAX_RECEIPT)
    errors = FormErrors(upload.form, fields=frozenset({"receipt"}))
    receipt: Any = None
    if not upload.filename:
        errors.add("receipt", "Choose a receipt file (JSON).")
    else:
        try:
            receipt = json.loads(upload.data.decode("utf-8")) if upload.data else None
        except (UnicodeDecodeError, ValueError, RecursionError):
            receipt = None
        if not isinstance(receipt, dict):
            errors.add("receipt", f"{upload.filename} is not a receipt (a JSON object).")
    if errors:
        records = await run_in_threadpool(_service(request).declaration_records, user.actor)
        return errors.render(request, "creator/receipts.html", records=records)
    return _receipt_page(request, receipt, None)
