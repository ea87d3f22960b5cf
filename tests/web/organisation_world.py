"""A signed-in organisation in the browser's place: a society with two members who hold
works, two AI developers with an email address, a second society, a web account for each
society and a client holding the first one's session cookie (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import httpx

from consentry.api.app import create_app
from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM, Role
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from tests.notices.conftest import add_work

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A synchronous face on ``httpx.AsyncClient`` over ``httpx.ASGITransport`` holding a
    session cookie; ``post_form`` sends the CSRF token the last page carried."""

    def __init__(self, registry: Registry, session: str | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(registry)),
            base_url="http://testserver",
            cookies={"consentry_session": session} if session else None,
        )
        self.csrf = ""

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        r = self.loop.run_until_complete(self.http.get(url, **kwargs))
        found = CSRF.search(r.text)
        if found:
            self.csrf = found.group(1)
        return r

    def post_form(
        self,
        url: str,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        files: dict[str, Any] | None = None,
    ) -> httpx.Response:
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        pairs.append(("csrf_token", self.csrf))
        body: Any = dict(pairs) if files else pairs
        if not files:
            from urllib.parse import urlencode

            content = urlencode(pairs, doseq=True).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return self.loop.run_until_complete(
                self.http.post(url, content=content, headers=headers)
            )
        return self.loop.run_until_complete(self.http.post(url, data=body, files=files))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@dataclass
class OrgWorld:
    registry: Registry
    org: str
    other_org: str
    members: dict[str, str]  # name -> party id
    developers: dict[str, str]  # name -> party id
    session: str  # the society's account's session token
    other_session: str


def society(reg: Registry, name: str, email: str) -> str:
    return reg.service.create_party(
        SYSTEM,
        name=name,
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
        contacts=[ContactPoint("email", email)],
    ).id


def signed_in(reg: Registry, party: str, email: str) -> str:
    """A session token of a new organisation account for ``party``."""
    account = reg.accounts.create_account(
        SYSTEM, email=email, role=Role.ORGANISATION, party_id=party, password="a long passphrase"
    )
    return reg.accounts.start_session(account.id)


def build_org_world(reg: Registry) -> OrgWorld:
    svc = reg.service
    org = society(reg, "Society of Authors", "notices@society.example")
    other = society(reg, "Other Society", "rights@other.example")
    members: dict[str, str] = {}
    for n, name in enumerate(("Ann Author", "Bob Author")):
        p = svc.create_party(SYSTEM, name=name, kind=PartyKind.PERSON, roles=[PartyRole.CREATOR])
        members[name] = p.id
        add_work(reg, p.id, f"{name}'s novel", 2000 + n)
    developers: dict[str, str] = {}
    for name, email in (("Acme AI", "copyright@acme.example"), ("Beta AI", "legal@beta.example")):
        developers[name] = svc.create_party(
            SYSTEM,
            name=name,
            kind=PartyKind.ORGANISATION,
            roles=[PartyRole.AI_DEVELOPER],
            contacts=[ContactPoint("email", email)],
        ).id
    return OrgWorld(
        reg,
        org,
        other,
        members,
        developers,
        signed_in(reg, org, "office@society.example"),
        signed_in(reg, other, "office@other.example"),
    )


def mandates_csv(world: OrgWorld, *extra: str) -> bytes:
    rows = ["member,email,purposes,territories,valid_from,valid_until,evidence"]
    rows += [
        f"party:{pid},,,,2025-01-01,,signed form {n}"
        for n, pid in enumerate(world.members.values())
    ]
    rows += list(extra)
    return ("\n".join(rows) + "\n").encode()
