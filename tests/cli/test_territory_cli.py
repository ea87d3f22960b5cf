"""`--territory` on declare, decide and lookup, on a real SQLite data folder."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.test_registry_cli import CSV, run


def test_declare_decide_and_lookup_by_territory(tmp_path: Path) -> None:
    home = tmp_path / "home"
    f = tmp_path / "works.csv"
    f.write_text(CSV, encoding="utf-8")
    assert run("import", "csv", str(f), home=home)[0] == 0
    con = sqlite3.connect(home / "consentry.sqlite3")
    party = con.execute("SELECT id FROM parties WHERE name = 'Ann Writer'").fetchone()[0]
    con.close()
    code, out, _ = run("lookup", "doi:10.1000/abc", "--json", home=home)
    work = json.loads(out)["works"][0]["work_id"]  # every purpose allowed, WORLD
    receipt = tmp_path / "r.json"
    code, _, err = run(
        "declare", "--party", party, "--work", work, "--terms", "ai-train=reserved",
        "--territory", "fr", "--receipt", str(receipt), home=home,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(receipt.read_text())["declaration"]["territory"] == "FR"

    def decide(*extra: str) -> dict[str, object]:
        code, out, err = run(
            "decide", "--work", work, "--purpose", "ai-train", "--json", *extra, home=home
        )
        assert code == 0, err
        answer: dict[str, object] = json.loads(out)
        return answer

    assert decide("--territory", "GB")["outcome"] == "allow"
    assert decide("--territory", "FR")["outcome"] == "deny"
    assert decide()["outcome"] == "deny"  # everywhere: FR reserves
    code, out, _ = run("decide", "--work", work, "--purpose", "ai-train", home=home)
    assert out.startswith("deny:") and "everywhere" in out.splitlines()[0]
    assert "territory FR" in out
    code, out, _ = run("lookup", "doi:10.1000/abc", "--json", "--territory", "GB", home=home)
    assert json.loads(out)["works"][0]["terms"]["ai-train"] == "allowed"
    code, out, _ = run("lookup", "doi:10.1000/abc", "--json", home=home)
    assert json.loads(out)["works"][0]["terms"]["ai-train"] == "reserved"


def test_a_bad_territory_exits_2_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for command in (
        ["decide", "--work", "w1", "--purpose", "tdm", "--territory", "UK"],
        ["lookup", "isbn:9780007232833", "--territory", "UK"],
        ["declare", "--party", "p1", "--terms", "tdm=allowed", "--territory", "UK"],
    ):
        code, _, err = run(*command, home=home)
        assert code == 2, (command, err)
        assert "--territory 'UK' is not" in err or "territory 'UK' is not" in err
        assert "ISO 3166-1 alpha-2" in err
