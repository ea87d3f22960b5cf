"""Usage reports: the format of docs/usage.md, record-numbered errors that name the column,
the value and what was expected, whole file or nothing, and the same report twice changing
nothing (CSV or JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentry.accounting.usage import (
    LineReader,
    format_units,
    parse_report,
    parse_units,
    report_digest,
)
from consentry.bootstrap import Registry
from consentry.cli.app import build_app
from consentry.errors import ImportRejected, ValidationError
from consentry.registry.access import SYSTEM
from tests.accounting.kit import EMMA, HEADER, LOST, ODES, report

GOOD = HEADER + (
    f"Acme AI,acme-1,ai-train,2026-Q1,{EMMA},1200,tokens\n"
    f"Acme AI,acme-1,ai-input,2026-03,978-88-7118-437-1,2.5,tokens\n"
    f"Other AI,o-2,ai-train,2026-q1,{LOST},0,tokens\n"
)


def test_a_valid_report_is_read_into_canonical_lines() -> None:
    r = report(GOOD)
    assert r.rejects == [] and r.format == "csv" and r.records == 3
    assert [ln.identifier for ln in r.lines] == [EMMA, ODES, LOST]
    assert [ln.period for ln in r.lines] == ["2026-Q1", "2026-03", "2026-Q1"]
    assert [ln.units_milli for ln in r.lines] == [1_200_000, 2_500, 0]
    assert format_units(2_500) == "2.5" and format_units(1_200_000) == "1200"


def test_the_json_form_is_the_same_report() -> None:
    csv_form = report(GOOD)
    lines = [
        {
            "licensee": ln.licensee,
            "model": ln.model,
            "purpose": ln.purpose,
            "period": ln.period,
            "identifier": ln.identifier,
            "units": float(ln.units) if ln.units_milli == 2_500 else str(ln.units),
            "unit": ln.unit,
        }
        for ln in csv_form.lines
    ]
    js = parse_report(json.dumps({"lines": lines}).encode(), name="usage.json")
    assert js.format == "json" and js.rejects == []
    assert report_digest(js.lines) == report_digest(csv_form.lines)


@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        (f",m,ai-train,2026-Q1,{EMMA},1,tokens", "licensee", "empty", "licensee's name"),
        (f"A,m,training,2026-Q1,{EMMA},1,tokens", "purpose", "'training'", "tdm, ai-train"),
        (f"A,m,ai-train,2026-Q5,{EMMA},1,tokens", "period", "'2026-Q5'", "YYYY-Qn"),
        (f"A,m,ai-train,2026-13,{EMMA},1,tokens", "period", "'2026-13'", "YYYY-MM"),
        ("A,m,ai-train,2026-Q1,isbn:9780007232834,1,tokens", "identifier", "9780007232834", "3"),
        (f"A,m,ai-train,2026-Q1,{EMMA},-5,tokens", "units", "'-5'", "non-negative"),
        (f"A,m,ai-train,2026-Q1,{EMMA},1.0001,tokens", "units", "'1.0001'", "3 decimals"),
        (f"A,m,ai-train,2026-Q1,{EMMA},many,tokens", "units", "'many'", "non-negative"),
        (f"A,m,ai-train,2026-Q1,{EMMA},1,pages", "unit", "'pages'", "documents, tokens"),
    ],
)
def test_a_bad_cell_is_rejected_with_record_column_value_and_expectation(
    row: str, column: str, value: str, expected: str
) -> None:
    r = report(HEADER + f"A,m,ai-train,2026-Q1,{EMMA},1,tokens\n" + row + "\n")
    assert len(r.lines) == 1
    [(number, reason)] = r.rejects
    assert number == 2
    assert reason.startswith(f"{column}: ")
    assert value in reason and expected in reason and "expected" in reason


def test_a_row_of_the_wrong_width_is_rejected_with_its_number() -> None:
    r = report(HEADER + "A,m,ai-train\n")
    assert r.rejects == [
        (1, "row has 3 fields, expected 7 like the header (quote cells that contain commas)")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"licensee,model,purpose,period,identifier,units\n", "missing column unit"),
        (HEADER.replace("units", "amount").encode(), "'amount' is not a usage-report column"),
        (HEADER.encode() + b"A,m,ai-train,2026-Q1,\xff,1,tokens\n", "not UTF-8"),
        (b'{"rows": []}', '"lines" array'),
    ],
)
def test_a_bad_file_is_refused_naming_the_file(data: bytes, message: str) -> None:
    name = "u.json" if data.startswith(b"{") else "u.csv"
    with pytest.raises(ValidationError) as err:
        parse_report(data, name=name)
    assert message in err.value.message and name in err.value.message


def test_json_unknown_keys_and_non_objects_are_rejected_by_record() -> None:
    doc = {"lines": [5, {"licensee": "A", "modle": "m"}]}
    r = parse_report(json.dumps(doc).encode(), name="u.json")
    assert r.rejects[0][0] == 1 and "not an object" in r.rejects[0][1]
    assert r.rejects[1][0] == 2 and "unknown keys modle" in r.rejects[1][1]


def test_units_are_exact_decimals() -> None:
    assert parse_units("0.001") == 1 and parse_units("1e3") == 1_000_000
    with pytest.raises(ValidationError):
        parse_units("NaN")
    with pytest.raises(ValidationError):
        parse_units("1000000000000001")


def _lines(registry: Registry) -> int:
    with registry.uow() as uow:
        return uow.accounting.count_lines()


def test_a_report_imports_whole_or_not_at_all_and_only_once(registry: Registry) -> None:
    bad = report(GOOD + f"A,m,ai-train,2026-Q1,{EMMA},-1,tokens\n")
    with pytest.raises(ImportRejected) as err:
        registry.accounting.import_usage(SYSTEM, bad, filename="usage.csv")
    assert err.value.rejects == [
        (
            4,
            "units: units '-1' is negative, expected a non-negative number with at most 3 decimals, such as 1200 or 2.5",
        )
    ]
    assert _lines(registry) == 0
    done = registry.accounting.import_usage(SYSTEM, report(GOOD), filename="usage.csv")
    assert (done.imported, done.already_imported) == (3, False)
    again = registry.accounting.import_usage(SYSTEM, report(GOOD), filename="copy.csv")
    assert again.already_imported and again.report_id == done.report_id
    assert _lines(registry) == 3
    skipped = registry.accounting.import_usage(SYSTEM, bad, filename="bad.csv", skip_invalid=True)
    assert skipped.already_imported  # its valid lines are the report already imported
    other = report(
        HEADER + f"A,m,ai-train,2026-Q2,{EMMA},1,tokens\nA,m,x,2026-Q2,{EMMA},1,tokens\n"
    )
    kept = registry.accounting.import_usage(SYSTEM, other, filename="o.csv", skip_invalid=True)
    assert (kept.imported, [n for n, _ in kept.rejected]) == (1, [2])
    assert _lines(registry) == 4


def test_cli_usage_import(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    app = build_app()
    good = tmp_path / "usage.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"A,m,ai-train,2026-Q9,{EMMA},1,tokens\n", encoding="utf-8")
    res = runner.invoke(app, ["usage", "import", str(bad), "--home", str(home)])
    assert res.exit_code == 2
    assert "record 1: period: period '2026-Q9' is not a quarter or a month" in res.output
    res = runner.invoke(app, ["usage", "import", str(good), "--home", str(home), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["imported"] == 3
    res = runner.invoke(app, ["usage", "import", str(good), "--home", str(home)])
    assert res.exit_code == 0 and "imported before" in res.output


def test_the_fast_path_reads_lines_as_the_full_checks_do() -> None:
    # repeated names, periods and identifiers take the cached path from the second line on
    rows = [
        f"Acme AI,acme-1,ai-train,2026-Q1,{EMMA},{units},tokens"
        for units in ("1", "0012", "2.5", "7", "1e2", "-1", "99999999999999999")
    ]
    r = report(HEADER + "\n".join(rows) + "\n")
    assert [ln.units_milli for ln in r.lines] == [1000, 12000, 2500, 7000, 100000]
    assert [n for n, _ in r.rejects] == [6, 7]
    fresh = [LineReader().cells(*row.split(",")) for row in rows[:5]]
    assert fresh == r.lines
