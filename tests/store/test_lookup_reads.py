"""The command line's lookup on SQLite without SQLAlchemy (``bootstrap.open_lookups``,
``store/lookup_reads.py``) answers exactly as the whole registry does, and is used only when
the database exists with the newest schema."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from tests.conftest import FakeClock, SequentialIds

from consentry.bootstrap import Registry, build, open_lookups
from consentry.config import Settings
from consentry.errors import StorageError
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from consentry.store import bulk_reads

EMMA = "isbn:9780007232833"
OTHER = "isbn:9780141439587"
ASKED = [EMMA, OTHER, "978-0-14-143958-7", "isbn:9780000000003", "doi:10.1000/none", "nonsense"]


def _seed(settings: Settings, clock: FakeClock) -> None:
    """Two unrelated claims of one ISBN (a dispute), declarations of works and catalogues,
    in territories and over time."""
    reg = build(settings, clock=clock, ids=SequentialIds())
    try:
        svc = reg.service
        parties = []
        for name in ("Jane Writer", "Sam Poet", "Press"):
            kind = PartyKind.ORGANISATION if name == "Press" else PartyKind.PERSON
            role = PartyRole.PUBLISHER if name == "Press" else PartyRole.CREATOR
            parties.append(svc.create_party(SYSTEM, name=name, kind=kind, roles=[role]).id)
        jane, sam, press = parties
        works = []
        for author, ident in ((jane, EMMA), (sam, EMMA), (jane, OTHER)):
            draft = WorkDraft(
                kind=WorkKind.BOOK,
                title=f"A book by {author} ({ident})",
                identifiers=(ident,),
                contributors=((PartyRef(party_id=author), ContributorRole.AUTHOR),),
                # Sam's claim of Emma shares no party with Jane's: a dispute
                holders=(
                    ((PartyRef(party_id=sam), "creator", Decimal(100), "all"),)
                    if author == sam
                    else (
                        (PartyRef(party_id=author), "creator", Decimal(50), "all"),
                        (PartyRef(party_id=press), "publisher", Decimal(50), "all"),
                    )
                ),
            )
            works.append(svc.create_work(SYSTEM, draft).id)
        allowed = {p: Status.ALLOWED for p in Purpose}
        svc.declare_terms(SYSTEM, party_id=press, statuses=allowed)
        svc.declare_terms(SYSTEM, party_id=jane, statuses=allowed, attribution_required=True)
        svc.declare_terms(
            SYSTEM, party_id=jane, statuses={Purpose.AI_TRAIN: Status.RESERVED}, territory="FR"
        )
        clock.advance(days=1)
        svc.declare_terms(
            SYSTEM,
            party_id=jane,
            work_id=works[2],
            statuses={Purpose.AI_TRAIN: Status.LICENCE},
            licence_url="https://example.org/licence",
        )
        svc.declare_terms(SYSTEM, party_id=sam, statuses={Purpose.SEARCH: Status.ALLOWED})
        clock.advance(days=1)
    finally:
        reg.close()


def _answers(service: Any, clock: FakeClock) -> list[Any]:
    out = []
    for territory in (None, "WORLD", "GB", "FR"):
        for at in (None, clock.now - timedelta(days=1), clock.now - timedelta(days=3)):
            results = service.lookup(ASKED, at=at, territory=territory)
            out.append([r.to_json() for r in results])
    return out


def test_the_light_lookup_answers_as_the_whole_registry(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = Settings(home=tmp_path / "home")
    _seed(settings, clock)
    reg = build(settings, clock=clock)
    light = open_lookups(settings, clock=clock)
    assert light is not None
    try:
        whole = _answers(reg.service, clock)
        assert _answers(light.service, clock) == whole
    finally:
        light.close()
        reg.close()
    first = whole[0]
    assert first[0]["disputed"] and first[0]["dispute_id"] and len(first[0]["works"]) == 2
    assert first[1]["works"][0]["terms"]["ai-train"] == "reserved"  # FR reserves: everywhere
    assert "error" in first[3] and "error" in first[5]
    assert first[4]["works"] == []


def test_every_bulk_read_gives_the_same_rows_on_sqlite3(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = Settings(home=tmp_path / "home")
    _seed(settings, clock)
    reg = build(settings, clock=clock)
    conn = sqlite3.connect(tmp_path / "home" / "consentry.sqlite3")
    ids = ["w00006", "w00007", "w00008", "p00001", "p00002", "p00003", EMMA, OTHER, "none"]
    try:
        with reg.uow() as uow:
            for name in dir(bulk_reads):
                read = getattr(bulk_reads, name)
                if not (name.isupper() and isinstance(read, bulk_reads.BulkRead)):
                    continue
                selected = read.sql.split(" FROM ")[0].removeprefix("SELECT ").split(",")
                cols = tuple(c.strip().strip('"') for c in selected)
                for asked in (ids, [], ids[:1]):
                    got = read.sqlite_rows(conn, asked, *cols)
                    assert got == read.rows(uow.session, asked, *cols), name
    finally:
        conn.close()
        reg.close()


def test_no_light_lookup_without_a_current_sqlite_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert open_lookups(Settings(home=home)) is None  # nothing there yet
    assert not home.exists()  # and nothing was created
    build(Settings(home=home)).close()
    light = open_lookups(Settings(home=home))
    assert light is not None
    light.close()
    conn = sqlite3.connect(home / "consentry.sqlite3")
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    assert open_lookups(Settings(home=home)) is None  # behind: the full path migrates
    url = f"sqlite:///{home / 'consentry.sqlite3'}"
    assert open_lookups(Settings(home=home, database_url=url)) is None  # not the default
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "consentry.sqlite3").write_bytes(b"not a database at all")
    assert open_lookups(Settings(home=tmp_path / "broken")) is None


def test_the_light_registry_answers_lookups_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build(Settings(home=home)).close()
    light = open_lookups(Settings(home=home))
    assert light is not None
    try:
        with pytest.raises(StorageError, match="lookups only"):
            light.service.counts()
    finally:
        light.close()


def test_postgresql_reads_all_ids_in_one_statement_sqlite_in_chunks(registry: Registry) -> None:
    """Decision (issue 8): PostgreSQL takes the ids as one array, so a lookup's read is one
    statement (each cost 1-3 ms of planning); SQLite's IN (...) is cut at 2,000 parameters."""
    asked = [_isbn13(n) for n in range(2500)]  # valid, none registered
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM work_identifiers" in statement:
            statements.append(statement)

    event.listen(registry.engine, "before_cursor_execute", count)
    try:
        results = registry.service.lookup(asked)
    finally:
        event.remove(registry.engine, "before_cursor_execute", count)
    assert [r.works for r in results] == [()] * 2500
    expected = 1 if registry.engine.dialect.name == "postgresql" else 2
    assert len(statements) == expected


def _isbn13(n: int) -> str:
    body = f"978{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return f"isbn:{body}{(10 - total % 10) % 10}"
