"""The creator's records pages (web/creator_records.py, web/creator_licences.py) on SQLite
and PostgreSQL: each shows the signed-in creator's own data and never another creator's;
granting and withdrawing a mandate go through the service's rules; a form with an error
keeps what was typed and shows the message beside its field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from consentry.accounting.usage import parse_report
from consentry.bootstrap import Registry
from consentry.licensing.terms import OfferScope, make_terms
from consentry.notices.delivery import SmtpTransport, SmtpUrl
from consentry.notices.kinds import NoticeKind
from consentry.notices.render import LetterRenderer
from consentry.notices.service import CampaignRequest
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from consentry.registry.purposes import Purpose
from tests.conftest import FakeClock
from tests.notices.conftest import add_work, isbn13
from tests.notices.smtp import smtp_server
from tests.web.conftest import SignedIn, WebClient, csrf_of, sign_in_as


@dataclass(frozen=True)
class World:
    me: SignedIn
    other: str  # another creator's party
    society: str
    developer: str
    my_work: str
    other_work: str


@pytest.fixture
def world(web: WebClient, registry: Registry) -> World:
    svc = registry.service
    me = sign_in_as(web, registry, Role.CREATOR)
    assert me.party_id is not None
    other = svc.create_party(
        SYSTEM, name="Olga Other", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
    ).id
    society = svc.create_party(
        SYSTEM,
        name="Society of Authors",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
        contacts=[ContactPoint("email", "notices@society.example")],
    ).id
    developer = svc.create_party(
        SYSTEM,
        name="Acme AI",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.AI_DEVELOPER],
        contacts=[ContactPoint("email", "legal@acme.example")],
    ).id
    mine = add_work(registry, me.party_id, "My First Novel", 1)
    theirs = add_work(registry, other, "Olga's Secret Diary", 2)
    return World(me, other, society, developer, mine, theirs)


def mandate(registry: Registry, w: World, member: str, clock: FakeClock) -> str:
    return registry.service.create_mandate(
        SYSTEM,
        organisation_id=w.society,
        member_id=member,
        purposes=[Purpose.AI_TRAIN, Purpose.TDM],
        territories=["WORLD"],
        valid_from=clock() - timedelta(days=1),
        valid_until=None,
        evidence=f"membership form of {member}",
    ).id


def grant_form(**changes: str) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "purposes": ["ai-train", "ai-input"],
        "territories": "GB, FR",
        "valid_from": "",
        "valid_until": "2027-06-30",
        "evidence": "signed form 2026/114",
    }
    data.update(changes)
    return data


# ----------------------------------------------------------------------------- mandates
def test_mandates_page_shows_mine_in_words_and_not_others(
    web: WebClient, registry: Registry, world: World, clock: FakeClock
) -> None:
    assert world.me.party_id is not None
    mine = mandate(registry, world, world.me.party_id, clock)
    theirs = mandate(registry, world, world.other, clock)
    page = web.get("/creator/mandates")
    assert page.status_code == 200
    assert mine in page.text and theirs not in page.text
    assert "Society of Authors" in page.text and "in force" in page.text
    assert "training or fine-tuning AI models" in page.text
    assert "send notices naming your works" in page.text
    assert "membership form of" in page.text and world.other not in page.text
    assert f'href="/creator/mandates/{mine}/withdraw"' in page.text
    assert re.search(r'<label for="f-evidence">Evidence', page.text)


def test_grant_a_mandate_through_the_service(
    web: WebClient, registry: Registry, world: World
) -> None:
    r = web.form(
        "/creator/mandates", "/creator/mandates", grant_form(organisation_id=world.society)
    )
    assert r.status_code == 303, r.text
    [m] = registry.service.list_mandates(SYSTEM, offset=0, limit=10)
    assert (m.member_id, m.organisation_id) == (world.me.party_id, world.society)
    assert m.purposes == {Purpose.AI_TRAIN, Purpose.AI_INPUT}
    assert m.territories == {"GB", "FR"} and m.valid_until is not None
    page = web.get("/creator/mandates")
    assert f"Mandate {m.id} granted" in page.text and "GB, FR" not in page.text
    assert "FR, GB" in page.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"territories": "GB, XX"}, "territories", "is not an ISO 3166-1 alpha-2 code"),
        ({"purposes": []}, "purposes", "covers no purpose"),
        ({"evidence": "  "}, "evidence", "has no evidence reference"),
        ({"valid_until": "31/12/2027"}, "valid_until", "is not a date"),
        ({"organisation_id": ""}, "organisation_id", "choose the organisation"),
    ],
)
def test_a_refused_mandate_keeps_what_was_typed(
    web: WebClient,
    registry: Registry,
    world: World,
    changes: dict[str, str | list[str]],
    field: str,
    message: str,
) -> None:
    data = grant_form(organisation_id=world.society) | changes
    r = web.form("/creator/mandates", "/creator/mandates", data)
    assert r.status_code == 422
    beside = re.search(rf'<p class="error" id="f-{field}-error">([^<]*)</p>', r.text)
    assert beside and message.lower() in beside.group(1).lower(), r.text
    if field != "evidence":
        assert 'value="signed form 2026/114"' in r.text
    if field != "territories":
        assert 'value="GB, FR"' in r.text
    if field != "purposes":
        assert re.search(r'value="ai-input" checked', r.text)
    if field != "organisation_id":
        assert re.search(rf'<option value="{world.society}" selected', r.text)
    assert registry.service.list_mandates(SYSTEM, offset=0, limit=10) == []


def test_an_organisation_that_is_not_one_is_refused_beside_its_field(
    web: WebClient, registry: Registry, world: World
) -> None:
    data = grant_form(organisation_id=world.developer)
    r = web.form("/creator/mandates", "/creator/mandates", data)
    assert r.status_code == 422
    assert 'id="f-organisation_id-error"' in r.text and "not a member organisation" in r.text


def test_withdraw_my_mandate_after_confirming(
    web: WebClient, registry: Registry, world: World, clock: FakeClock
) -> None:
    assert world.me.party_id is not None
    mine = mandate(registry, world, world.me.party_id, clock)
    confirm = web.get(f"/creator/mandates/{mine}/withdraw")
    assert confirm.status_code == 200 and "Withdraw the mandate" in confirm.text
    clock.advance(hours=1)
    r = web.post(f"/creator/mandates/{mine}/withdraw", data={"csrf_token": csrf_of(confirm)})
    assert r.status_code == 303
    assert registry.service.get_mandate(SYSTEM, mine).withdrawn_at == clock()
    page = web.get("/creator/mandates")
    assert "withdrawn" in page.text and f"/creator/mandates/{mine}/withdraw" not in page.text
    again = web.post(f"/creator/mandates/{mine}/withdraw", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 303  # already withdrawn: said on the next page
    assert "already withdrawn" in web.get("/creator/mandates").text


def test_a_creator_cannot_withdraw_another_creators_mandate(
    web: WebClient, registry: Registry, world: World, clock: FakeClock
) -> None:
    theirs = mandate(registry, world, world.other, clock)
    assert web.get(f"/creator/mandates/{theirs}/withdraw").status_code == 403
    token = csrf_of(web.get("/creator/mandates"))
    r = web.post(f"/creator/mandates/{theirs}/withdraw", data={"csrf_token": token})
    assert r.status_code == 403 and "not yours" in r.text
    assert registry.service.get_mandate(SYSTEM, theirs).withdrawn_at is None
    assert web.post(f"/creator/mandates/{theirs}/withdraw", data={}).status_code == 403


def test_other_roles_get_no_creator_records(web: WebClient, registry: Registry) -> None:
    sign_in_as(web, registry, Role.DEVELOPER)
    for path in ("/creator/mandates", "/creator/notices", "/creator/found"):
        assert web.get(path).status_code == 403
    for path in ("/creator/licences", "/creator/statements"):
        assert web.get(path).status_code == 403


# ----------------------------------------------------------------------------- notices
def test_notices_sent_on_my_behalf_and_their_answers(
    web: WebClient, registry: Registry, world: World, clock: FakeClock
) -> None:
    assert world.me.party_id is not None
    mandate(registry, world, world.me.party_id, clock)
    mandate(registry, world, world.other, clock)
    notices = registry.notices()

    def campaign(member: str, kind: NoticeKind) -> str:
        req = CampaignRequest(
            organisation_id=world.society,
            kind=kind,
            purposes=(Purpose.AI_TRAIN,),
            members=(member,),
            template_sha256=LetterRenderer().fingerprint(),
        )
        return str(notices.create_campaign(SYSTEM, req)["campaign_id"])

    mine = campaign(world.me.party_id, NoticeKind.RESERVATION)
    theirs = campaign(world.other, NoticeKind.REMOVAL)
    with smtp_server() as box:
        notices.queue(SYSTEM, mine, LetterRenderer())
        with SmtpTransport(SmtpUrl.parse(box.url)) as t:
            notices.deliver(SYSTEM, mine, t)
    dev = Actor(Role.DEVELOPER, world.developer)
    [n] = [n for n in notices.notices_for(dev) if n["campaign_id"] == mine]
    notices.answer(dev, n["notice_id"], "We will not train on these works.")
    page = web.get("/creator/notices")
    assert page.status_code == 200
    assert mine in page.text and theirs not in page.text
    assert "Reservation notice from Society of Authors" in page.text
    assert "Acme AI" in page.text and "answered" in page.text
    assert "We will not train on these works." in page.text
    assert "legal@acme.example" not in page.text  # the developer's address is not shown
    assert "No removal request names your works." in page.text
    assert "Olga" not in page.text


# ----------------------------------------------------------------------------- found
USAGE = "licensee,model,purpose,period,identifier,units,unit\n"


def test_found_shows_usage_of_my_works_with_a_chart(
    web: WebClient, registry: Registry, world: World
) -> None:
    text = USAGE + (
        f"Acme AI,acme-1,ai-train,2026-Q1,{isbn13(1)},2000,tokens\n"
        f"Acme AI,acme-2,ai-input,2026-Q1,{isbn13(1)},10,tokens\n"
        f"Acme AI,acme-1,ai-train,2026-Q1,{isbn13(2)},1000,tokens\n"
    )
    registry.accounting.import_usage(
        SYSTEM, parse_report(text.encode(), name="u.csv"), filename="u.csv"
    )
    page = web.get("/creator/found")
    assert page.status_code == 200
    assert "My First Novel" in page.text and "Olga" not in page.text
    assert isbn13(2) not in page.text and "acme-2" in page.text
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page.text, re.S)
    assert svg and "My First Novel: 2 lines" in svg.group(0)
    assert "this registry does\nnot keep them" in page.text


def test_found_says_so_when_nothing_names_my_works(web: WebClient, world: World) -> None:
    page = web.get("/creator/found")
    assert page.status_code == 200 and "No usage report names your works yet." in page.text


# ----------------------------------------------------------------------------- licences
def test_licences_show_offers_requests_grants_and_credits_of_my_works(
    web: WebClient, registry: Registry, world: World
) -> None:
    assert world.me.party_id is not None
    lic = registry.licensing
    terms = make_terms(purposes=["ai-train"], fee_model="free-attribution", term_days=365)
    offer = lic.make_offer(
        SYSTEM,
        scope=OfferScope.WORK,
        subject_id=world.my_work,
        terms=terms,
        by=[world.me.party_id],
    )
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=world.developer).id)
    dev = Actor(Role.DEVELOPER, world.developer)
    lic.record_credits(dev, grant.id, model="acme/writer-7b", period="2026-Q1")
    other = lic.make_offer(
        SYSTEM, scope=OfferScope.WORK, subject_id=world.other_work, terms=terms, by=[world.other]
    )
    page = web.get("/creator/licences")
    assert page.status_code == 200
    assert offer.id in page.text and other.id not in page.text
    assert "your work My First Novel" in page.text
    assert grant.id in page.text and "in force" in page.text and "Acme AI" in page.text
    assert "acme/writer-7b" in page.text and "Olga" not in page.text
    assert '<th scope="col">Licensee</th>' in page.text


def test_statements_show_my_lines_and_a_breakdown_chart(
    web: WebClient, registry: Registry, world: World
) -> None:
    text = USAGE + (
        f"Acme AI,acme-1,ai-train,2026-Q1,{isbn13(1)},3000,tokens\n"
        f"Acme AI,acme-1,ai-input,2026-Q1,{isbn13(1)},1000,tokens\n"
        f"Acme AI,acme-1,ai-train,2026-Q1,{isbn13(2)},4000,tokens\n"
    )
    registry.accounting.import_usage(
        SYSTEM, parse_report(text.encode(), name="u.csv"), filename="u.csv"
    )
    registry.accounting.distribute(SYSTEM, period="2026-Q1", pool="800.00", currency="GBP")
    page = web.get("/creator/statements")
    assert page.status_code == 200
    assert "2026-Q1 (GBP)" in page.text and "My First Novel" in page.text
    assert "Olga" not in page.text and isbn13(2) not in page.text
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page.text, re.S)
    assert svg and "ai-train: 300.00 GBP" in svg.group(0) and "ai-input: 100.00 GBP" in svg.group(0)
    assert "<dt>Paid</dt><dd>400.00 GBP</dd>" in page.text


def test_empty_pages_say_so(web: WebClient, world: World) -> None:
    assert "You have not given any organisation a mandate." in web.get("/creator/mandates").text
    assert "No organisation has sent a notice" in web.get("/creator/notices").text
    assert "No offer covers your works." in web.get("/creator/licences").text
    assert "No distribution has paid" in web.get("/creator/statements").text


def test_removal_requests_about_my_works_with_their_evidence(
    web: WebClient, registry: Registry, world: World, clock: FakeClock
) -> None:
    from consentry.notices.removals import RemovalState
    from consentry.notices.service_removals import update_removal

    assert world.me.party_id is not None
    for member in (world.me.party_id, world.other):
        mandate(registry, world, member, clock)
        req = CampaignRequest(
            organisation_id=world.society,
            kind=NoticeKind.REMOVAL,
            purposes=(Purpose.AI_TRAIN,),
            members=(member,),
            template_sha256=LetterRenderer().fingerprint(),
        )
        registry.notices().create_campaign(SYSTEM, req)
    mine = registry.notices().on_behalf_of(SYSTEM, world.me.party_id).removals
    assert [r["work_id"] for r in mine] == [world.my_work]
    dev = Actor(Role.DEVELOPER, world.developer)
    with registry.uow(write=True) as uow:
        update_removal(
            uow,
            mine[0]["removal_id"],
            RemovalState.ACKNOWLEDGED,
            [("rescan-report.json", b'{"format": "other"}')],
            now=clock(),
            actor=dev.label,
            who=dev,
        )
        uow.commit()
    page = web.get("/creator/notices")
    assert page.status_code == 200
    assert "My First Novel" in page.text and "acknowledged" in page.text
    assert "rescan-report.json (other," in page.text
    assert "Olga" not in page.text and world.other_work not in page.text
