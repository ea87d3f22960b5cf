"""A browser-like client over the real app (SQLite, and PostgreSQL when configured), and
helpers every area's web tests use: read a page's CSRF token, sign up, and make an account
of any role and sign it in.

    def test_my_page(web: WebClient, registry: Registry) -> None:
        user = sign_in_as(web, registry, Role.ORGANISATION)
        page = web.get("/organisation")
        web.post("/organisation/...", data={"csrf_token": csrf_of(page), ...})
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from consentry.api.app import create_app
from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM, Role
from consentry.registry.parties import PartyKind, PartyRole

PASSWORD = "correct horse battery staple"
# Real argon2id at a low cost: the default costs ~0.5 s a hash on a loaded CI machine, and
# web tests sign in often (tests/accounts checks the default parameters).
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def cheap_hashes(registry: Registry) -> None:
    registry.accounts.hasher = TEST_HASHER


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    """A synchronous face on ``httpx.AsyncClient`` over ``httpx.ASGITransport`` keeping
    cookies like a browser; redirects are not followed unless asked."""

    def __init__(self, registry: Registry, base_url: str = "http://testserver") -> None:
        cheap_hashes(registry)
        self.loop = asyncio.new_event_loop()
        self.app = create_app(registry)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=base_url
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def form(self, page_url: str, url: str, data: dict[str, str], **kw: Any) -> httpx.Response:
        """GET ``page_url``, then POST ``data`` to ``url`` with the page's CSRF token."""
        token = csrf_of(self.get(page_url, follow_redirects=True))
        return self.post(url, data={"csrf_token": token, **data}, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def web(registry: Registry) -> Iterator[WebClient]:
    c = WebClient(registry)
    try:
        yield c
    finally:
        c.close()


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(page.text)
    assert found, f"no csrf_token in the page {page.url}: {page.text[:500]}"
    return found.group(1)


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    email: str
    role: Role
    party_id: str | None
    password: str = PASSWORD


_PARTY_ROLE = {
    Role.CREATOR: (PartyKind.PERSON, PartyRole.CREATOR),
    Role.ORGANISATION: (PartyKind.ORGANISATION, PartyRole.MEMBER_ORGANISATION),
    Role.DEVELOPER: (PartyKind.ORGANISATION, PartyRole.AI_DEVELOPER),
}


def make_account(
    registry: Registry, role: Role, *, email: str | None = None, party_id: str | None = None
) -> SignedIn:
    """An account of ``role`` with password :data:`PASSWORD`, tied to ``party_id`` or to a
    new party of the right kind (none for admin)."""
    cheap_hashes(registry)
    if party_id is None and role in _PARTY_ROLE:
        kind, party_role = _PARTY_ROLE[role]
        party_id = registry.service.create_party(
            SYSTEM, name=f"Web {role.value}", kind=kind, roles=[party_role]
        ).id
    account = registry.accounts.create_account(
        SYSTEM,
        email=email or f"{role.value}@example.org",
        role=role,
        party_id=party_id,
        password=PASSWORD,
    )
    return SignedIn(account.id, account.email, account.role, account.party_id)


def sign_in(web: WebClient, who: SignedIn) -> None:
    r = web.form("/login", "/login", {"email": who.email, "password": who.password})
    assert r.status_code == 303, r.text


def sign_in_as(
    web: WebClient, registry: Registry, role: Role, *, party_id: str | None = None
) -> SignedIn:
    """A new account of ``role`` (see :func:`make_account`), signed in on ``web``."""
    who = make_account(registry, role, party_id=party_id)
    sign_in(web, who)
    return who


def session_csrf(web: WebClient, registry: Registry) -> str:
    """The signed-in session's CSRF token (what its pages' forms carry)."""
    found = registry.accounts.session(web.http.cookies["consentry_session"])
    assert found is not None, "not signed in"
    return found[1].csrf_token
