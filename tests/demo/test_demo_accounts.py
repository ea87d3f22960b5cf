"""``consentry demo`` makes the web application's three demo accounts and prints how to sign
in with them at every start; each signs in with the printed password, as its role, for its
party. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

from tests.web.conftest import WebClient, csrf_of
from typer.testing import CliRunner

from consentry.bootstrap import build
from consentry.cli.app import build_app
from consentry.config import Settings
from consentry.demo.seed import DEMO_ACCOUNTS
from consentry.registry.access import SYSTEM

runner = CliRunner()


def test_demo_prints_accounts_that_sign_in(settings: Settings) -> None:
    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    result = runner.invoke(build_app(), ["demo", "--no-serve"], env=env)
    assert result.exit_code == 0, result.stderr
    printed = re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)$", result.stdout, re.M)
    assert printed == [(r.value, e, p) for r, e, p, _ in DEMO_ACCOUNTS]
    assert "web sign-in at /login" in result.stdout
    reg = build(settings)
    try:
        accounts = {a.email: a for a in reg.accounts.list_accounts(SYSTEM)}
        for role, email, password, name in DEMO_ACCOUNTS:
            account = accounts[email]
            assert account.role is role and account.party_id is not None
            assert reg.service.get_party(SYSTEM, account.party_id).name == name
            web = WebClient(reg)
            try:
                page = web.get("/login")
                r = web.post(
                    "/login",
                    data={"csrf_token": csrf_of(page), "email": email, "password": password},
                )
                assert r.status_code == 303 and r.headers["location"] == f"/{role.value}"
            finally:
                web.close()
    finally:
        reg.close()
    again = runner.invoke(build_app(), ["demo", "--no-serve"], env=env)  # idempotent
    assert again.exit_code == 0, again.stderr
    assert "already seeded" in again.stdout and "demo-creator-password" in again.stdout
