"""Lookup by any identifier: one (``GET``) or up to 10,000 at once (``POST``).

Each answer is exactly :meth:`LookupResult.to_json`: ``{"id", "works": [...]}`` or
``{"id", "error"}``. The bulk answer is serialised straight from plain dicts (no per-item
model validation) and the service runs in the thread pool (sync routes).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from consentry.api.deps import ServiceDep
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, TERRITORY_QUERY, json_response
from consentry.api.schemas import (
    MAX_LOOKUP_IDS,
    LookupIn,
    LookupOut,
    LookupPage,
    Territory,
    Time,
)
from consentry.errors import ValidationError

router = APIRouter(
    prefix="/v1/lookup", tags=["lookup"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


@router.post("", response_model=LookupPage, summary="Look up many identifiers")
def lookup_many(body: LookupIn, service: ServiceDep) -> Response:
    if len(body.ids) > MAX_LOOKUP_IDS:
        raise ValidationError(
            f"{len(body.ids)} identifiers in one request; the limit is {MAX_LOOKUP_IDS}",
            field="ids",
            value=len(body.ids),
            expected=f"at most {MAX_LOOKUP_IDS} identifiers per request",
            limit=MAX_LOOKUP_IDS,
        )
    results = [r.to_json() for r in service.lookup(body.ids, at=body.at, territory=body.territory)]
    return json_response({"count": len(results), "results": results})


@router.get("/{identifier:path}", response_model=LookupOut, summary="Look up one identifier")
def lookup_one(
    identifier: str,
    service: ServiceDep,
    at: Time | None = Query(None, description="ISO-8601 time with offset"),
    territory: Annotated[Territory | None, TERRITORY_QUERY] = None,
) -> Response:
    """Any identifier: ``isbn:…``, a bare ISBN, ``doi:10.…/…``, ``url:https://…``."""
    return json_response(service.lookup([identifier], at=at, territory=territory)[0].to_json())
