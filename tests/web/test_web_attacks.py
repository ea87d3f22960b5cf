"""The web application under attack (issue 13), on SQLite and PostgreSQL. Each test asserts
the outcome a user would see (the status) and that the registry did not change:

* every POST route of an area refuses a session of another role even with a good CSRF token;
* IDOR: a creator acting on another creator's work, receipt and mandate; a developer
  replying to a notice addressed to another developer; an organisation reading, sending or
  withdrawing through another organisation's campaign and mandate;
* huge fields (a 1 MB title, a 10 MB upload) and malformed identifiers in paths are
  refused with a page, never a 500;
* HTML typed into a text field comes back escaped on every page that shows it;
* a member's pages do not show the addresses of the parties its notices went to.

(CSRF refusals and the role x GET page table are in tests/web/test_guards.py.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from tests.api.conftest import EMMA_ISBN, World, make_world
from tests.api.notices_world import sent_notice
from tests.web.conftest import WebClient, csrf_of, make_account, session_csrf, sign_in
from tests.web.test_guards import area_of, concrete, web_routes

SCRIPT = "<script>alert('x')</script>\"'&"
ESCAPED = "&lt;script&gt;alert("


@pytest.fixture
def world(registry: Registry) -> World:
    return make_world(registry)


@pytest.fixture
def clients(registry: Registry) -> Iterator[list[WebClient]]:
    made: list[WebClient] = []
    yield made
    for c in made:
        c.close()


def signed(registry: Registry, made: list[WebClient], role: Role, party: str | None) -> WebClient:
    """A client signed in as a new account of ``role`` for ``party``."""
    web = WebClient(registry)
    made.append(web)
    email = f"{role.value}-{len(made)}@attack.example"
    sign_in(web, make_account(registry, role, email=email, party_id=party))
    return web


def post(web: WebClient, registry: Registry, url: str, **kw: object) -> int:
    data = {"csrf_token": session_csrf(web, registry), **kw.pop("data", {})}  # type: ignore[dict-item]
    return web.post(url, data=data, **kw).status_code  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ roles
def test_every_area_post_refuses_another_roles_session(
    web: WebClient, registry: Registry, clients: list[WebClient]
) -> None:
    sessions = {
        role: signed(registry, clients, role, None)
        for role in (Role.CREATOR, Role.ORGANISATION, Role.DEVELOPER, Role.ADMIN)
    }
    checked = 0
    for path in web_routes(web.app, "POST"):
        area = area_of(path)
        if area is None:
            continue
        for role, client in sessions.items():
            if role is area:
                continue
            status = post(client, registry, concrete(path), data={"title": "x"})
            assert status == 403, f"{role.value} POST {path}: {status}"
            checked += 1
    assert checked >= 3 * 15
    assert registry.service.counts()["works"] == 0


# ------------------------------------------------------------------------------ IDOR
def test_a_creator_cannot_act_on_another_creators_work(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    sam = signed(registry, clients, Role.CREATOR, world.other_creator)
    svc = registry.service
    before = svc.catalogue_work(Actor(Role.CREATOR, world.creator), world.work)
    ledger = svc.counts()["ledger"]
    terms = post(sam, registry, f"/creator/terms/{world.work}", data={"tdm": "allowed"})
    assert terms == 404
    upload = sam.post(
        f"/creator/works/{world.work}/text",
        data={"csrf_token": session_csrf(sam, registry)},
        files={"file": ("emma.txt", b"It is a truth universally acknowledged " * 50)},
    )
    assert upload.status_code == 404
    assert sam.get(f"/creator/works/{world.work}").status_code == 404
    receipt = sam.get(f"/creator/receipts/{world.receipt_seq}.json")
    assert receipt.status_code in (403, 404)
    assert "signature" not in receipt.text
    assert svc.catalogue_work(Actor(Role.CREATOR, world.creator), world.work) == before
    assert svc.counts()["ledger"] == ledger
    with registry.uow() as uow:
        assert world.work not in set(uow.fingerprints.work_ids())


def test_a_creator_cannot_withdraw_another_creators_mandate(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    sam = signed(registry, clients, Role.CREATOR, world.other_creator)
    assert sam.get(f"/creator/mandates/{world.mandate}/withdraw").status_code in (403, 404)
    status = post(sam, registry, f"/creator/mandates/{world.mandate}/withdraw")
    assert status in (403, 404)
    assert registry.service.get_mandate(SYSTEM, world.mandate).valid_until is None


def test_a_developer_cannot_reply_to_another_developers_notice(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    _, notice = sent_notice(world)

    other = registry.service.create_party(
        SYSTEM, name="Rival Lab", kind=PartyKind.ORGANISATION, roles=[PartyRole.AI_DEVELOPER]
    )
    rival = signed(registry, clients, Role.DEVELOPER, other.id)
    status = post(rival, registry, f"/developer/notices/{notice}/reply", data={"text": "no"})
    assert status == 403
    ack = post(rival, registry, f"/developer/notices/{notice}/acknowledge")
    assert ack == 403
    seen = registry.notices().notice(SYSTEM, notice)
    assert seen["state"] == "sent" and seen["acknowledged_at"] is None
    assert not registry.notices().notice(SYSTEM, notice).get("answers")


def test_an_organisation_cannot_use_another_organisations_campaign_or_mandate(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    campaign, notice = sent_notice(world)

    rival_org = registry.service.create_party(
        SYSTEM,
        name="Rival Society",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
    )
    rival = signed(registry, clients, Role.ORGANISATION, rival_org.id)
    base = f"/organisation/campaigns/{campaign}"
    for url in (
        base,
        f"{base}/states",
        f"{base}/evidence.zip",
        f"{base}/notices/{notice}/preview",
        f"{base}/notices/{notice}/letter.html",
        f"/organisation/mandates/{world.mandate}/withdraw",
    ):
        r = rival.get(url)
        assert r.status_code in (403, 404), f"{url}: {r.status_code}"
        assert "Society of Authors" not in r.text or r.status_code != 200
    state = registry.notices().status(SYSTEM, campaign)
    assert post(rival, registry, f"{base}/send") in (403, 404)
    assert post(rival, registry, f"/organisation/mandates/{world.mandate}/withdraw") in (403, 404)
    assert registry.notices().status(SYSTEM, campaign) == state
    assert registry.service.get_mandate(SYSTEM, world.mandate).valid_until is None


# ------------------------------------------------------------------------------ size
def test_a_one_megabyte_title_is_refused_beside_its_field(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    jane = signed(registry, clients, Role.CREATOR, world.creator)
    works = registry.service.counts()["works"]
    r = jane.post(
        "/creator/works",
        data={
            "csrf_token": session_csrf(jane, registry),
            "title": "T" * 1_000_000,
            "kind": "book",
            "identifiers": "isbn:9780306406157",
        },
    )
    assert r.status_code == 422, r.status_code
    assert "Too long: at most 1000 characters" in r.text and "String should" not in r.text
    assert registry.service.counts()["works"] == works


def test_ten_megabyte_uploads_are_refused_and_store_nothing(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    blob = b"\x00\xff" * (5 * 1024 * 1024)
    jane = signed(registry, clients, Role.CREATOR, world.creator)
    token = session_csrf(jane, registry)
    works = registry.service.counts()["works"]
    text = jane.post(
        f"/creator/works/{world.work}/text",
        data={"csrf_token": token},
        files={"file": ("novel.exe", blob)},
    )
    assert text.status_code in (413, 422)
    listing = jane.post(
        "/creator/import", data={"csrf_token": token}, files={"file": ("works.csv", blob)}
    )
    assert listing.status_code in (413, 422)
    org = signed(registry, clients, Role.ORGANISATION, world.org)
    members = org.post(
        "/organisation/members/import",
        data={"csrf_token": session_csrf(org, registry)},
        files={"file": ("mandates.csv", blob)},
    )
    assert members.status_code in (413, 422)
    dev = signed(registry, clients, Role.DEVELOPER, world.developer)
    usage = dev.post(
        "/developer/usage",
        data={"csrf_token": session_csrf(dev, registry)},
        files={"file": ("usage.csv", blob)},
    )
    assert usage.status_code in (413, 422)
    assert registry.service.counts()["works"] == works
    with registry.uow() as uow:
        assert world.work not in set(uow.fingerprints.work_ids())
    assert len(registry.service.list_mandates(SYSTEM, offset=0, limit=100)) == 1


# ------------------------------------------------------------------------------ identifiers
MALFORMED = [
    "'%20OR%201=1--",
    "..%5C..%5Cetc%5Cpasswd",
    "%3Cscript%3Ealert(1)%3C%5Cscript%3E",
    "x" * 5000,
    "%F0%9F%92%A9",
    "%FF%FE",
]
PAGES = [
    "/creator/works/{}",
    "/creator/receipts/{}",
    "/creator/receipts/{}.json",
    "/creator/mandates/{}/withdraw",
    "/organisation/campaigns/{}",
    "/organisation/mandates/{}/withdraw",
    "/developer/notices/{}",
    "/works/{}",
    "/reset/{}",
]


def test_malformed_identifiers_get_a_page_not_a_crash(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    by_area = {
        "/creator": signed(registry, clients, Role.CREATOR, world.creator),
        "/organisation": signed(registry, clients, Role.ORGANISATION, world.org),
        "/developer": signed(registry, clients, Role.DEVELOPER, world.developer),
    }
    visitor = WebClient(registry)
    clients.append(visitor)
    for page in PAGES:
        client = next((c for a, c in by_area.items() if page.startswith(a)), visitor)
        for bad in MALFORMED:
            r = client.get(page.format(bad))
            assert r.status_code in (400, 404, 422), f"{page.format(bad)[:80]}: {r.status_code}"
            assert "Traceback" not in r.text and "<script>alert(1)" not in r.text
            assert "text/html" in r.headers["content-type"], page


# ------------------------------------------------------------------------------ escaping
def test_html_typed_in_text_fields_is_escaped_wherever_it_is_shown(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    _, notice = sent_notice(world)
    jane = signed(registry, clients, Role.CREATOR, world.creator)
    r = jane.post(
        "/creator/works",
        data={
            "csrf_token": session_csrf(jane, registry),
            "title": f"Title {SCRIPT}",
            "kind": "book",
            "identifiers": "isbn:9780306406157",
        },
    )
    assert r.status_code == 303, r.text[:400]
    bad_id = jane.post(
        "/creator/works",
        data={
            "csrf_token": session_csrf(jane, registry),
            "title": "ok",
            "kind": "book",
            "identifiers": f"isbn:{SCRIPT}",
        },
    )
    assert bad_id.status_code == 422 and SCRIPT not in bad_id.text and ESCAPED in bad_id.text
    dev = signed(registry, clients, Role.DEVELOPER, world.developer)
    replied = post(
        dev, registry, f"/developer/notices/{notice}/reply", data={"text": f"Reply {SCRIPT}"}
    )
    assert replied == 303
    signup = WebClient(registry)
    clients.append(signup)
    refused = signup.post(
        "/signup",
        data={
            "csrf_token": csrf_of(signup.get("/signup")),
            "email": f"a{SCRIPT}@x",
            "name": f"Name {SCRIPT}",
            "password": "short",
            "confirm": "short",
        },
    )
    assert refused.status_code == 422 and SCRIPT not in refused.text
    org = signed(registry, clients, Role.ORGANISATION, world.org)
    campaign = sent_notice(world)[0]
    shown = {
        jane: [
            "/creator",
            "/creator/works",
            "/creator/terms",
            "/creator/receipts",
            "/creator/notices",
        ],
        dev: [f"/developer/notices/{notice}", "/developer/notices"],
        org: [f"/organisation/campaigns/{campaign}"],
        signup: ["/works/isbn:9780306406157"],
    }
    found = 0
    for client, urls in shown.items():
        for url in urls:
            page = client.get(url)
            assert page.status_code == 200, url
            assert SCRIPT not in page.text, f"{url} shows the typed HTML unescaped"
            assert "<script>alert" not in page.text, url
            found += ESCAPED in page.text
    assert found >= 4  # the title and the reply are shown, escaped


def test_a_members_pages_do_not_show_the_developers_address(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    sent_notice(world)  # to copyright@ailab.example
    jane = signed(registry, clients, Role.CREATOR, world.creator)
    for url in (
        "/creator",
        "/creator/notices",
        "/creator/mandates",
        "/creator/found",
        "/creator/licences",
    ):
        page = jane.get(url)
        assert page.status_code == 200, url
        assert "copyright@ailab.example" not in page.text, url
        assert "sam@example.org" not in page.text, url


def test_a_nul_character_is_refused_with_a_page_on_both_backends(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    """PostgreSQL cannot store NUL: it used to be a 500 there (and a normal answer on SQLite)."""
    _, notice = sent_notice(world)
    by_area = {
        "/creator": signed(registry, clients, Role.CREATOR, world.creator),
        "/organisation": signed(registry, clients, Role.ORGANISATION, world.org),
        "/developer": signed(registry, clients, Role.DEVELOPER, world.developer),
    }
    for page in PAGES:
        client = next((c for a, c in by_area.items() if page.startswith(a)), None)
        if client is None:
            continue
        r = client.get(page.format("%00"))
        assert r.status_code in (404, 422), f"{page}: {r.status_code}"
        assert "text/html" in r.headers["content-type"]
    assert by_area["/developer"].get("/developer/bundle?purpose=%00").status_code in (200, 422)
    dev = by_area["/developer"]
    reply = post(dev, registry, f"/developer/notices/{notice}/reply", data={"text": "a\x00b"})
    assert reply == 422
    assert not registry.notices().notice(SYSTEM, notice).get("answers")
    visitor = WebClient(registry)
    clients.append(visitor)
    accounts = len(registry.accounts.list_accounts(SYSTEM))
    for url, data in (
        (
            "/signup",
            {"email": "a\x00b@example.org", "name": "A", "password": "p" * 14, "confirm": "p" * 14},
        ),
        ("/reset", {"email": "a\x00b@example.org"}),
        ("/login", {"email": "a\x00b@example.org", "password": "p" * 14}),
    ):
        token = csrf_of(visitor.get(url))
        r = visitor.post(url, data={"csrf_token": token, **data})
        assert r.status_code == 422, f"{url}: {r.status_code}"
        assert "NUL" in r.text and "text/html" in r.headers["content-type"]
    assert len(registry.accounts.list_accounts(SYSTEM)) == accounts


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        " //evil.example",
        "/creator\r\nSet-Cookie: a=b",
    ],
)
def test_sign_in_never_sends_the_browser_off_site(
    web: WebClient, registry: Registry, target: str
) -> None:
    who = make_account(registry, Role.CREATOR)
    token = csrf_of(web.get("/login"))
    r = web.post(
        "/login",
        data={"csrf_token": token, "email": who.email, "password": who.password, "next": target},
    )
    assert r.status_code == 303 and r.headers["location"] == "/creator"


def test_a_refused_file_is_named_as_uploaded_not_by_a_server_path(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    jane = signed(registry, clients, Role.CREATOR, world.creator)
    r = jane.post(
        f"/creator/works/{world.work}/text",
        data={"csrf_token": session_csrf(jane, registry)},
        files={"file": ("novel.exe", b"MZ" * 100)},
    )
    assert r.status_code == 422
    assert "novel.exe" in r.text and "/tmp" not in r.text and "work.exe" not in r.text


def test_a_mandates_evidence_is_escaped_for_the_organisation(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    sam = signed(registry, clients, Role.CREATOR, world.other_creator)
    granted = sam.post(
        "/creator/mandates",
        data={
            "csrf_token": session_csrf(sam, registry),
            "organisation_id": world.org,
            "purposes": "tdm",
            "territories": "WORLD",
            "evidence": f"Form {SCRIPT}",
        },
    )
    assert granted.status_code == 303, granted.text[:500]
    org = signed(registry, clients, Role.ORGANISATION, world.org)
    for client, url in ((sam, "/creator/mandates"), (org, "/organisation/members")):
        page = client.get(url)
        assert page.status_code == 200
        assert SCRIPT not in page.text and ESCAPED in page.text, url


def test_a_session_cookie_is_dead_after_sign_out(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    jane = signed(registry, clients, Role.CREATOR, world.creator)
    stolen = jane.http.cookies["consentry_session"]
    assert post(jane, registry, "/logout") == 303
    thief = WebClient(registry)
    clients.append(thief)
    thief.http.cookies.set("consentry_session", stolen)
    r = thief.get("/creator/works")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_developer_sees_no_creators_address(
    world: World, registry: Registry, clients: list[WebClient]
) -> None:
    _, notice = sent_notice(world)
    dev = signed(registry, clients, Role.DEVELOPER, world.developer)
    looked = dev.post(
        "/developer/lookup",
        data={"csrf_token": session_csrf(dev, registry), "ids": EMMA_ISBN},
    )
    assert looked.status_code == 200 and "Emma" in looked.text
    pages = [looked.text] + [
        dev.get(u).text
        for u in ("/developer", "/developer/notices", f"/developer/notices/{notice}")
    ]
    for text in pages:
        assert "jane@example.org" not in text and "sam@example.org" not in text
