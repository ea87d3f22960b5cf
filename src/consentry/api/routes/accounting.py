"""Accounting: usage reports and distributions (docs/usage.md, docs/distribution.md).

The registry's operator (an admin key) imports usage reports and runs distributions, as
``consentry usage import`` and ``consentry distribute`` do; the service refuses other roles.
A usage report is the request body as it is (CSV or JSON, by ``Content-Type``), so its
records keep their numbers in the errors. Statements are files: the command line writes
them (``consentry distribute --out DIR``).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from consentry.accounting.service import AccountingService
from consentry.accounting.usage import parse_report
from consentry.api.deps import ActorDep
from consentry.api.routes.common import CONFLICT, PROBLEMS, REQUIRE_KEY, json_response


async def get_accounting(request: Request) -> AccountingService:
    service: AccountingService = request.app.state.registry.accounting
    return service


AccountingDep = Annotated[AccountingService, Depends(get_accounting)]
router = APIRouter(prefix="/v1", tags=["accounting"], dependencies=REQUIRE_KEY, responses=PROBLEMS)


class UsageImportOut(BaseModel):
    report_id: str | None
    records: int
    imported: int
    rejected: list[dict[str, int | str]]
    already_imported: bool


class DistributionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(max_length=20, examples=["2026-Q1"])
    pool: str = Field(max_length=40, examples=["10000.00"])
    currency: str = Field(max_length=10, examples=["GBP"])
    unit: str | None = Field(default=None, max_length=20)
    licensee: str | None = Field(default=None, max_length=200)
    threshold: str = Field(default="0", max_length=40)


class DistributionOut(BaseModel):
    period: str
    currency: str
    pool: str
    unidentified: str
    paid: dict[str, str]
    carried_forward: dict[str, str]
    names: dict[str, str]
    rules_version: str
    inputs_sha256: str


@router.post(
    "/usage",
    status_code=201,
    response_model=UsageImportOut,
    summary="Import a usage report (CSV or JSON body)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def import_usage(request: Request, actor: ActorDep, acc: AccountingDep) -> Response:
    """Whole report or nothing; the same report again changes nothing (200)."""
    data = await request.body()
    kind = "json" if "json" in request.headers.get("content-type", "") else "csv"
    name = f"request.{kind}"

    def run() -> Response:
        report = parse_report(data, name=name, fmt=kind)
        done = acc.import_usage(actor, report, filename=name)
        return json_response(done.to_json(), 200 if done.already_imported else 201)

    return await run_in_threadpool(run)


@router.post(
    "/distributions",
    status_code=201,
    response_model=DistributionOut,
    responses=CONFLICT,
    summary="Distribute a period's licence income",
)
def distribute(
    body: Annotated[DistributionIn, Body()], actor: ActorDep, acc: AccountingDep
) -> Response:
    """The summary.json of the run (201), or of the closed run with the same inputs (200);
    409 when the period was closed with other inputs."""
    result = acc.distribute(
        actor,
        period=body.period,
        pool=body.pool,
        currency=body.currency,
        unit=body.unit,
        licensee=body.licensee,
        threshold=body.threshold,
    )
    return json_response(json.loads(result.summary_text), 200 if result.reused else 201)
