"""The developer's notices, licences and usage pages on SQLite and PostgreSQL: a developer
sees only the notices addressed to its party, acknowledges and replies through the notices
service; requests a licence; a usage report with a bad record stores nothing and shows the
record's number, column, value and what was expected."""

from __future__ import annotations

from consentry.bootstrap import Registry
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from tests.api.conftest import EMMA_ISBN, make_world
from tests.api.notices_world import sent_notice
from tests.web.conftest import WebClient, csrf_of, make_account, sign_in, sign_in_as

HEADER = "licensee,model,purpose,period,identifier,units,unit\n"


def test_a_developer_sees_only_its_notices_and_acknowledges_one(
    web: WebClient, registry: Registry
) -> None:
    w = make_world(registry)
    _, notice = sent_notice(w)
    other = registry.service.create_party(
        SYSTEM, name="Other Lab", kind=PartyKind.ORGANISATION, roles=[PartyRole.AI_DEVELOPER]
    )
    sign_in_as(web, registry, Role.DEVELOPER, party_id=other.id)
    listed = web.get("/developer/notices")
    assert listed.status_code == 200 and notice not in listed.text
    refused_page = web.get(f"/developer/notices/{notice}")
    assert refused_page.status_code == 403 and "Not allowed" in refused_page.text
    assert "not addressed to you" in refused_page.text
    assert web.get("/developer/notices/n_none").status_code == 404
    token = csrf_of(listed)
    refused = web.post(f"/developer/notices/{notice}/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 403 and "not addressed to you" in refused.text
    assert registry.notices().notice(SYSTEM, notice)["acknowledged_at"] is None

    web.post("/logout", data={"csrf_token": token})
    sign_in(
        web, make_account(registry, Role.DEVELOPER, email="lab@example.org", party_id=w.developer)
    )
    mine = web.get("/developer/notices")
    assert notice in mine.text and ">sent<" in mine.text
    page = web.get(f"/developer/notices/{notice}")
    assert page.status_code == 200 and "Society of Authors" in page.text  # the letter
    assert "Acknowledge receipt" in page.text
    missing = web.post(f"/developer/notices/{notice}/acknowledge", data={})
    assert missing.status_code == 403  # no CSRF token
    done = web.post(f"/developer/notices/{notice}/acknowledge", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 303 and done.headers["location"] == f"/developer/notices/{notice}"
    assert registry.notices().notice(SYSTEM, notice)["state"] == "acknowledged"
    after = web.get(f"/developer/notices/{notice}")
    assert "Receipt acknowledged." in after.text and "Acknowledge receipt" not in after.text


def test_a_reply_is_recorded_and_an_empty_one_keeps_the_page(
    web: WebClient, registry: Registry
) -> None:
    w = make_world(registry)
    _, notice = sent_notice(w)
    sign_in_as(web, registry, Role.DEVELOPER, party_id=w.developer)
    token = csrf_of(web.get(f"/developer/notices/{notice}"))
    empty = web.post(
        f"/developer/notices/{notice}/reply", data={"csrf_token": token, "text": "   "}
    )
    assert empty.status_code == 422 and 'id="f-text-error"' in empty.text
    r = web.post(
        f"/developer/notices/{notice}/reply",
        data={"csrf_token": token, "text": "We removed the works on 2 March."},
        files={"files": ("manifest.json", b'{"removed": 1}')},
    )
    assert r.status_code == 303, r.text
    seen = registry.notices().notice(SYSTEM, notice)
    assert seen["state"] == "answered"
    assert seen["answers"][0]["files"][0]["name"] == "manifest.json"
    assert "We removed the works on 2 March." in web.get(f"/developer/notices/{notice}").text


def test_a_developer_requests_a_licence_and_sees_its_state(
    web: WebClient, registry: Registry
) -> None:
    w = make_world(registry)
    terms = make_terms(purposes=["ai-train"], fee_model="free-attribution")
    offer = registry.licensing.make_offer(
        SYSTEM, scope=OfferScope.WORK, subject_id=w.work, terms=terms
    )
    sign_in_as(web, registry, Role.DEVELOPER, party_id=w.developer)
    page = web.get("/developer/licences")
    assert page.status_code == 200 and offer.id in page.text and "Emma" in page.text
    r = web.post(
        "/developer/licences/request", data={"csrf_token": csrf_of(page), "offer_id": offer.id}
    )
    assert r.status_code == 303
    mine = registry.licensing.developer_licences(Actor(Role.DEVELOPER, w.developer))
    [req] = mine.requests
    assert req.offer_id == offer.id
    after = web.get("/developer/licences")
    assert "waiting for the licensors" in after.text
    registry.licensing.grant(SYSTEM, req.id)
    assert "in force" in web.get("/developer/licences").text
    gone = web.post(
        "/developer/licences/request", data={"csrf_token": csrf_of(after), "offer_id": "of_none"}
    )
    assert gone.status_code == 404 and "of_none" in gone.text


def test_usage_with_a_bad_record_stores_nothing_and_shows_the_record(
    web: WebClient, registry: Registry
) -> None:
    w = make_world(registry)
    sign_in_as(web, registry, Role.DEVELOPER, party_id=w.developer)
    token = csrf_of(web.get("/developer/usage"))
    before = registry.service.counts()["ledger"]
    bad = (
        HEADER
        + f"AI Lab,lab-1,ai-train,2026-Q1,{EMMA_ISBN},1200,tokens\n"
        + f"AI Lab,lab-1,ai-train,2026-Q5,{EMMA_ISBN},10,tokens\n"
    )
    r = web.post(
        "/developer/usage",
        data={"csrf_token": token},
        files={"file": ("usage.csv", bad.encode())},
    )
    assert r.status_code == 422
    assert "nothing was stored" in r.text
    row = r.text[r.text.index('<th scope="row">2</th>') :]
    row = row[: row.index("</tr>")]
    assert "period" in row and "2026-Q5" in row and "YYYY-Qn (2026-Q1) or YYYY-MM" in row
    assert registry.service.counts()["ledger"] == before

    other = HEADER + f"Acme AI,a-1,ai-train,2026-Q1,{EMMA_ISBN},1,tokens\n"
    theirs = web.post(
        "/developer/usage", data={"csrf_token": token}, files={"file": ("u.csv", other.encode())}
    )
    assert theirs.status_code == 403 and "reports only its own usage" in theirs.text
    good = HEADER + f"AI Lab,lab-1,ai-train,2026-Q1,{EMMA_ISBN},1200,tokens\n"
    ok = web.post(
        "/developer/usage", data={"csrf_token": token}, files={"file": ("u.csv", good.encode())}
    )
    assert ok.status_code == 200 and "Imported 1 of 1 lines" in ok.text
    assert registry.service.counts()["ledger"] == before + 1
