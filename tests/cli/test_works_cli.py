"""``consentry works list``: pages of works, and ``--json`` in the API's list shape, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.conftest import ApiClient
from typer.testing import CliRunner

from consentry.bootstrap import Registry
from consentry.config import Settings
from consentry.registry.access import SYSTEM, Role

runner = CliRunner()

CSV = """work_id,kind,title,identifiers,contributors,holders,terms
W1,book,Emma,isbn:9780007232833,Jane Austen|author,Jane Austen|creator|100,ai-train=reserved;search=allowed
W2,article,On Mining,doi:10.1000/abc,Ann Writer|author,Ann Writer|creator|100,search=allowed
W3,book,Persuasion,url:https://www.gutenberg.org/ebooks/105,Jane Austen|author,Jane Austen|creator|100,
"""


def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    from consentry.cli.app import build_app

    env = {"CONSENTRY_DATABASE_URL": settings.database_url, "CONSENTRY_HOME": None}
    result = runner.invoke(build_app(), [*args, "--home", str(settings.home)], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_works_list_pages_and_json_is_the_api_shape(
    registry: Registry, settings: Settings, tmp_path: Path
) -> None:
    f = tmp_path / "works.csv"
    f.write_text(CSV, encoding="utf-8")
    code, _, err = cli(settings, "import", "csv", str(f))
    assert code == 0, err

    code, out, err = cli(settings, "works", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    assert any("'Emma'" in line and "isbn:9780007232833" in line for line in lines)
    assert all(line.startswith("w_") for line in lines)

    code, out, err = cli(settings, "works", "list", "--limit", "2")
    assert code == 0 and len(out.splitlines()) == 2
    assert "--offset 2" in err
    code, out, _ = cli(settings, "works", "list", "--limit", "2", "--offset", "2")
    assert code == 0 and len(out.splitlines()) == 1

    code, out, _ = cli(settings, "works", "list", "--json", "--limit", "2")
    page = json.loads(out)
    assert page["offset"] == 0 and page["limit"] == 2 and page["next_offset"] == 2
    _, token = registry.service.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    api = ApiClient(registry)
    try:
        r = api.get("/v1/works?limit=2", headers={"Authorization": f"Bearer {token}"})
    finally:
        api.close()
    assert r.status_code == 200
    # the same page, item for item; terms aside (the API's registry answers on the fixture's
    # clock, 2026-01-01, before the CLI's import took effect)
    api_page = r.json()
    for p in (page, api_page):
        for item in p["items"]:
            assert set(item.pop("terms")) == {"tdm", "ai-train", "ai-input", "ai-index", "search"}
    assert page == api_page
    emma = [
        w["id"]
        for w in json.loads(cli(settings, "works", "list", "--json")[1])["items"]
        if w["title"] == "Emma"
    ]
    assert len(emma) == 1


def test_works_list_on_an_empty_registry_says_how_to_add_works(settings: Settings) -> None:
    code, out, err = cli(settings, "works", "list")
    assert code == 0 and out == ""
    assert "consentry import csv" in err
    code, out, _ = cli(settings, "works", "list", "--json")
    assert json.loads(out) == {"items": [], "offset": 0, "limit": 100, "next_offset": None}


def test_works_list_limit_is_bounded_like_the_api(settings: Settings) -> None:
    code, _, err = cli(settings, "works", "list", "--limit", "1001")
    assert code == 2 and "--limit" in err and "1000" in err
