"""Removal requests of a removal campaign, from the command line (SQLite and PostgreSQL).

Issue 11: "A `removal` campaign opens one removal request per work x developer ... States:
requested, acknowledged, confirmed (the developer's evidence attached ...), verified
(consentry re-checks that evidence: the manifest names the work, the rescan found nothing),
disputed."
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.config import Settings

runner = CliRunner()


def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {"CONSENTRY_DATABASE_URL": settings.database_url, "CONSENTRY_HOME": None}
    result = runner.invoke(build_app(), [*args, "--home", str(settings.home)], env=env)
    return result.exit_code, result.stdout, result.stderr


def ok(settings: Settings, *args: str) -> str:
    code, out, err = cli(settings, *args)
    assert code == 0, (args, out, err)
    return out


def party(settings: Settings, *args: str) -> str:
    return str(json.loads(ok(settings, "parties", "add", *args, "--json"))["party_id"])


def campaign(settings: Settings, tmp_path: Path) -> tuple[str, list[str]]:
    org = party(
        settings,
        "Society",
        "--kind",
        "organisation",
        "--role",
        "member-organisation",
        "--contact",
        "email:office@society.example",
    )
    jane = party(settings, "Jane Author", "--kind", "person", "--role", "creator")
    party(
        settings,
        "AI Lab",
        "--kind",
        "organisation",
        "--role",
        "ai-developer",
        "--contact",
        "email:legal@lab.example",
    )
    party(
        settings,
        "Model Co",
        "--kind",
        "organisation",
        "--role",
        "ai-developer",
        "--contact",
        "email:legal@model.example",
    )
    works = tmp_path / "works.csv"
    works.write_text(
        "work_id,kind,title,identifiers,contributors,holders,terms\n"
        f"W1,book,Emma,isbn:9780007232833,party:{jane}|author,party:{jane}|creator|100,-\n"
        f"W2,book,Odes,isbn:9780141439518,party:{jane}|author,party:{jane}|creator|100,-\n",
        encoding="utf-8",
    )
    ok(settings, "import", "csv", str(works))
    mandates = tmp_path / "mandates.csv"
    mandates.write_text(
        "member,email,purposes,territories,valid_from,valid_until,evidence\n"
        f"party:{jane},,,,2020-01-01,,form 1\n",
        encoding="utf-8",
    )
    ok(settings, "mandates", "import", str(mandates), "--organisation", org)
    out = ok(
        settings,
        "notices",
        "campaign",
        "create",
        "--organisation",
        org,
        "--kind",
        "removal",
        "--purposes",
        "ai-train",
        "--developers",
        "all",
        "--json",
    )
    created = json.loads(out)
    assert created["works"] == 2 and created["notices"] == 2
    # the campaign opened its requests when it was created: nothing is left to open
    assert "0 removal requests opened" in ok(settings, "removals", "open", created["campaign_id"])
    listed = json.loads(ok(settings, "works", "list", "--json"))
    return created["campaign_id"], sorted(w["id"] for w in listed["items"])


def test_removal_requests_move_through_their_states(settings: Settings, tmp_path: Path) -> None:
    cid, work_ids = campaign(settings, tmp_path)
    items = json.loads(ok(settings, "removals", "list", "--campaign", cid, "--json"))["items"]
    assert len(items) == 4  # 2 works x 2 developers
    assert {i["state"] for i in items} == {"requested"}
    assert {i["work_id"] for i in items} == set(work_ids)
    assert items[0]["targets"] == ["dataset", "model", "retrieval-index"]
    assert items[0]["derivations"] == ["excerpts", "translations", "adaptations"]
    assert "0 removal requests opened" in ok(settings, "removals", "open", cid)  # idempotent
    one = items[0]
    rid, work = one["removal_id"], one["work_id"]
    other_work = next(w for w in work_ids if w != work)

    ok(settings, "removals", "update", rid, "--state", "acknowledged")
    code, _, err = cli(settings, "removals", "update", rid, "--state", "confirmed")
    assert code == 2 and "cannot be confirmed without evidence" in err
    code, _, err = cli(settings, "removals", "update", rid, "--state", "verified")
    assert code == 1 and "it can become confirmed, disputed, not verified" in err

    manifest = tmp_path / "_removals.jsonl"
    manifest.write_text(
        json.dumps(
            {"doc": "d1", "shard": "s.jsonl", "record": 1, "work": work, "reason": "match: copy"}
        )
        + "\n",
        encoding="utf-8",
    )
    found = tmp_path / "rescan-found.json"
    found.write_text(
        json.dumps(
            {
                "format": "consentry-scan-report/1",
                "corpus": {"documents": 40},
                "works": [{"work": work, "documents": 2}],
            }
        ),
        encoding="utf-8",
    )
    clean = tmp_path / "rescan.json"
    clean.write_text(
        json.dumps({"format": "consentry-scan-report/1", "corpus": {"documents": 40}, "works": []}),
        encoding="utf-8",
    )
    out = json.loads(
        ok(
            settings,
            "removals",
            "update",
            rid,
            "--state",
            "confirmed",
            "--evidence",
            str(manifest),
            "--evidence",
            str(found),
            "--json",
        )
    )
    assert out["state"] == "confirmed"
    assert [e["kind"] for e in out["evidence"]] == ["removal-manifest", "scan-report"]
    # "verified = consentry re-checks the evidence": a rescan that found the work is refused
    code, _, err = cli(settings, "removals", "update", rid, "--state", "verified")
    assert code == 2 and "rescan report rescan-found.json found it in 2 documents" in err
    # a request whose manifest names another work is refused too
    other = next(i for i in items if i["work_id"] == other_work)["removal_id"]
    code, _, err = cli(
        settings,
        "removals",
        "update",
        other,
        "--state",
        "confirmed",
        "--evidence",
        str(manifest),
        "--evidence",
        str(clean),
    )
    assert code == 0, err
    code, _, err = cli(settings, "removals", "update", other, "--state", "verified")
    assert code == 2 and f"no removal manifest names work {other_work}" in err
    # disputed, then the developer cleans again and sends a clean rescan: the newest counts
    ok(settings, "removals", "update", rid, "--state", "disputed")
    ok(settings, "removals", "update", rid, "--state", "confirmed", "--evidence", str(clean))
    out = json.loads(ok(settings, "removals", "update", rid, "--state", "verified", "--json"))
    assert out["state"] == "verified" and len(out["evidence"]) == 3
    states = {
        i["removal_id"]: i["state"]
        for i in json.loads(ok(settings, "removals", "list", "--json"))["items"]
    }
    assert states[rid] == "verified" and states[other] == "confirmed"
    assert list(states.values()).count("requested") == 2
    assert "ledger OK" in ok(settings, "ledger", "verify")
    code, _, err = cli(settings, "removals", "update", rid, "--state", "finished")
    assert code == 2 and "unknown removal state 'finished'" in err
