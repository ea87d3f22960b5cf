"""The organisation's pages on SQLite and PostgreSQL: a mandates file with a bad row shows
the row's error and stores nothing (the good file imports, again changes nothing); a
campaign is built, its letter previewed and sent to an SMTP server on loopback, its page
shows the states; another organisation's campaign is refused; withdraw, removals, schemes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.registry.access import Actor, Role
from consentry.web.organisation_sending import job
from tests.conftest import FakeClock, SequentialIds
from tests.notices.smtp import Mailbox, smtp_server
from tests.web.organisation_world import Browser, OrgWorld, build_org_world, mandates_csv


@dataclass
class Scene:
    world: OrgWorld
    box: Mailbox
    browser: Browser
    clock: FakeClock

    @property
    def registry(self) -> Registry:
        return self.world.registry


@pytest.fixture
def scene(settings: Settings, clock: FakeClock) -> Iterator[Scene]:
    """The ``settings`` of both backends, with an SMTP server on loopback to send to."""
    with smtp_server() as box:
        with_smtp = Settings(
            home=settings.home, database_url=settings.database_url, smtp_url=box.url
        )
        reg = build(with_smtp, clock=clock, ids=SequentialIds())
        world = build_org_world(reg)
        browser = Browser(reg, world.session)
        try:
            yield Scene(world, box, browser, clock)
        finally:
            browser.close()
            reg.close()


def _mandates(scene: Scene) -> int:
    actor = Actor(Role.ORGANISATION, scene.world.org)
    return len(scene.registry.service.mandates_with_names(actor))


def test_a_bad_row_shows_its_error_and_nothing_is_stored(scene: Scene) -> None:
    b = scene.browser
    assert b.get("/organisation/members").status_code == 200
    bad = mandates_csv(scene.world, "Cat Author,,no-such-purpose,,,,form 9")
    r = b.post_form(
        "/organisation/members/import", files={"file": ("members.csv", bad, "text/csv")}
    )
    assert r.status_code == 422
    assert '<th scope="row">3</th>' in r.text and "no-such-purpose" in r.text
    assert "nothing was imported" in r.text
    assert _mandates(scene) == 0
    good = mandates_csv(scene.world)
    r = b.post_form(
        "/organisation/members/import", files={"file": ("members.csv", good, "text/csv")}
    )
    assert r.status_code == 200 and "2 mandates granted" in r.text
    assert "Ann Author" in r.text and "in force" in r.text
    assert _mandates(scene) == 2
    again = b.post_form(
        "/organisation/members/import", files={"file": ("members.csv", good, "text/csv")}
    )
    assert "imported before: nothing changed" in again.text and _mandates(scene) == 2
    none = b.post_form("/organisation/members/import", files={"file": ("", b"", "text/csv")})
    assert none.status_code == 422 and "Choose the mandates CSV file" in none.text


def _campaign(scene: Scene, **fields: str | list[str]) -> str:
    b = scene.browser
    b.get("/organisation/members")
    b.post_form(
        "/organisation/members/import",
        files={"file": ("members.csv", mandates_csv(scene.world), "text/csv")},
    )
    assert b.get("/organisation/campaigns/new").status_code == 200
    form: list[tuple[str, str]] = [
        ("kind", "reservation"),
        ("territory", "WORLD"),
        ("deadline_days", "21"),
        ("developers_mode", "selected"),
        ("developers", scene.world.developers["Acme AI"]),
        ("members_mode", "all"),
        *[("purposes", p) for p in ("ai-train", "tdm")],
    ]
    for key, value in fields.items():
        form = [(k, v) for k, v in form if k != key]
        form += [(key, v) for v in ([value] if isinstance(value, str) else value)]
    r = scene.browser.post_form("/organisation/campaigns", form)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_a_campaign_is_previewed_then_sent_over_smtp(scene: Scene) -> None:
    b = scene.browser
    campaign = _campaign(scene)
    page = b.get(f"/organisation/campaigns/{campaign}")
    assert page.status_code == 200 and "drafted" in page.text
    assert "<svg" in page.text and "Preview the letter to Acme AI" in page.text
    notice = scene.registry.notices().status(Actor(Role.ORGANISATION, scene.world.org), campaign)[
        "notices"
    ][0]["notice_id"]
    preview = b.get(f"/organisation/campaigns/{campaign}/notices/{notice}/preview")
    assert preview.status_code == 200
    assert "Dear Acme AI" in preview.text and "Ann Author" in preview.text
    assert scene.box.arrived == []  # a preview sends nothing
    letter = b.get(f"/organisation/campaigns/{campaign}/notices/{notice}/letter.html")
    assert letter.status_code == 200 and "Acme AI" in letter.text
    assert letter.headers["content-security-policy"].startswith("default-src 'none'")
    b.get(f"/organisation/campaigns/{campaign}")
    r = b.post_form(f"/organisation/campaigns/{campaign}/send")
    assert r.status_code == 303
    sending = job(campaign)
    assert sending is not None and sending.thread is not None
    sending.thread.join(timeout=120)
    assert not sending.running and sending.error is None, sending.error
    [arrived] = scene.box.arrived
    assert arrived.recipients == ["copyright@acme.example"]
    assert notice in arrived.message_id
    states = b.get(f"/organisation/campaigns/{campaign}/states")
    assert states.status_code == 200 and "status-sent" in states.text
    assert "hx-trigger" not in states.text  # no more polling once the job is done
    assert "1 accepted" in states.text and "<li>sent <span" in states.text
    sent = b.get(f"/organisation/campaigns/{campaign}/notices/{notice}/preview")
    assert "as sent" in sent.text and "Dear Acme AI" in sent.text
    assert b.get(f"/organisation/campaigns/{campaign}/notices/n_nope/preview").status_code == 404


def _send(scene: Scene, campaign: str, **form: str) -> None:
    scene.browser.get(f"/organisation/campaigns/{campaign}")
    r = scene.browser.post_form(f"/organisation/campaigns/{campaign}/send", form)
    assert r.status_code == 303
    sending = job(campaign)
    assert sending is not None and sending.thread is not None
    sending.thread.join(timeout=120)
    assert not sending.running and sending.error is None, sending.error


def test_overdue_developers_are_reminded_and_the_evidence_bundle_verifies(scene: Scene) -> None:
    from consentry.ledger.evidence import verify_bundle

    campaign = _campaign(scene)  # deadline in 21 days
    _send(scene, campaign)
    scene.clock.advance(days=22)  # past the deadline, and the session's 14 days: sign in again
    _, token = scene.registry.accounts.log_in("office@society.example", "a long passphrase")
    scene.browser.http.cookies.set("consentry_session", token)
    page = scene.browser.get(f"/organisation/campaigns/{campaign}")
    assert "status-overdue" in page.text and "Send a reminder to it" in page.text
    _send(scene, campaign, followups="yes")
    first, reminder = scene.box.arrived
    assert str(reminder.message()["Subject"]).startswith("Reminder 1")
    assert reminder.message()["In-Reply-To"] == first.message_id
    bundle = scene.browser.get(f"/organisation/campaigns/{campaign}/evidence.zip")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    key = scene.registry.signing_key.public_key()
    report = verify_bundle(bundle.content, key)
    assert report.ok, report


def test_builder_errors_are_shown_beside_their_fields_and_keep_the_values(scene: Scene) -> None:
    b = scene.browser
    b.get("/organisation/campaigns/new")
    r = b.post_form(
        "/organisation/campaigns",
        [
            ("kind", "transparency"),
            ("territory", "Narnia"),
            ("deadline_days", "21"),
            ("developers_mode", "selected"),
            ("members_mode", "all"),
            ("purposes", "ai-train"),
        ],
    )
    assert r.status_code == 422
    assert 'id="f-territory-error"' in r.text or 'id="f-developers-error"' in r.text
    assert 'value="Narnia"' in r.text
    assert '<option value="transparency" selected>' in r.text


def test_another_organisations_campaign_is_refused(scene: Scene) -> None:
    campaign = _campaign(scene)
    other = Browser(scene.registry, scene.world.other_session)
    try:
        for path in ("", "/states", "/notices/x/preview"):
            r = other.get(f"/organisation/campaigns/{campaign}{path}")
            assert r.status_code in (403, 404), (path, r.status_code)
        other.get("/organisation/members")
        r = other.post_form(f"/organisation/campaigns/{campaign}/send")
        assert r.status_code in (403, 404)
        assert job(campaign) is None or job(campaign).campaign_id == campaign
        listed = other.get("/organisation/campaigns")
        assert campaign not in listed.text
    finally:
        other.close()
    assert scene.box.arrived == []


def test_withdraw_a_mandate_and_read_removals_and_schemes(scene: Scene) -> None:
    b = scene.browser
    b.get("/organisation/members")
    b.post_form(
        "/organisation/members/import",
        files={"file": ("members.csv", mandates_csv(scene.world), "text/csv")},
    )
    actor = Actor(Role.ORGANISATION, scene.world.org)
    mandate = scene.registry.service.mandates_with_names(actor)[0][0].id
    confirm = b.get(f"/organisation/mandates/{mandate}/withdraw")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    r = b.post_form(f"/organisation/mandates/{mandate}/withdraw")
    assert r.status_code == 303
    members = b.get("/organisation/members")
    assert f"Mandate {mandate} withdrawn." in members.text and "withdrawn 2026" in members.text
    assert b.get(f"/organisation/mandates/{mandate}/withdraw").status_code == 404
    campaign = _campaign(scene, kind="removal")
    removals = b.get(f"/organisation/removals?campaign={campaign}")
    assert removals.status_code == 200 and "requested" in removals.text
    scene.registry.licensing.create_scheme(
        actor, organisation_id=scene.world.org, name="AI Licences", purposes=["ai-train"]
    )
    schemes = b.get("/organisation/schemes")
    assert schemes.status_code == 200 and "AI Licences" in schemes.text
    assert b.get("/organisation").status_code == 200
    paid = b.get("/organisation/distributions")
    assert paid.status_code == 200 and "No closed distribution" in paid.text
