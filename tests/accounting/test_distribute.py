"""Distribution through the registry on SQLite and PostgreSQL: the documented example, the
unit-kind and licensee rules, carry-forward between periods, books that balance, closed
periods, and statements (CSV and PDF) that are the same bytes every time."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from consentry.accounting.service import summary_json
from consentry.accounting.unidentified import period_end_next_day
from consentry.bootstrap import Registry
from consentry.cli.accounting import write_outputs
from consentry.cli.app import build_app
from consentry.errors import Conflict, ValidationError
from consentry.registry.access import SYSTEM
from tests.accounting.kit import EMMA, HEADER, LOST, ODES, load, world

DOC = Path(__file__).resolve().parents[2] / "docs" / "distribution.md"
Q1 = HEADER + (
    f"Acme AI,acme-1,ai-train,2026-Q1,{EMMA},2000,tokens\n"
    f"Acme AI,acme-1,ai-train,2026-Q1,{ODES},1000,tokens\n"
    f"Acme AI,acme-1,ai-input,2026-Q1,{LOST},1000,tokens\n"
)
Q2 = HEADER + f"Acme AI,acme-1,ai-train,2026-Q2,{ODES},1000,tokens\n"
SUMMARY_KEYS = [
    "period",
    "currency",
    "pool",
    "unidentified",
    "paid",
    "carried_forward",
    "names",
    "rules_version",
    "inputs_sha256",
]


def _by_name(summary: dict[str, object], key: str) -> dict[str, str]:
    names = summary["names"]
    assert isinstance(names, dict)
    part = summary[key]
    assert isinstance(part, dict)
    return {names[p]: v for p, v in part.items()}


def test_the_documented_example(registry: Registry) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- example-expected -->\n```json\n(.*?)```", text, re.S)
    assert block, "docs/distribution.md lost its example block"
    expected = json.loads(block.group(1))
    world(registry)
    load(registry, Q1)
    load(registry, Q2, "q2.csv")
    q1 = registry.accounting.distribute(
        SYSTEM, period="2026-Q1", pool="1000.01", currency="GBP", threshold="250.01"
    ).summary
    q2 = registry.accounting.distribute(
        SYSTEM, period="2026-Q2", pool="100.00", currency="GBP", threshold="200.00"
    ).summary
    for got, period in ((q1, "2026-Q1"), (q2, "2026-Q2")):
        assert list(got) == SUMMARY_KEYS
        assert summary_json(got) == json.dumps(got, indent=2, ensure_ascii=False) + "\n"
        want = expected[period]
        assert got["unidentified"] == want["unidentified"]
        assert _by_name(got, "paid") == want["paid"]
        assert _by_name(got, "carried_forward") == want["carried_forward"]
    assert registry.accounting.trial_balance() == {"GBP": 0}
    with registry.uow() as uow:
        balances = uow.accounting.account_balances("GBP")
    assert sum(v for (acct, _), v in balances.items() if acct == "carried") == 0
    assert balances[("unidentified", None)] == 25000


def test_mixed_unit_kinds_need_unit_and_the_error_names_them(registry: Registry) -> None:
    world(registry)
    load(registry, Q1 + f"Acme AI,acme-1,ai-train,2026-Q1,{EMMA},3,documents\n")
    with pytest.raises(ValidationError) as err:
        registry.accounting.distribute(SYSTEM, period="2026-Q1", pool="10", currency="GBP")
    assert "mixes unit kinds documents, tokens" in err.value.message
    got = registry.accounting.distribute(
        SYSTEM, period="2026-Q1", pool="10", currency="GBP", unit="documents"
    ).summary
    assert _by_name(got, "paid") == {"Ann Author": "5.00", "Example Press": "5.00"}
    with pytest.raises(ValidationError, match="no usage in words"):
        registry.accounting.distribute(
            SYSTEM, period="2026-Q1", pool="10", currency="GBP", unit="words"
        )
    with pytest.raises(ValidationError, match="no usage is recorded for 2026-Q3"):
        registry.accounting.distribute(SYSTEM, period="2026-Q3", pool="10", currency="GBP")


def test_one_licensee_and_currency_decimals(registry: Registry) -> None:
    world(registry)
    load(registry, Q1 + f"Other AI,o-1,ai-train,2026-Q1,{ODES},1000,tokens\n")
    got = registry.accounting.distribute(
        SYSTEM, period="2026-Q1", pool="1000", currency="JPY", licensee="other ai"
    ).summary
    assert got["pool"] == "1000" and _by_name(got, "paid") == {"Sam Poet": "1000"}
    with pytest.raises(ValidationError, match="more decimals than GBP has"):
        registry.accounting.distribute(SYSTEM, period="2026-Q1", pool="1.005", currency="GBP")
    with pytest.raises(ValidationError, match="not an ISO 4217"):
        registry.accounting.distribute(SYSTEM, period="2026-Q1", pool="1", currency="XYZ")


def test_a_closed_period_gives_the_same_bytes_and_is_not_redistributed_differently(
    registry: Registry, tmp_path: Path
) -> None:
    w = world(registry)
    load(registry, Q1)
    args = {"period": "2026-Q1", "pool": "1000.01", "currency": "GBP", "threshold": "250.01"}
    first = registry.accounting.distribute(SYSTEM, **args)
    write_outputs(first, registry.accounting.statement_data(first), tmp_path / "a")
    # a later period consumes the balances carried forward; Q1 again still gives Q1's bytes
    load(registry, Q2, "q2.csv")
    registry.accounting.distribute(SYSTEM, period="2026-Q2", pool="100", currency="GBP")
    again = registry.accounting.distribute(SYSTEM, **args)
    assert again.reused and again.run_id == first.run_id
    write_outputs(again, registry.accounting.statement_data(again), tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert Path("summary.json") in files and Path(f"statements/{w.author}.pdf") in files
    assert len(files) == 1 + 2 * 3
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    pdf = (tmp_path / "a" / "statements" / f"{w.author}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    meta = PdfReader(io.BytesIO(pdf)).metadata  # dates: the run's closing time, not the clock
    assert meta is not None and meta["/CreationDate"] == "D:20260101000000Z"
    assert "Art. 18(1)" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    balance_before = registry.accounting.trial_balance()
    with pytest.raises(Conflict, match="not distributed again differently"):
        registry.accounting.distribute(SYSTEM, **{**args, "pool": "1000.02"})
    assert registry.accounting.trial_balance() == balance_before == {"GBP": 0}


def test_statement_csv_lines_add_up_and_carry_art_18_items(
    registry: Registry, tmp_path: Path
) -> None:
    w = world(registry)
    load(registry, Q1)
    result = registry.accounting.distribute(
        SYSTEM, period="2026-Q1", pool="1000.01", currency="GBP", threshold="250.01"
    )
    write_outputs(result, registry.accounting.statement_data(result), tmp_path, pdf=False)
    rows = (tmp_path / "statements" / f"{w.publisher}.csv").read_text().splitlines()
    assert rows[0].startswith("record,work_id,title,identifier,licensee,model,purpose,period")
    assert rows[1] == (
        f"use,{w.emma},Emma,{EMMA},Acme AI,acme-1,ai-train,2026-Q1,2000,tokens,all,50,250.00,GBP"
    )
    records = {r.split(",")[0]: r.split(",")[-2] for r in rows[2:]}
    assert records == {
        "brought-forward": "0.00",
        "attributed": "250.00",
        "management-fee": "0.00",
        "other-deductions": "0.00",
        "paid": "0.00",
        "outstanding": "250.00",
    }


def test_cli_distribute(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    app = build_app()
    usage = tmp_path / "usage.csv"
    usage.write_text(Q1 + f"Acme AI,acme-1,ai-train,2026-Q1,{EMMA},3,documents\n")
    assert runner.invoke(app, ["usage", "import", str(usage), "--home", str(home)]).exit_code == 0
    out = tmp_path / "out"
    base = ["distribute", "--period", "2026-Q1", "--pool", "100", "--currency", "EUR"]
    res = runner.invoke(app, [*base, "--out", str(out), "--home", str(home)])
    assert res.exit_code == 2 and "mixes unit kinds documents, tokens" in res.output
    res = runner.invoke(
        app, [*base, "--unit", "tokens", "--out", str(out), "--home", str(home), "--json"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads(res.output)
    assert summary["pool"] == "100.00" and summary["unidentified"] == "100.00"
    assert summary["paid"] == {} and list((out / "statements").iterdir()) == []


def test_the_unidentified_fund_is_held_three_years_then_non_distributable(
    registry: Registry, tmp_path: Path
) -> None:
    # CRM Directive Art. 13(6): "... after three years ..." the amounts are non-distributable
    world(registry)
    load(registry, Q1)
    registry.accounting.distribute(SYSTEM, period="2026-Q1", pool="1000.01", currency="GBP")
    [held] = registry.accounting.unidentified(SYSTEM, as_of=date(2029, 3, 31))
    assert held.to_json() == {
        "period": "2026-Q1",
        "currency": "GBP",
        "amount": "250.00",
        "non_distributable_from": "2029-04-01",
        "status": "held",
    }
    [gone] = registry.accounting.unidentified(SYSTEM, as_of=date(2029, 4, 1))
    assert gone.non_distributable
    assert period_end_next_day("2026-12") == date(2027, 1, 1)
    assert period_end_next_day("2026-Q4") == date(2027, 1, 1)
    assert period_end_next_day("2026-02") == date(2026, 3, 1)
    if registry.engine.dialect.name == "sqlite":
        home = str(registry.settings.home)
        res = CliRunner().invoke(
            build_app(), ["unidentified", "--as-of", "2030-01-01", "--home", home]
        )
        assert res.exit_code == 0, res.output
        assert res.output == (
            "2026-Q1  250.00 GBP  non-distributable (non-distributable from 2029-04-01)\n"
        )
