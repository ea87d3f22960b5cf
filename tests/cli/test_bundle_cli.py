"""From registry to developer: import, fingerprint, export the bundle, scan a corpus with it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from consentry.cli.app import build_app

runner = CliRunner()
app = build_app()
DATA = Path(__file__).resolve().parents[1] / "data" / "scan"

CSV = """work_id,kind,title,identifiers,contributors,holders,terms
P1,book,Persuasion,url:https://example.org/persuasion,Jane Austen|author,Jane Austen|creator|100,search=allowed
W1,book,The War of the Worlds,url:https://example.org/wotw,H. G. Wells|author,H. G. Wells|creator|100,tdm=allowed;ai-train=allowed;ai-input=allowed;ai-index=allowed;search=allowed
"""


def run(*args: str, home: Path) -> tuple[int, str, str]:
    r = runner.invoke(app, [*args, "--home", str(home)])
    return r.exit_code, r.stdout, r.stderr


def test_register_export_and_scan(tmp_path: Path) -> None:
    home = tmp_path / "home"
    works = tmp_path / "works.csv"
    works.write_text(CSV, encoding="utf-8")
    assert run("import", "csv", str(works), home=home)[0] == 0
    ids = {}
    for ident in ("url:https://example.org/persuasion", "url:https://example.org/wotw"):
        _, out, _ = run("lookup", ident, "--json", home=home)
        ids[ident.rsplit("/", 1)[1]] = json.loads(out)["works"][0]["work_id"]
    for name, file in (
        ("persuasion", "persuasion-head.txt"),
        ("wotw", "war-of-the-worlds-head.txt"),
    ):
        code, out, err = run("bundle", "register", str(DATA / file), "--work", ids[name], home=home)
        assert code == 0, err
        assert json.loads(out)["fingerprints"] > 1000
    bundle = tmp_path / "bundle.idx"
    code, out, err = run(
        "bundle", "export", "--purpose", "ai-train", "--out", str(bundle), home=home
    )
    assert code == 0, err
    assert json.loads(out)["works"] == 1
    persuasion = (DATA / "persuasion-head.txt").read_text(encoding="utf-8").split()
    wells = (DATA / "war-of-the-worlds-head.txt").read_text(encoding="utf-8").split()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps({"id": i, "text": t})
            for i, t in (
                ("a", "Intro. " + " ".join(persuasion[3000:3100]) + " Outro."),
                ("b", " ".join(wells[500:700])),
                ("c", "Nothing registered here at all, just a few words of ordinary prose."),
            )
        )
        + "\n",
        encoding="utf-8",
    )
    matches = tmp_path / "m.jsonl"
    r = runner.invoke(app, ["scan", str(corpus), "--index", str(bundle), "--matches", str(matches)])
    assert r.exit_code == 0, r.stderr
    found = [json.loads(line) for line in matches.read_text().splitlines()]
    assert [(m["doc"], m["work"]) for m in found] == [("a", ids["persuasion"])]
    code, _, err = run(
        "bundle", "register", str(DATA / "nope.txt"), "--work", ids["wotw"], home=home
    )
    assert code == 2 and "nope.txt" in err
