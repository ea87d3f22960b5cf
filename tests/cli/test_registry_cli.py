"""The registry CLI end to end on a real SQLite data folder."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.cli.common import registry_for
from consentry.errors import PermissionDenied

runner = CliRunner()
app = build_app()

CSV = """work_id,kind,title,identifiers,contributors,holders,terms
W1,book,Emma,isbn:9780007232833;doi:10.1000/xyz,Jane Austen|author|isni:0000000121479135,Jane Austen|creator|50;Example Press|publisher|50,ai-train=reserved;search=allowed
W2,article,On Mining,doi:10.1000/abc,Ann Writer|author,Ann Writer|creator|100,search=allowed;tdm=allowed;ai-train=allowed;ai-input=allowed;ai-index=allowed
"""


def run(*args: str, home: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_import_lookup_decide_and_reimport(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "works.csv"
    f.write_text(CSV, encoding="utf-8")
    code, out, err = run("import", "csv", str(f), home=home)
    assert code == 0, err
    assert "created: 2" in out
    code, out, _ = run(
        "lookup", "9780007232833", "doi:10.1000/ABC", "isbn:9780007232834", "--json", home=home
    )
    lines = [json.loads(x) for x in out.splitlines()]
    assert lines[0]["id"] == "isbn:9780007232833"
    assert lines[0]["works"][0]["title"] == "Emma"
    assert lines[0]["works"][0]["terms"] == {
        "tdm": "reserved",
        "ai-train": "reserved",
        "ai-input": "reserved",
        "ai-index": "reserved",
        "search": "allowed",
    }
    assert lines[1]["works"][0]["terms"]["ai-train"] == "allowed"
    assert "expected 3" in lines[2]["error"]
    work_id = lines[1]["works"][0]["work_id"]
    code, out, _ = run("decide", "--work", work_id, "--purpose", "ai-train", "--json", home=home)
    assert code == 0 and json.loads(out)["outcome"] == "allow"
    code, out, _ = run("import", "csv", str(f), home=home)
    assert code == 0 and "nothing changed" in out
    code, out, _ = run("ledger", "verify", home=home)
    assert code == 0 and out.startswith("ledger OK")


def test_invalid_csv_is_refused_whole(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(CSV + "W3,book,Bad,isbn:9780007232834,X|author,X|creator|100,\n", encoding="utf-8")
    code, _, err = run("import", "csv", str(f), home=home)
    assert code == 2
    assert "record 3" in err and "expected 3" in err
    code, out, _ = run("lookup", "isbn:9780007232833", "--json", home=home)
    assert json.loads(out)["works"] == []
    code, out, err = run("import", "csv", str(f), "--skip-invalid", home=home)
    assert code == 0 and "created: 2" in out
    (rejects,) = (home / "rejects").glob("bad.csv.*.rejects.csv")
    assert rejects.read_text().startswith("record,reason")


def test_receipt_verifies_offline_and_tampering_is_caught(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "works.csv"
    f.write_text(CSV, encoding="utf-8")
    run("import", "csv", str(f), home=home)
    con = sqlite3.connect(home / "consentry.sqlite3")
    party = con.execute("SELECT id FROM parties WHERE name = 'Jane Austen'").fetchone()[0]
    con.close()
    receipt = tmp_path / "r.json"
    code, out, err = run(
        "declare",
        "--party",
        party,
        "--terms",
        "ai-input=licence",
        "--receipt",
        str(receipt),
        home=home,
    )
    assert code == 0, err
    code, _out, err = run("receipt", "verify", str(receipt), home=home)
    assert code == 0, err
    data = json.loads(receipt.read_text())
    data["declaration"]["terms"]["ai-input"] = "allowed"
    receipt.write_text(json.dumps(data))
    code, _, err = run("receipt", "verify", str(receipt), home=home)
    assert code != 0 and "error" in err


def test_ledger_verify_names_a_hand_edited_row(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "works.csv"
    f.write_text(CSV, encoding="utf-8")
    run("import", "csv", str(f), home=home)
    con = sqlite3.connect(home / "consentry.sqlite3")
    seq = con.execute("SELECT seq FROM ledger WHERE payload LIKE '%On Mining%'").fetchone()[0]
    con.execute("UPDATE ledger SET payload = replace(payload, 'On Mining', 'On Minding')")
    con.commit()
    con.close()
    code, _, err = run("ledger", "verify", home=home)
    assert code == 1
    assert f"entry {seq}" in err


def test_keys_and_bad_values(home: Path) -> None:
    code, out, _ = run("keys", "create", "--role", "admin", home=home)
    assert code == 0 and out.startswith("cst_")
    code, _, err = run("keys", "create", "--role", "wizard", home=home)
    assert code == 2 and "unknown role 'wizard'" in err
    code, _, err = run("decide", "--work", "w1", "--purpose", "training", home=home)
    assert code == 2 and "unknown purpose 'training'" in err
    code, _, err = run("decide", "--work", "nope", "--purpose", "tdm", home=home)
    assert code == 1 and "not found" in err
    # bytes that are not UTF-8 reach Python as lone surrogates ("w\xff" -> "w\udcff"): they
    # failed in the database driver with a traceback
    code, _, err = run("decide", "--work", "w\udcff", "--purpose", "tdm", home=home)
    assert code == 2 and "work 'w\\udcff' is not UTF-8 text" in err


def test_killed_import_leaves_the_database_as_it_was(home: Path, tmp_path: Path) -> None:
    rows = ["work_id,kind,title,identifiers,contributors,holders,terms"]
    for n in range(60_000):
        rows.append(
            f"K{n},book,Title {n},,Author {n % 500}|author,Author {n % 500}|creator|100,"
            "search=allowed"
        )
    big = tmp_path / "big.csv"
    big.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run("init", home=home)[0] == 0
    db = home / "consentry.sqlite3"
    env = dict(os.environ, CONSENTRY_HOME=str(home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "consentry.cli", "import", "csv", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = db.with_name(db.name + "-wal")
    deadline = time.monotonic() + 120
    # wait until the import is writing (the WAL grows), then kill it mid-transaction
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "import finished before it could be killed; make the file larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM parties").fetchone()[0] == 0
    assert con.execute("SELECT seq FROM ledger_head").fetchone()[0] == 0
    con.close()
    code, out, _ = run("ledger", "verify", home=home)
    assert code == 0
    code, out, err = run("import", "csv", str(big), home=home)
    assert code == 0 and "created: 60000" in out, err


def test_keys_list_and_revoke(home: Path) -> None:
    tokens = [run("keys", "create", "--role", "admin", home=home)[1].strip() for _ in range(2)]
    ids = [t.split("_", 2)[1] for t in tokens]
    code, out, err = run("keys", "list", home=home)
    assert code == 0, err
    lines = out.splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(ids)
    assert all(line.split()[1] == "admin" and line.endswith("active") for line in lines)
    assert not any(t.split("_", 2)[2] in out for t in tokens)  # never the secrets

    code, out, err = run("keys", "revoke", ids[0], home=home)
    assert code == 0, err
    assert out.startswith(f"key {ids[0]} revoked at ")
    revoked_at = out.strip().rsplit(" ", 1)[1]
    code, out, _ = run("keys", "list", "--json", home=home)
    listed = {k["key_id"]: k for k in map(json.loads, out.splitlines())}
    assert set(listed[ids[0]]) == {"key_id", "role", "party_id", "created_at", "revoked_at"}
    assert (listed[ids[0]]["revoked_at"], listed[ids[1]]["revoked_at"]) == (revoked_at, None)

    code, _, err = run("keys", "revoke", ids[0], home=home)
    assert code == 1
    assert err.strip() == f"error: API key {ids[0]} was already revoked at {revoked_at}"
    code, _, err = run("keys", "revoke", "0123456789ab", home=home)
    assert code == 1 and "API key '0123456789ab' not found" in err

    # a server started on this data folder refuses the revoked key and takes the other
    with registry_for(home) as reg:
        with pytest.raises(PermissionDenied, match="was revoked"):
            reg.service.authenticate(tokens[0])
        assert reg.service.authenticate(tokens[1]).key_id == ids[1]
    code, out, _ = run("ledger", "verify", home=home)
    assert code == 0 and out.startswith("ledger OK")
