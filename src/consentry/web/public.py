"""Public pages, no account needed: the start page (``/``), a work's terms by identifier
(``/works/isbn:...``), a model's credits (``/models/{model}/credits``), the registry's
public key (``/public-key``) and how to verify a receipt (``/verify``).

The pages read what the API's public reads give, through the same services: a work page is
the lookup (``RegistryService.lookup``, as ``GET /v1/lookup/{id}``) and, per purpose, the
decision with its evidence (``RegistryService.decide``, as ``GET /v1/decisions``); the
credits page is ``LicensingService.model_credits`` (as ``GET /v1/models/{model}/credits``).
A visitor who is signed in reads as themselves; anyone else as :data:`PUBLIC`, a reader
with the least rights (a developer of no party: names of parties, never their contacts).

Links carry the ASGI ``root_path`` (``root`` in the templates), so the pages work behind a
proxy that mounts the server under a prefix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from consentry import __version__
from consentry.bootstrap import Registry
from consentry.errors import IdentifierError, NotFound, ValidationError
from consentry.ledger.receipts import key_id
from consentry.registry.access import Actor, Role
from consentry.registry.decisions import Decision, Evidence, Outcome
from consentry.registry.identifiers import Scheme, parse_identifier
from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.registry.service import RegistryService
from consentry.registry.territories import WORLD, parse_territory
from consentry.registry.works import Work
from consentry.web.session import WebUser
from consentry.web.templating import redirect, render

router = APIRouter()

PUBLIC_KEY_PATH = "/v1/registry/public-key"
# A visitor who is not signed in reads as this: the role with the least rights, no party.
PUBLIC = Actor(Role.DEVELOPER, None, "web:public")

PURPOSES_IN_WORDS: dict[Purpose, str] = {
    Purpose.TDM: "text and data mining of any kind",
    Purpose.AI_TRAIN: "training or fine-tuning AI models",
    Purpose.AI_INPUT: "giving works to an AI model as it answers (retrieval, grounding, prompts)",
    Purpose.AI_INDEX: "building AI retrieval indexes or embeddings",
    Purpose.SEARCH: "classic search indexing",
}

# The "With OpenSSL 3" block of docs/ledger.md, word for word (tests/api/test_pages.py).
OPENSSL_STEPS = """\
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.pop("signature");
sys.stdout.write(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False))' \\
  receipt.json > message.json
python3 -c 'import json,sys,base64; s=json.load(open(sys.argv[1]))["signature"];
sys.stdout.buffer.write(base64.urlsafe_b64decode(s + "=="))' receipt.json > signature.bin
openssl pkeyutl -verify -pubin -inkey registry.pem -rawin -in message.json -sigfile signature.bin
# Signature Verified Successfully
openssl pkey -pubin -in registry.pem -outform DER | tail -c 32 | sha256sum | cut -c1-16
# the key_id"""

# (css class, short answer for the table, the answer in words)
OUTCOME_WORDS = {
    Outcome.DENY: ("reserved", "Reserved", "Reserved: not without the holders' permission"),
    Outcome.LICENCE_REQUIRED: (
        "licence",
        "Licence required",
        "Licence required: ask for a licence first",
    ),
    Outcome.ALLOW: ("allowed", "Allowed", "Allowed"),
}
IDENTIFIER_EXAMPLES = (
    "isbn:9780007232833",
    "doi:10.1000/182",
    "issn:0317-8471",
    "url:https://example.org/books/emma",
)


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def _reader(request: Request) -> Actor:
    user: WebUser | None = getattr(request.state, "web_user", None)
    return PUBLIC if user is None else user.actor


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def _key_id(request: Request) -> str:
    return key_id(_registry(request).signing_key.public_key())


def work_path(identifier: str) -> str:
    """``/works/<identifier>`` with what a path cannot hold (``?``, ``#``, spaces) escaped."""
    return "/works/" + quote(identifier, safe=":/@+,;=!$&'()*~")


# ------------------------------------------------------------------ start page, key, verify
@router.get("/")
def home(request: Request) -> HTMLResponse:
    return render(
        request,
        "public/home.html",
        root=_root(request),
        version=__version__,
        key_id=_key_id(request),
        purposes=PURPOSES_IN_WORDS,
        openapi_url=request.app.openapi_url or "/openapi.json",
        public_key_path=PUBLIC_KEY_PATH,
        examples=IDENTIFIER_EXAMPLES,
    )


@router.get("/public-key")
def public_key(request: Request) -> HTMLResponse:
    return render(
        request,
        "public/public_key.html",
        root=_root(request),
        key_id=_key_id(request),
        pem=_registry(request).public_key_pem,
        public_key_path=PUBLIC_KEY_PATH,
    )


@router.get("/verify")
def verify(request: Request) -> HTMLResponse:
    root = _root(request)
    base = f"{request.url.scheme}://{request.url.netloc}"
    return render(
        request,
        "public/verify.html",
        root=root,
        key_id=_key_id(request),
        key_url=f"{base}{root}{PUBLIC_KEY_PATH}",
        public_key_path=PUBLIC_KEY_PATH,
        openssl_steps=OPENSSL_STEPS,
    )


# ------------------------------------------------------------------ works
@dataclass(frozen=True, slots=True)
class Said:
    """One consent party's answer for a purpose, as the page shows it."""

    party: str  # its name (or id when it cannot be read)
    status: str
    scope: str  # "work", "catalogue" or "default" (nothing declared)
    territory: str | None
    effective_from: datetime | None
    declared_by: str | None  # the organisation's name, when declared under mandate
    ledger_seq: int | None


@dataclass(frozen=True, slots=True)
class PurposeAnswer:
    purpose: Purpose
    words: str
    css: str  # reserved / licence / allowed
    short: str  # "Reserved", "Licence required", "Allowed"
    outcome: str  # the same, in words
    said: tuple[Said, ...]
    attribution_required: bool


@dataclass(frozen=True, slots=True)
class WorkPage:
    work: Work
    answers: tuple[PurposeAnswer, ...]
    names: dict[str, str]  # party id -> name, for the work's contributors and holders
    disputes: tuple[str, ...]  # the reasons of the work's open disputes


def _names(service: RegistryService, actor: Actor, ids: Iterable[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for party_id in dict.fromkeys(ids):
        try:
            names[party_id] = service.get_party(actor, party_id).name
        except NotFound:
            names[party_id] = party_id
    return names


def _answer(decision: Decision, names: dict[str, str]) -> PurposeAnswer:
    css, short, words = OUTCOME_WORDS[decision.outcome]

    def said(e: Evidence) -> Said:
        by = names.get(e.declared_by, e.declared_by) if e.declared_by else None
        return Said(
            names.get(e.party_id, e.party_id),
            e.status.value,
            e.scope,
            e.territory,
            e.effective_from,
            by,
            e.ledger_seq,
        )

    return PurposeAnswer(
        decision.purpose,
        PURPOSES_IN_WORDS.get(decision.purpose, decision.purpose.value),
        css,
        short,
        words,
        tuple(said(e) for e in decision.evidence),
        decision.attribution_required,
    )


def work_page(
    service: RegistryService, actor: Actor, work_id: str, at: datetime, territory: str | None
) -> WorkPage:
    """A work with, per purpose, the decision at ``at`` in ``territory`` (None: for use
    everywhere) and who said what."""
    work = service.get_work(work_id)
    decisions = [
        service.decide(work_id=work_id, purpose=p, at=at, territory=territory) for p in ALL_PURPOSES
    ]
    ids = [c.party_id for c in work.contributors] + [h.party_id for h in work.holders]
    ids += [e.party_id for d in decisions for e in d.evidence]
    ids += [e.declared_by for d in decisions for e in d.evidence if e.declared_by]
    names = _names(service, actor, ids)
    return WorkPage(
        work,
        tuple(_answer(d, names) for d in decisions),
        names,
        service.dispute_reasons(work_id),
    )


def _missing(request: Request, identifier: str, problem: str, expected: str | None) -> Response:
    return render(
        request,
        "public/work_missing.html",
        404,
        root=_root(request),
        identifier=identifier,
        problem=problem,
        expected=expected,
        schemes=[s.value for s in Scheme],
        examples=IDENTIFIER_EXAMPLES,
    )


@router.get("/works")
def find_work(
    request: Request, identifier: Annotated[str | None, Query(max_length=2048)] = None
) -> Response:
    """The lookup form's target: on to ``/works/<identifier>``, or the form again."""
    if identifier and identifier.strip():
        return redirect(request, _root(request) + work_path(identifier.strip()))
    return render(
        request, "public/find_work.html", root=_root(request), examples=IDENTIFIER_EXAMPLES
    )


def _where(asked: str | None) -> tuple[str | None, dict[str, str]]:
    """The territory asked (None: everywhere) and the form's errors (a bad code: shown
    beside the field, the answer given for everywhere)."""
    if asked is None or not asked.strip():
        return None, {}
    try:
        code = parse_territory(asked.strip())
    except ValidationError as exc:
        return None, {"territory": exc.message}
    return (None if code == WORLD else code), {}


@router.get("/works/{identifier:path}")
def work(
    request: Request,
    identifier: str,
    territory: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    try:
        canonical = str(parse_identifier(identifier))
    except IdentifierError as exc:
        return _missing(request, identifier, exc.message, exc.expected)
    service = _registry(request).service
    found = service.lookup([canonical])[0]
    if not found.works:
        return _missing(
            request, canonical, f"No work is registered under {canonical}.", expected=None
        )
    where, errors = _where(territory)
    at = service.clock()
    actor = _reader(request)
    pages = [work_page(service, actor, summary.id, at, where) for summary, _ in found.works]
    return render(
        request,
        "public/work.html",
        422 if errors else 200,
        root=_root(request),
        identifier=canonical,
        path=_root(request) + work_path(canonical),
        at=at,
        territory=where,
        pages=pages,
        disputed=found.disputed,
        dispute_id=found.dispute_id,
        values={"territory": territory or ""},
        errors=errors,
    )


# ------------------------------------------------------------------ a model's credits
@router.get("/models")
def find_model(
    request: Request, model: Annotated[str | None, Query(max_length=512)] = None
) -> Response:
    if model and model.strip():
        return redirect(request, f"{_root(request)}/models/{quote(model.strip())}/credits")
    return render(request, "public/find_model.html", root=_root(request))


@router.get("/models/{model:path}/credits")
def model_credits(request: Request, model: str) -> Response:
    licensing = _registry(request).licensing
    try:
        records = licensing.model_credits(model)
    except ValidationError as exc:
        return render(
            request,
            "public/find_model.html",
            404,
            root=_root(request),
            values={"model": model},
            errors={"model": exc.message},
        )
    ordered = sorted(records, key=lambda r: (r.period, r.credit_line, r.work_id))
    return render(
        request,
        "public/credits.html",
        root=_root(request),
        model=model.strip(),
        records=ordered,
        quoted=quote(model.strip()),
    )
