"""The HTTP API's app factory: ``create_app(registry)``; no module-level app or engine.

Routes live in ``routes/`` (one module per resource), errors become problem+json in
``errors.py``, the API key is resolved in ``deps.py``. OpenAPI at ``/openapi.json``, docs
at ``/docs`` (``docs_ui.py``), a start page at ``/`` and ``/verify`` (``pages.py``).
"""

from __future__ import annotations

from fastapi import FastAPI

from consentry import __version__
from consentry.api import fast_decisions
from consentry.api.docs_ui import install_docs
from consentry.api.errors import install_error_handlers
from consentry.api.limits import DEFAULT_MAX_BODY, BodySizeLimit
from consentry.api.routes import (
    accounting,
    decisions,
    developers,
    disputes,
    keys,
    ledger,
    licensing,
    lookup,
    mandates,
    notices,
    parties,
    removals,
    signals,
    terms,
    works,
)
from consentry.bootstrap import Registry
from consentry.web.app import install_web

DESCRIPTION = """\
The consentry registry: works, rights holders, mandates and AI-use terms
(purposes `tdm`, `ai-train`, `ai-input`, `ai-index`, `search`; statuses `reserved`,
`licence`, `allowed`), lookups and decisions with evidence.

Every `/v1` route needs an API key (`Authorization: Bearer cst_...` or `X-API-Key`),
except the registry's public key. Roles: `admin`; `organisation` (acts for mandated
members, within the mandate); `creator` (own works and declarations); `developer`
(lookups, decisions and public reads). Errors are `application/problem+json` naming the
`field`, the `value` and what was `expected`.
"""


def create_app(
    registry: Registry, *, max_body_bytes: int = DEFAULT_MAX_BODY, fast_decisions_path: bool = True
) -> FastAPI:
    """``fast_decisions_path=False`` leaves GET /v1/decisions wholly to its FastAPI route (the
    tests compare the two answers)."""
    app = FastAPI(
        title="consentry",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served by docs_ui.install_docs, without a CDN
        redoc_url=None,
        openapi_tags=[
            {"name": "works", "description": "Works, their holders and terms"},
            {"name": "parties", "description": "People and organisations"},
            {"name": "mandates", "description": "Who may act for whom"},
            {"name": "lookup", "description": "Works and terms by identifier"},
            {"name": "decisions", "description": "May D use W for P at T?"},
            {"name": "ledger", "description": "Public key, receipts, ledger head"},
            {"name": "disputes", "description": "Identifiers claimed by unrelated registrants"},
            {"name": "developers", "description": "The AI-developer directory"},
            {"name": "keys", "description": "API keys"},
            {"name": "signals", "description": "Terms as robots.txt, TDMRep, RSL, metadata"},
            {"name": "notices", "description": "Campaigns of notices on members' behalf"},
            {"name": "licensing", "description": "Licence offers, schemes, grants, credits"},
            {"name": "accounting", "description": "Usage reports and distributions"},
        ],
    )
    app.state.registry = registry
    if fast_decisions_path:
        # GET /v1/decisions without the framework when it can be; inside BodySizeLimit, and
        # anything the fast path does not answer goes to the route (fast_decisions.py).
        fast_decisions.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    install_error_handlers(app)
    # Decisions and lookups first: routes are matched in order, one after another, and these
    # are the requests that come by the thousand (the docs group routes by tag, whatever the
    # order here).
    app.include_router(decisions.router)
    app.include_router(lookup.router)
    app.include_router(works.router)
    app.include_router(terms.works_router)
    app.include_router(parties.router)
    app.include_router(terms.parties_router)
    for module in (mandates, developers, disputes, keys, signals):
        app.include_router(module.router)
    app.include_router(ledger.public)
    app.include_router(ledger.router)
    app.include_router(licensing.public)  # a model's credits page: no key
    app.include_router(licensing.router)
    app.include_router(notices.router)
    app.include_router(removals.router)
    notices.install_notice_pages(app)  # the links in a notice: no key
    app.include_router(accounting.router)
    install_docs(app)
    install_web(app)  # the web application (web/app.py): /static, accounts, areas' pages
    return app
