"""``consentry users invite|list`` on SQLite and PostgreSQL: the invitation link sets the
account's password once (through the web page), and is emailed when SMTP is configured."""

from __future__ import annotations

import json
import re

from tests.notices.smtp import smtp_server
from tests.web.conftest import PASSWORD, WebClient, csrf_of
from typer.testing import CliRunner

from consentry.bootstrap import build
from consentry.cli.app import build_app
from consentry.config import Settings
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole

runner = CliRunner()
PUBLIC = "http://consentry.test:8000"


def cli(settings: Settings, *args: str, smtp: str | None = None) -> tuple[int, str, str]:
    env = {
        "CONSENTRY_DATABASE_URL": settings.database_url,
        "CONSENTRY_HOME": None,
        "CONSENTRY_PUBLIC_URL": PUBLIC,
        "CONSENTRY_SMTP_URL": smtp,
    }
    result = runner.invoke(build_app(), [*args, "--home", str(settings.home)], env=env)
    return result.exit_code, result.stdout, result.stderr


def a_party(settings: Settings) -> str:
    reg = build(settings)
    try:
        return reg.service.create_party(
            SYSTEM,
            name="Society",
            kind=PartyKind.ORGANISATION,
            roles=[PartyRole.MEMBER_ORGANISATION],
        ).id
    finally:
        reg.close()


def test_invite_prints_a_link_that_sets_the_password(settings: Settings) -> None:
    party = a_party(settings)
    code, out, err = cli(
        settings, "users", "invite", "Org@Example.org", "--role", "organisation", "--party", party
    )
    assert code == 0, err
    assert re.fullmatch(rf"{PUBLIC}/reset/\S+\n", out), out
    assert "organisation" in err and "works once" in err
    path = out.strip().removeprefix(PUBLIC)
    reg = build(settings)
    web = WebClient(reg)
    try:
        page = web.get(path)
        assert page.status_code == 200 and "org@example.org" in page.text
        r = web.post(
            path, data={"csrf_token": csrf_of(page), "password": PASSWORD, "confirm": PASSWORD}
        )
        assert r.status_code == 303 and r.headers["location"] == "/organisation"
        assert web.get(path).status_code == 400  # once
    finally:
        web.close()
        reg.close()
    code, out, _ = cli(settings, "users", "list", "--json")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert (row["email"], row["role"], row["party_id"], row["state"]) == (
        "org@example.org",
        "organisation",
        party,
        "password set",
    )


def test_invite_refuses_bad_roles_and_parties(settings: Settings) -> None:
    code, _, err = cli(settings, "users", "invite", "a@example.org", "--role", "developer")
    assert code != 0 and "must name its party" in err
    code, _, err = cli(
        settings, "users", "invite", "a@example.org", "--role", "developer", "--party", "p_nope"
    )
    assert code != 0 and "p_nope" in err
    code, _, err = cli(settings, "users", "invite", "a@example.org", "--role", "king")
    assert code != 0 and "role" in err
    code, out, err = cli(
        settings, "users", "invite", "root@example.org", "--role", "admin", "--json"
    )
    assert code == 0, err
    made = json.loads(out)
    assert made["role"] == "admin" and made["party_id"] is None and not made["emailed"]
    code, _, err = cli(settings, "users", "invite", "ROOT@example.org", "--role", "admin")
    assert code != 0 and "exists already" in err
    code, out, _ = cli(settings, "users", "list")
    assert "root@example.org" in out and "invited" in out


def test_invite_is_emailed_when_smtp_is_set(settings: Settings) -> None:
    party = a_party(settings)
    with smtp_server() as box:
        code, out, err = cli(
            settings,
            "users",
            "invite",
            "dev@example.org",
            "--role",
            "developer",
            "--party",
            party,
            "--json",
            smtp=box.url,
        )
        assert code == 0, err
        made = json.loads(out)
        assert made["emailed"] is True
        (mail,) = box.arrived
    assert mail.recipients == ["dev@example.org"]
    body = mail.message().get_body(("plain",))
    assert body is not None and made["link"] in body.get_content()
    assert "7 days" in body.get_content()


def test_link_gives_an_existing_account_a_new_link(settings: Settings) -> None:
    party = a_party(settings)
    code, out, err = cli(
        settings,
        "users",
        "invite",
        "o@example.org",
        "--role",
        "organisation",
        "--party",
        party,
        "--json",
    )
    assert code == 0, err
    first = json.loads(out)["link"]
    code, out, err = cli(settings, "users", "link", "O@example.org", "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["email"] == "o@example.org" and again["link"] != first
    reg = build(settings)
    web = WebClient(reg)
    try:
        for url in (first, again["link"]):  # both work, each once
            path = url.removeprefix(PUBLIC)
            assert web.get(path).status_code == 200
    finally:
        web.close()
        reg.close()
    code, _, err = cli(settings, "users", "link", "nobody@example.org")
    assert code != 0 and "nobody@example.org" in err
