"""``consentry disputes list|resolve`` on a real SQLite data folder, and ``lookup`` of a
disputed identifier."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.cli.common import registry_for
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

runner = CliRunner()
app = build_app()
ISBN = "isbn:9780007232833"


def run(*args: str, home: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.stdout, result.stderr


def two_claims(home: Path) -> tuple[str, str]:
    with registry_for(home) as reg:
        svc = reg.service
        works = []
        for name in ("Jane Writer", "Sam Poet"):
            party = svc.create_party(
                SYSTEM, name=name, kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
            ).id
            draft = WorkDraft(
                kind=WorkKind.BOOK,
                title=f"Emma by {name}",
                identifiers=(ISBN,),
                contributors=((PartyRef(party_id=party), ContributorRole.AUTHOR),),
                holders=((PartyRef(party_id=party), "creator", Decimal(100), "all"),),
            )
            works.append(svc.create_work(SYSTEM, draft).id)
    return works[0], works[1]


def test_list_and_resolve_a_dispute(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first, second = two_claims(home)
    code, out, err = run("disputes", "list", "--json", home=home)
    assert code == 0, err
    [dispute] = [json.loads(line) for line in out.splitlines()]
    assert dispute["identifier"] == ISBN
    assert dispute["work_ids"] == [first, second]
    code, out, _ = run("lookup", ISBN, home=home)
    assert f"DISPUTED ({dispute['id']})" in out
    assert "search=reserved" in out
    code, out, err = run("disputes", "resolve", dispute["id"], "--winner", "w_nope", home=home)
    assert code == 1, out
    assert "winner_work_id" in err or "w_nope" in err
    code, out, err = run(
        "disputes", "resolve", dispute["id"], "--winner", first, "--note", "contract", home=home
    )
    assert code == 0, err
    assert f"stays with {first}" in out
    code, out, err = run("disputes", "list", home=home)
    assert out == ""
    assert "no open disputes" in err
    code, out, _ = run("disputes", "list", "--all", home=home)
    assert f"resolved for {first}" in out
    code, out, _ = run("lookup", ISBN, "--json", home=home)
    found = json.loads(out)
    assert [w["work_id"] for w in found["works"]] == [first]
    assert found["disputed"] is False
    code, out, err = run("disputes", "resolve", dispute["id"], "--winner", first, home=home)
    assert code == 1
    assert "already resolved" in err
