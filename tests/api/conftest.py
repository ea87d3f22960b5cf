"""An API client over the real registry (SQLite, and PostgreSQL when configured), with a
small world: an organisation with a mandate from a creator, a second creator, a developer,
a work of each creator, one declaration, and a key for every role."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from consentry.api.app import create_app
from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.registry.access import SYSTEM, Role
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from tests.conftest import BACKENDS, PG_URL, FakeClock, SequentialIds

EMMA_ISBN = "isbn:9780007232833"
OTHER_ISBN = "isbn:9780141439518"


@dataclass
class World:
    registry: Registry
    org: str
    creator: str
    other_creator: str
    developer: str
    work: str
    other_work: str
    mandate: str
    receipt_seq: int
    tokens: dict[str, str]  # role name -> token
    last_dispute: tuple[str, str] = ("", "")  # (dispute id, a work of it), by new_dispute

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def new_mandate(self) -> str:
        """A fresh mandate from the creator to the organisation (for routes that use one up)."""
        svc = self.registry.service
        return svc.create_mandate(
            SYSTEM,
            organisation_id=self.org,
            member_id=self.creator,
            purposes=[Purpose.AI_TRAIN],
            territories=["WORLD"],
            valid_from=svc.clock(),
            valid_until=None,
            evidence="signed form",
        ).id

    def new_dispute(self) -> str:
        """A fresh open dispute (two unrelated creators claim a new ISBN); its id. The work of
        the first claim is kept in ``last_dispute`` for routes that resolve one."""
        svc = self.registry.service
        isbn = fresh_isbn()
        first = _work(self.registry, "Claimed", self.creator, isbn)
        _work(self.registry, "Claimed too", self.other_creator, isbn)
        dispute = svc.lookup([isbn])[0].dispute_id
        assert dispute is not None
        self.last_dispute = (dispute, first)
        return dispute

    def new_key(self) -> str:
        """A fresh developer key's id (for routes that revoke one)."""
        svc = self.registry.service
        return svc.create_api_key(SYSTEM, role=Role.DEVELOPER, party_id=self.developer)[0]


def fresh_isbn() -> str:
    """A valid ISBN-13 no other test uses (random body, computed check digit)."""
    body = f"978{secrets.randbelow(10**9):09d}"
    check = (10 - sum(int(c) * (3 if n % 2 else 1) for n, c in enumerate(body)) % 10) % 10
    return f"isbn:{body}{check}"


def _work(reg: Registry, title: str, party: str, isbn: str) -> str:
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title=title,
        identifiers=(isbn,),
        contributors=((PartyRef(party_id=party), ContributorRole.AUTHOR),),
        holders=((PartyRef(party_id=party), "creator", Decimal(100), "all"),),
    )
    return reg.service.create_work(SYSTEM, draft).id


def make_world(reg: Registry) -> World:
    svc = reg.service
    org = svc.create_party(
        SYSTEM,
        name="Society of Authors",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
    )
    creator = svc.create_party(
        SYSTEM,
        name="Jane Writer",
        kind=PartyKind.PERSON,
        roles=[PartyRole.CREATOR],
        contacts=[ContactPoint("email", "jane@example.org")],
    )
    other = svc.create_party(
        SYSTEM,
        name="Sam Poet",
        kind=PartyKind.PERSON,
        roles=[PartyRole.CREATOR],
        contacts=[ContactPoint("email", "sam@example.org")],
    )
    dev = svc.create_party(
        SYSTEM, name="AI Lab", kind=PartyKind.ORGANISATION, roles=[PartyRole.AI_DEVELOPER]
    )
    mandate = svc.create_mandate(
        SYSTEM,
        organisation_id=org.id,
        member_id=creator.id,
        purposes=list(Purpose),
        territories=["WORLD"],
        valid_from=svc.clock() - timedelta(days=1),
        valid_until=None,
        evidence="membership terms 2025",
    )
    work = _work(reg, "Emma", creator.id, EMMA_ISBN)
    other_work = _work(reg, "Odes", other.id, OTHER_ISBN)
    declared = svc.declare_terms(
        SYSTEM,
        party_id=creator.id,
        statuses={Purpose.SEARCH: Status.ALLOWED},
        work_id=work,
    )
    tokens = {
        "admin": svc.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)[1],
        "organisation": svc.create_api_key(SYSTEM, role=Role.ORGANISATION, party_id=org.id)[1],
        "creator": svc.create_api_key(SYSTEM, role=Role.CREATOR, party_id=creator.id)[1],
        "other_creator": svc.create_api_key(SYSTEM, role=Role.CREATOR, party_id=other.id)[1],
        "developer": svc.create_api_key(SYSTEM, role=Role.DEVELOPER, party_id=dev.id)[1],
        # developer keys whose party is the mandate's member or organisation: still keys for
        # lookups and decisions only, never for acting as that party
        "member_developer": svc.create_api_key(SYSTEM, role=Role.DEVELOPER, party_id=creator.id)[1],
        "org_developer": svc.create_api_key(SYSTEM, role=Role.DEVELOPER, party_id=org.id)[1],
    }
    return World(
        reg,
        org.id,
        creator.id,
        other.id,
        dev.id,
        work,
        other_work,
        mandate.id,
        declared.ledger_seq,
        tokens,
    )


@dataclass(frozen=True)
class Template:
    home: Path
    world: World
    ids_used: int


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The world built once on SQLite; each test gets a copy of its data folder (building the
    schema and the world for every test would cost most of the suite's time)."""
    home = tmp_path_factory.mktemp("api-template") / "home"
    ids = SequentialIds()
    reg = build(Settings(home=home), clock=FakeClock(), ids=ids)
    try:
        world = make_world(reg)
    finally:
        reg.close()
    return Template(home, world, ids.n)


@pytest.fixture
def registry(settings: Settings, clock: FakeClock, sqlite_template: Template) -> Iterator[Registry]:
    """Overrides the shared fixture: on SQLite a copy of the template, on PostgreSQL fresh."""
    ids = SequentialIds()
    if settings.database_url is None:
        shutil.copytree(sqlite_template.home, settings.home)
        ids.n = sqlite_template.ids_used
        reg = build(settings, clock=clock, ids=ids, run_migrations=False)
    else:
        reg = build(settings, clock=clock, ids=ids)
    try:
        yield reg
    finally:
        reg.close()


@pytest.fixture
def world(registry: Registry, settings: Settings, sqlite_template: Template) -> World:
    if settings.database_url is None:
        return replace(sqlite_template.world, registry=registry)
    return make_world(registry)


class ApiClient:
    """A synchronous face on ``httpx.AsyncClient`` over ``httpx.ASGITransport``: requests go
    through the real app in-process, on one event loop kept for the test."""

    def __init__(self, registry: Registry, **app_options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        app = create_app(registry, **app_options)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def client(registry: Registry) -> Iterator[ApiClient]:
    c = ApiClient(registry)
    try:
        yield c
    finally:
        c.close()


@dataclass(frozen=True)
class Shared:
    world: World
    client: ApiClient


@pytest.fixture(scope="module", params=BACKENDS)
def shared(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Template,
) -> Iterator[Shared]:
    """One world and client for a whole module, for tests whose calls leave it usable for the
    next (the permission table): building a PostgreSQL schema per test would cost most of the
    suite's time. Same backends as the shared ``settings`` fixture."""
    home = tmp_path_factory.mktemp("api-shared") / "home"
    ids = SequentialIds()
    if request.param == "sqlite":
        shutil.copytree(sqlite_template.home, home)
        ids.n = sqlite_template.ids_used
        reg = build(Settings(home=home), clock=FakeClock(), ids=ids, run_migrations=False)
        world = replace(sqlite_template.world, registry=reg)
        schema = None
    else:
        assert PG_URL is not None
        schema = f"t_{secrets.token_hex(6)}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        reg = build(Settings(home=home, database_url=url), clock=FakeClock(), ids=ids)
        world = make_world(reg)
    client = ApiClient(reg)
    try:
        yield Shared(world, client)
    finally:
        client.close()
        reg.close()
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
