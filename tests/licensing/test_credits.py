"""Credit: signed attribution records per work, licensee, model and period; a model's
credits for its card; "what credit does work W require?" (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from tests.licensing.kit import Cast, cast

from consentry.bootstrap import Registry
from consentry.errors import Conflict, PermissionDenied, ValidationError
from consentry.ledger.chain import LedgerEntry
from consentry.ledger.receipts import check_receipt_against_entry, verify_receipt
from consentry.licensing.credits import model_card_json, model_card_markdown
from consentry.licensing.grants import Grant
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM, Actor, Role


def granted(reg: Registry, c: Cast, **terms: object) -> Grant:
    lic = reg.licensing
    t = make_terms(purposes=["ai-train"], **terms)  # type: ignore[arg-type]
    offer = lic.make_offer(SYSTEM, scope=OfferScope.PARTY, subject_id=c.poet, terms=t)
    return lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)


def test_records_are_signed_ledger_entries_and_idempotent(registry: Registry) -> None:
    c = cast(registry)
    grant = granted(registry, c, fee_model="free-attribution")
    dev = Actor(Role.DEVELOPER, c.developer)
    [record] = registry.licensing.record_credits(
        dev, grant.id, model="acme/writer-7b", period="2026-Q1"
    )
    assert (record.work_id, record.credit_line) == (c.poem, "Odes by Sam Poet")
    assert (record.licensee_id, record.model, record.period) == (
        c.developer,
        "acme/writer-7b",
        "2026-Q1",
    )
    assert record.document is not None
    verify_receipt(record.document, registry.signing_key.public_key())
    with registry.uow() as uow:
        entry = uow.ledger.entry(record.ledger_seq or 0)
    assert isinstance(entry, LedgerEntry) and entry.kind == "credit.recorded"
    check_receipt_against_entry(record.document, entry)
    seq = registry.service.counts()["ledger"]
    again = registry.licensing.record_credits(
        dev, grant.id, model="acme/writer-7b", period="2026-Q1"
    )
    assert again == [record]
    assert registry.service.counts()["ledger"] == seq  # nothing new
    assert registry.licensing.model_credits("acme/writer-7b") == [record]
    card = model_card_markdown("acme/writer-7b", [record])
    assert "## Credits: acme/writer-7b" in card and "- Odes by Sam Poet" in card
    assert model_card_json("acme/writer-7b", [record])["credits"][0]["credit_line"] == (
        "Odes by Sam Poet"
    )


def test_only_the_licensee_records_and_only_when_credit_is_required(registry: Registry) -> None:
    c = cast(registry)
    paid = granted(registry, c, fee_model="per-work", amount="10", currency="EUR")
    with pytest.raises(Conflict) as err:
        registry.licensing.record_credits(SYSTEM, paid.id, model="m", period="2026")
    assert "requires no credit" in err.value.message
    credited = granted(
        registry, c, fee_model="free-attribution", attribution="“{title}”, {creators}"
    )
    for actor in (Actor(Role.DEVELOPER, c.other_developer), Actor(Role.CREATOR, c.poet)):
        with pytest.raises(PermissionDenied):
            registry.licensing.record_credits(actor, credited.id, model="m", period="2026")
    for model, period, field in (("m", "2026-13", "period"), ("bad model!", "2026", "model")):
        with pytest.raises(ValidationError) as bad:
            registry.licensing.record_credits(SYSTEM, credited.id, model=model, period=period)
        assert bad.value.field == field
    assert registry.licensing.model_credits("m") == []


def test_what_credit_does_a_work_require(registry: Registry) -> None:
    c = cast(registry)
    lic = registry.licensing
    assert lic.work_credit(c.book)["credit_required"] is False
    t = make_terms(
        purposes=["ai-input"], fee_model="free-attribution", attribution="{title}, by {creators}"
    )
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.book, terms=t)
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    answer = lic.work_credit(c.book)
    assert answer["credit_required"] is True
    assert answer["credits"] == [
        {
            "offer_id": offer.id,
            "credit_line": "Emma, by Ann Author",
            "purposes": ["ai-input"],
            "grants": [grant.id],
        }
    ]
    assert lic.work_credit(c.poem)["credit_required"] is False


def test_model_card_markdown_is_inert() -> None:
    from datetime import UTC, datetime

    from consentry.licensing.credits import CreditRecord

    at = datetime(2026, 1, 1, tzinfo=UTC)
    line = "- *Odes* <b>by</b> [Sam](http://x) | #1_x"
    r = CreditRecord("cr1", "gr1", "w1", "dev", "m", "2026-Q1", line, at, 7)
    md = model_card_markdown("m", [r])
    assert (
        "- \\- \\*Odes\\* \\<b\\>by\\</b\\> \\[Sam\\](http://x) \\| \\#1\\_x (licence `gr1`)" in md
    )
    assert "### 2026-Q1" in md and "ledger entries 7" in md
