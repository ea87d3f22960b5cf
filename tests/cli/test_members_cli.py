"""``consentry parties|mandates|developers`` end to end, on SQLite and PostgreSQL.

Issue 11: "Whole file or nothing, record-numbered errors, re-import is a no-op — the same
rules as `import csv`"; mandates granted by the file are the same as those granted through
the API (one ``mandate.created`` ledger event each, honoured by ``authorise``).
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentry.bootstrap import build
from consentry.cli.app import build_app
from consentry.config import Settings
from consentry.errors import MandateError
from consentry.registry.mandates import authorise
from consentry.registry.purposes import Purpose

runner = CliRunner()
HEADER = "member,email,purposes,territories,valid_from,valid_until,evidence\n"


def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {"CONSENTRY_DATABASE_URL": settings.database_url, "CONSENTRY_HOME": None}
    result = runner.invoke(build_app(), [*args, "--home", str(settings.home)], env=env)
    return result.exit_code, result.stdout, result.stderr


def ok(settings: Settings, *args: str) -> str:
    code, out, err = cli(settings, *args)
    assert code == 0, (args, out, err)
    return out


def add(settings: Settings, *args: str) -> str:
    return str(json.loads(ok(settings, "parties", "add", *args, "--json"))["party_id"])


def ledger_kinds(settings: Settings) -> list[str]:
    reg = build(settings)
    try:
        with reg.uow() as uow:
            return [e.kind for e in uow.ledger.entries()]
    finally:
        reg.close()


@pytest.fixture
def society(settings: Settings) -> str:
    return add(
        settings,
        "Society of Authors",
        "--kind",
        "organisation",
        "--role",
        "member-organisation",
        "--contact",
        "email:info@soa.example",
        "--contact",
        "postal:24 Bedford Row, London",
    )


def test_parties_add_list_show(settings: Settings, society: str) -> None:
    jane = add(
        settings,
        "Jane Author",
        "--kind",
        "person",
        "--role",
        "creator",
        "--identifier",
        "isni:0000000121479135",
        "--contact",
        "email:jane@example.org",
    )
    plain = ok(settings, "parties", "add", "Sam Poet", "--kind", "person").strip()
    assert plain.startswith("p")
    shown = json.loads(ok(settings, "parties", "show", jane, "--json"))
    assert shown == {
        "party_id": jane,
        "name": "Jane Author",
        "kind": "person",
        "roles": ["creator"],
        "identifiers": ["isni:0000000121479135"],
        "contacts": [{"kind": "email", "value": "jane@example.org"}],
    }
    listed = json.loads(ok(settings, "parties", "list", "--json"))["items"]
    assert {p["party_id"] for p in listed} == {society, jane, plain}
    orgs = json.loads(ok(settings, "parties", "list", "--role", "member-organisation", "--json"))
    assert [p["party_id"] for p in orgs["items"]] == [society]
    code, _, err = cli(settings, "parties", "add", "X", "--kind", "robot")
    assert code == 2 and "unknown party kind 'robot'" in err
    code, _, err = cli(settings, "parties", "add", "X", "--kind", "person", "--contact", "fax:1")
    assert code == 2 and "'fax:1'" in err and "KIND:VALUE" in err
    code, _, err = cli(settings, "parties", "add", "X", "--kind", "person", "--role", "robot")
    assert code == 2 and "unknown party role 'robot'" in err


def test_mandates_import_list_withdraw(settings: Settings, society: str, tmp_path: Path) -> None:
    jane = add(settings, "Jane Author", "--kind", "person", "--role", "creator")
    digest = hashlib.sha256(b"signed form of Sam").hexdigest()
    f = tmp_path / "members.csv"
    f.write_text(
        HEADER
        + "jane  AUTHOR,jane@example.org,ai-train;tdm,GB;FR,2026-01-01,,form 2026-001\n"
        + f"Sam Poet,sam@example.org,,,2026-01-01,2030-01-01,{digest}\n"
        + f"party:{jane},,search,,2026-01-01,,form 2026-002\n",
        encoding="utf-8",
    )
    out = ok(settings, "mandates", "import", str(f), "--organisation", society)
    assert "records: 3, granted: 3, unchanged: 0, rejected: 0, new parties: 1" in out
    items = json.loads(ok(settings, "mandates", "list", "--organisation", society, "--json"))
    items = items["items"]
    assert [i["member_name"] for i in items] == ["Jane Author", "Jane Author", "Sam Poet"]
    sam = items[2]
    assert set(sam) == {
        "mandate_id",
        "organisation_id",
        "member_id",
        "member_name",
        "purposes",
        "territories",
        "valid_from",
        "valid_until",
        "withdrawn_at",
        "evidence",
    }
    assert sam["purposes"] == sorted(p.value for p in Purpose)  # empty = all
    assert sam["territories"] == ["WORLD"]
    assert sam["valid_until"] == "2030-01-01T00:00:00+00:00"
    assert sam["evidence"] == f"sha256:{digest}"
    first = next(i for i in items if i["evidence"] == "form 2026-001")
    assert first["territories"] == ["FR", "GB"] and first["withdrawn_at"] is None
    sam_party = json.loads(ok(settings, "parties", "show", sam["member_id"], "--json"))
    assert sam_party["contacts"] == [{"kind": "email", "value": "sam@example.org"}]
    # granted as through the API: one ledger event each, honoured by authorise
    kinds = ledger_kinds(settings)
    assert kinds.count("mandate.created") == 3 and kinds[-1] == "import.completed"
    reg = build(settings)
    try:
        with reg.uow() as uow:
            held = uow.mandates.of_organisation(society)
        at = datetime(2026, 6, 1, tzinfo=UTC)
        m = authorise(
            held,
            organisation_id=society,
            member_id=jane,
            purposes=[Purpose.TDM],
            at=at,
            territory="GB",
        )
        assert m.evidence == "form 2026-001"
        with pytest.raises(MandateError):
            authorise(
                held,
                organisation_id=society,
                member_id=jane,
                purposes=[Purpose.AI_INPUT],
                at=at,
                territory="GB",
            )
    finally:
        reg.close()
    # the same file again: nothing changes
    before = ledger_kinds(settings)
    assert "nothing changed" in ok(
        settings, "mandates", "import", str(f), "--organisation", society
    )
    assert ledger_kinds(settings) == before
    # the same rows in another file: nothing granted twice
    g = tmp_path / "again.csv"
    g.write_text(f.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    out = ok(settings, "mandates", "import", str(g), "--organisation", society)
    assert "granted: 0, unchanged: 3" in out
    # withdraw
    out = ok(settings, "mandates", "withdraw", sam["mandate_id"])
    assert f"mandate {sam['mandate_id']} withdrawn at" in out
    after = json.loads(ok(settings, "mandates", "list", "--json"))["items"]
    assert next(i for i in after if i["mandate_id"] == sam["mandate_id"])["withdrawn_at"]
    code, _, err = cli(settings, "mandates", "withdraw", sam["mandate_id"])
    assert code == 1 and "already withdrawn" in err


def test_an_invalid_mandates_file_imports_nothing(
    settings: Settings, society: str, tmp_path: Path
) -> None:
    add(settings, "Twin Name", "--kind", "person")
    add(settings, "Twin Name", "--kind", "person")
    f = tmp_path / "bad.csv"
    f.write_text(
        HEADER
        + "Ann Writer,ann@example.org,ai-train,,2026-01-01,,form 1\n"
        + "Bob,,ai-trian,,,,form 2\n"
        + "Twin Name,,,,,,form 3\n"
        + f"party:{society},,,,,,form 4\n"
        + "party:p_nobody,,,,,,form 5\n"
        + "Ann Writer,,ai-train,,2026-01-01,,form 1\n",
        encoding="utf-8",
    )
    before = ledger_kinds(settings)
    parties_before = ok(settings, "parties", "list", "--json")
    code, _, err = cli(settings, "mandates", "import", str(f), "--organisation", society)
    assert code == 2
    assert "bad.csv: 5 of 6 records are invalid; nothing was imported" in err
    assert "record 2: Bob: purposes: unknown purpose 'ai-trian', expected one of" in err
    assert "record 3: Twin Name: member: name 'Twin Name' matches 2 parties" in err
    assert f"record 4: party:{society}: member: {society} is the organisation itself" in err
    assert "record 5: party:p_nobody: member: party:p_nobody does not exist" in err
    assert "record 6: Ann Writer: the same mandate is also in record 1" in err
    assert ledger_kinds(settings) == before
    assert ok(settings, "parties", "list", "--json") == parties_before
    assert json.loads(ok(settings, "mandates", "list", "--json"))["items"] == []
    # --skip-invalid: the valid record, the rejects written where --rejects says
    rejects = tmp_path / "rejects.csv"
    out = ok(
        settings,
        "mandates",
        "import",
        str(f),
        "--organisation",
        society,
        "--skip-invalid",
        "--rejects",
        str(rejects),
    )
    assert "granted: 1" in out and "rejected: 5" in out and "new parties: 1" in out
    rows = list(csv.reader(rejects.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["record", "reason"] and [r[0] for r in rows[1:]] == ["2", "3", "4", "5", "6"]


def test_mandates_need_a_member_organisation(settings: Settings, tmp_path: Path) -> None:
    lab = add(settings, "AI Lab", "--kind", "organisation", "--role", "ai-developer")
    f = tmp_path / "m.csv"
    f.write_text(HEADER + "Ann,,,,,,form 1\n", encoding="utf-8")
    code, _, err = cli(settings, "mandates", "import", str(f), "--organisation", lab)
    assert code == 2 and f"party {lab} is not a member organisation" in err
    code, _, err = cli(settings, "mandates", "import", str(f), "--organisation", "p_none")
    assert code == 1 and "p_none" in err
    assert json.loads(ok(settings, "parties", "list", "--json"))["items"][0]["name"] == "AI Lab"
    assert len(json.loads(ok(settings, "parties", "list", "--json"))["items"]) == 1


def test_developers_seed_import_list(settings: Settings, tmp_path: Path) -> None:
    out = ok(settings, "developers", "seed")
    assert "listed: 25" in out
    assert "nothing changed" in ok(settings, "developers", "seed")  # idempotent
    f = tmp_path / "developers.csv"
    f.write_text(
        "name,email,postal_address,optout_url,tokens\n"
        'openai,copyright@openai.example,"1 Main St, SF",https://openai.example/form,GPTBot\n'
        "Tiny Lab,,,,Timpibot\n",
        encoding="utf-8",
    )
    out = ok(settings, "developers", "import", str(f))
    assert "listed: 1, completed: 1, unchanged: 0" in out
    directory = json.loads(ok(settings, "developers", "list", "--json"))["items"]
    by_name = {d["name"]: d for d in directory}
    openai = by_name["OpenAI"]
    assert openai["emails"] == ["copyright@openai.example"]
    assert openai["postal_addresses"] == ["1 Main St, SF"]
    assert openai["optout_urls"] == [
        "https://platform.openai.com/docs/bots",
        "https://openai.example/form",
    ]
    assert "GPTBot" in openai["tokens"] and "OAI-SearchBot" in openai["tokens"]
    assert by_name["Tiny Lab"]["tokens"] == ["Timpibot"]
    assert all(not d["emails"] for n, d in by_name.items() if n != "OpenAI")
    # a token operated by another developer, an unknown token: the whole file refused
    g = tmp_path / "bad.csv"
    g.write_text(
        "name,email,postal_address,optout_url,tokens\n"
        "Anthropic,legal@anthropic.example,,,GPTBot\nNewCo,,,,NoSuchBot\n",
        encoding="utf-8",
    )
    code, _, err = cli(settings, "developers", "import", str(g))
    assert code == 2 and "nothing was imported" in err
    assert "record 1: Anthropic: tokens: GPTBot is already operated by OpenAI" in err
    assert "record 2: NewCo: tokens: crawler token 'NoSuchBot' is not in the signals" in err
    assert json.loads(ok(settings, "developers", "list", "--json"))["items"] == directory
    text = ok(settings, "developers", "list")
    assert "Common Crawl" in text and "tokens: CCBot" in text
