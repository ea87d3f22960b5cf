"""The creator's licences (offers covering my works, requests under them, grants, credit
records) and statements (my part of each closed distribution, with a chart by type of use).

Read only: ``LicensingService.licences_of`` and ``AccountingService.statements_of`` with the
signed-in user's ``Actor``. Included by ``creator_records.router`` under ``/creator``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from consentry.accounting.money import format_amount
from consentry.accounting.service_party import PartyStatement
from consentry.bootstrap import Registry
from consentry.licensing.service_party import PartyLicences
from consentry.licensing.terms import Offer, OfferScope
from consentry.registry.access import Role
from consentry.web.charts import bar_chart
from consentry.web.session import WebUser, require_role
from consentry.web.templating import render

CreatorDep = Annotated[WebUser, Depends(require_role(Role.CREATOR))]
router = APIRouter()


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def offer_view(o: Offer, lic: PartyLicences) -> dict[str, Any]:
    t = o.terms
    if o.scope is OfferScope.WORK:
        subject = f"your work {lic.works.get(o.subject_id) or o.subject_id}"
    elif o.scope is OfferScope.SCHEME:
        subject = f"collective scheme {o.subject_id} (your works opted in)"
    elif o.subject_id == lic.party_id:
        subject = "your whole catalogue"
    else:
        subject = f"the catalogue of party {o.subject_id}"
    fee = t.fee_model.value
    if t.amount is not None:
        fee += f", {t.amount} {t.currency or ''}".rstrip()
        if t.unit is not None:
            fee += f" per {t.unit.value}"
    return {
        "id": o.id,
        "subject": subject,
        "purposes": ", ".join(p.value for p in t.purposes),
        "fee": fee,
        "territory": "everywhere" if t.territory == "WORLD" else t.territory,
        "term": f"{t.term_days} days" if t.term_days else "no end",
        "created": o.created_at.date().isoformat(),
        "state": "withdrawn" if o.withdrawn_at else "open",
    }


def licences_context(lic: PartyLicences, now: Any) -> dict[str, Any]:
    name = lic.names.get
    return {
        "offers": [offer_view(o, lic) for o in lic.offers],
        "requests": [
            {
                "id": r.id,
                "offer_id": r.offer_id,
                "developer": name(r.developer_id, r.developer_id),
                "requested": r.requested_at.date().isoformat(),
                "grant_id": r.grant_id,
            }
            for r in lic.requests
        ],
        "grants": [
            {
                "id": g.id,
                "licensee": name(g.licensee_id, g.licensee_id),
                "works": lic.own_works(g),
                "territory": "everywhere" if g.terms.territory == "WORLD" else g.terms.territory,
                "valid_from": g.valid_from.date().isoformat(),
                "valid_until": g.valid_until.date().isoformat() if g.valid_until else "no end",
                "state": "revoked"
                if g.revoked_at is not None
                else ("in force" if g.in_force(now) else "ended"),
            }
            for g in lic.grants
        ],
        "credits": [
            {
                "work": lic.works.get(c.work_id) or c.work_id,
                "model": c.model,
                "period": c.period,
                "line": c.credit_line,
                "licensee": name(c.licensee_id, c.licensee_id),
                "seq": c.ledger_seq,
            }
            for c in lic.credits
        ],
    }


@router.get("/licences")
def licences(request: Request, user: CreatorDep) -> HTMLResponse:
    registry = registry_of(request)
    lic = registry.licensing.licences_of(user.actor)
    ctx = licences_context(lic, registry.licensing.clock())
    return render(request, "creator/licences.html", here="licences", **ctx)


def statement_view(ps: PartyStatement) -> dict[str, Any]:
    """A statement as the page shows it: lines, totals and the chart by type of use."""
    view: dict[str, Any] = {
        "run_id": ps.run_id,
        "period": ps.period,
        "currency": ps.currency,
        "closed": ps.closed_at.date().isoformat(),
        "problem": ps.problem,
    }
    st = ps.statement
    if st is None:
        return view
    money = st.money
    view["lines"] = [
        dict(
            work=ln.title or ln.work_id,
            identifier=ln.identifier,
            licensee=ln.licensee,
            model=ln.model,
            purpose=ln.purpose,
            units=ln.units,
            share=ln.share,
            amount=money(ln.amount),
        )
        for ln in st.lines
    ]
    view["totals"] = [
        ("Brought forward", money(st.brought_forward)),
        ("Revenue attributed this period", money(st.attributed)),
        ("Management fees and other deductions", money(0)),
        ("Paid", money(st.paid)),
        ("Carried forward (below the payment threshold)", money(st.outstanding)),
    ]
    view["chart"] = bar_chart(
        [(purpose, format_amount(amount, st.currency)) for _, purpose, amount in st.by_use()],
        title=f"Your revenue for {st.period} by type of use",
        description=f"Amounts in {st.currency} per purpose of use.",
        unit=st.currency,
        ident=f"statement-{ps.run_id}",
        empty="No revenue attributed this period.",
    )
    return view


@router.get("/statements")
def statements(request: Request, user: CreatorDep) -> HTMLResponse:
    found = registry_of(request).accounting.statements_of(user.actor)
    return render(
        request,
        "creator/statements.html",
        statements=[statement_view(ps) for ps in reversed(found)],
        here="statements",
    )
