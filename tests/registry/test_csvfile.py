"""CSV import parser: the documented columns, clear per-cell errors, file refusals, import."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.errors import ImportRejected, ValidationError
from consentry.registry.csvfile import REQUIRED_COLUMNS, parse_csv
from consentry.registry.identifiers import parse_identifier
from consentry.registry.importing import ImportReport, ParsedRecord, import_records
from consentry.registry.works import ContributorRole, PartyRef, WorkKind

if TYPE_CHECKING:
    from consentry.bootstrap import Registry

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"
HEADER = ",".join(REQUIRED_COLUMNS)
EXAMPLE = (  # the example row of issue 2
    "W1,book,Emma,isbn:9780000000002;doi:10.1000/xyz,"
    "Jane Austen|author|isni:0000000121479135,"
    "Jane Austen|creator|50;Example Press|publisher|50,"
    "ai-train=reserved;search=allowed"
)
ALL_PURPOSES = ("tdm", "ai-train", "ai-input", "ai-index", "search")


def _terms(**given: str) -> tuple[tuple[str, str], ...]:
    return tuple((p, given.get(p.replace("-", "_"), "reserved")) for p in ALL_PURPOSES)


def _row(**cells: str) -> str:
    base = dict(zip(REQUIRED_COLUMNS, ["W9", "book", "T", "", "", "", ""], strict=True))
    base.update(cells)
    return ",".join(base[c] for c in REQUIRED_COLUMNS)


def _error(row: str) -> str:
    (rec,) = parse_csv(f"{HEADER}\n{row}\n")
    assert rec.draft is None, rec
    assert rec.error is not None
    return rec.error


# --- the sample file ---------------------------------------------------------------------


def test_sample_file_parses_to_the_expected_drafts() -> None:
    records = parse_csv(DATA / "works.csv")
    assert [(r.number, r.key, r.error) for r in records] == [
        (1, "W1", None),
        (2, "W2", None),
        (3, "W3", None),
        (4, "W4", None),
    ]
    w1, w2, w3, w4 = (r.draft for r in records)
    assert w1 is not None and w2 is not None and w3 is not None and w4 is not None
    assert w1.kind is WorkKind.BOOK and w1.title == "Emma"
    assert w1.identifiers == ("isbn:9780000000002", "doi:10.1000/xyz")
    assert w1.contributors == (
        (PartyRef("Jane Austen", identifiers=("isni:0000000121479135",)), ContributorRole.AUTHOR),
    )
    assert w1.holders == (
        (PartyRef("Jane Austen"), "creator", Decimal(50), "all"),
        (PartyRef("Example Press"), "publisher", Decimal(50), "all"),
    )
    assert w1.terms == _terms(search="allowed")
    assert w1.external_id == "W1" and w1.source == "csv:works.csv:1"
    assert w2.title == "Persuasion, a Novel"  # quoted comma
    assert w2.identifiers == ("isbn:9780141439686",)  # bare ISBN
    assert w2.terms == _terms()  # empty cell: every purpose reserved
    assert w3.kind is WorkKind.RECORDING
    assert w3.contributors == (
        (PartyRef("Jane Austen"), ContributorRole.AUTHOR),
        (PartyRef("Juliet Stevenson"), ContributorRole.NARRATOR),
    )
    assert w3.holders == (
        (PartyRef("Example Press"), "publisher", Decimal(100), "publishing"),
        (PartyRef("Juliet Stevenson"), "creator", Decimal(100), "performance"),
    )
    assert w3.terms == _terms(search="allowed", ai_index="licence")
    assert w4.kind is WorkKind.ARTICLE
    orcid = str(parse_identifier("orcid:0000-0002-1825-0097"))
    assert w4.contributors == (
        (PartyRef("Ines Duarte", identifiers=(orcid,)), ContributorRole.AUTHOR),
    )
    assert w4.terms is None  # "-": declares nothing


def test_text_bytes_and_path_give_the_same_records(tmp_path: Path) -> None:
    raw = (DATA / "works.csv").read_bytes()
    assert b"\r\n" in raw  # the sample uses CRLF line ends
    from_path = parse_csv(DATA / "works.csv")
    from_bytes = parse_csv(b"\xef\xbb\xbf" + raw, filename="works.csv")  # with a BOM
    from_text = parse_csv(raw.decode("utf-8").replace("\r\n", "\n"), filename="works.csv")
    assert from_path == from_bytes == from_text


def test_header_is_case_insensitive_in_any_order_and_x_columns_are_ignored() -> None:
    header = "Terms, TITLE ,x-note,work_id,kind,identifiers,contributors,holders"
    (rec,) = parse_csv(f"{header}\nsearch=allowed,Emma,ours,W1,book,,,\n")
    assert rec.draft is not None
    assert rec.draft.title == "Emma" and rec.draft.external_id == "W1"
    assert rec.draft.terms == _terms(search="allowed")


def test_party_ids_and_percent_shares() -> None:
    (rec,) = parse_csv(
        f"{HEADER}\n"
        + _row(contributors="party:p00001|author", holders="party:p00001|creator|60%;X|agent|40")
    )
    assert rec.draft is not None
    assert rec.draft.contributors == ((PartyRef(party_id="p00001"), ContributorRole.AUTHOR),)
    assert rec.draft.holders == (
        (PartyRef(party_id="p00001"), "creator", Decimal(60), "all"),
        (PartyRef("X"), "agent", Decimal(40), "all"),
    )


def test_blank_lines_make_no_record_but_keep_row_numbers() -> None:
    records = parse_csv(f"{HEADER}\n{_row(work_id='A')}\n\n,,,,,,\n{_row(work_id='B')}\n")
    assert [(r.number, r.key) for r in records] == [(1, "A"), (4, "B")]


# --- per-cell errors: the column, the value, what was expected ---------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"holders": "A|creator|fifty"},
            "holders: share 'fifty' is not a number, expected a percentage such as 50",
        ),
        ({"holders": "A|creator|150"}, "holders: share '150' of A is outside 0 < share <= 100"),
        ({"holders": "A|creator|0"}, "holders: share '0' of A is outside"),
        (
            {"holders": "A|creator|60;B|publisher|50"},
            "holders: shares of right 'all' add up to 110%",
        ),
        ({"holders": "A|creator|50;A|creator|50"}, "holders: A is listed twice for right 'all'"),
        ({"holders": "A|owner|50"}, "holders: holder role 'owner' is not one of"),
        ({"holders": "A|creator"}, "holders: item 'A|creator' has 2 fields, expected name"),
        ({"kind": "novel"}, "kind: unknown work kind 'novel', expected one of book"),
        ({"kind": ""}, "kind: empty, expected a work kind"),
        ({"work_id": ""}, "work_id: empty"),
        ({"title": "  "}, "title: empty, expected the work's title"),
        ({"identifiers": "isbn:9780000000003"}, "identifiers: "),
        ({"contributors": "Jane Austen"}, "contributors: item 'Jane Austen' has no role"),
        ({"contributors": "Jane|poet"}, "contributors: unknown contributor role 'poet'"),
        (
            {"contributors": "Jane|author|isbn:9780000000002"},
            "contributors: 'isbn:9780000000002' in 'Jane|author|isbn:9780000000002' is a isbn "
            "identifier, expected a party identifier",
        ),
        ({"contributors": "party:|author"}, "contributors: 'party:' in 'party:|author'"),
        ({"contributors": "|author"}, "contributors: item '|author' has no name"),
        ({"terms": "ai-train"}, "terms: terms item 'ai-train' is not purpose=status, expected"),
        ({"terms": "ai-training=reserved"}, "terms: unknown purpose 'ai-training', expected"),
        ({"terms": "search=maybe"}, "terms: unknown status 'maybe', expected one of"),
        ({"terms": "search=allowed;search=reserved"}, "terms: purpose search given twice"),
    ],
)
def test_cell_errors_name_the_column_the_value_and_the_expectation(
    cells: dict[str, str], expected: str
) -> None:
    assert expected in _error(_row(**cells))


def test_wrong_isbn_check_digit_message_comes_from_parse_identifier() -> None:
    with pytest.raises(ValidationError) as info:
        parse_identifier("isbn:9780000000003", field="identifiers")
    assert _error(_row(identifiers="isbn:9780000000003")) == f"identifiers: {info.value}"
    assert "9780000000003" in str(info.value)


def test_rows_with_the_wrong_number_of_fields_are_rejected() -> None:
    records = parse_csv(f"{HEADER}\nW1,book,Emma\nW2,book,Emma,,,,,extra\n")
    assert [r.key for r in records] == ["W1", "W2"]
    assert records[0].error == (
        "row has 3 fields, expected 7 like the header (quote cells that contain commas)"
    )
    assert records[1].error is not None and "row has 8 fields" in records[1].error


def test_bad_rows_do_not_stop_good_rows() -> None:
    text = f"{HEADER}\n{_row(work_id='A')}\n{_row(work_id='B', kind='x')}\n{_row(work_id='C')}\n"
    assert [(r.number, r.draft is not None) for r in parse_csv(text)] == [
        (1, True),
        (2, False),
        (3, True),
    ]


# --- file-level refusals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "data.csv: the file is empty"),
        (b"\xef\xbb\xbf  \r\n", "data.csv: the file is empty"),
        (b"work_id,kind,title\nW1,book,T\n", "data.csv: missing columns identifiers, contrib"),
        (HEADER.replace(",terms", "").encode(), "data.csv: missing column terms;"),
        ((HEADER + ",colour").encode(), "data.csv: unknown column 'colour'"),
        ((HEADER + ",title").encode(), "data.csv: column 'title' appears twice"),
        (f"{HEADER}\nW1,book,Caf\xe9\n".encode("latin-1"), "data.csv: not UTF-8 (byte 0xe9"),
        (f'{HEADER}\nW1,book,"Emma" and more,,,,\n'.encode(), "data.csv: line 2: malformed CSV"),
    ],
)
def test_file_level_problems_raise_naming_the_file(content: bytes, expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_csv(content, filename="data.csv")
    assert expected in str(info.value)


def test_unreadable_path_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be read"):
        parse_csv(tmp_path / "missing.csv")


# --- never anything but ValidationError --------------------------------------------------

CELL = st.text(alphabet=st.sampled_from(list('ab|;=:,"\r\n 0159%-xisnbpartyu')), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_validation_error(text: str) -> None:
    try:
        records = parse_csv(text)
    except ValidationError:
        return
    assert all(isinstance(r, ParsedRecord) for r in records)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=5))
def test_arbitrary_rows_under_a_valid_header_give_records_or_validation_errors(
    rows: list[list[str]],
) -> None:
    text = HEADER + "\n" + "\n".join(",".join(r) for r in rows)
    try:
        records = parse_csv(text)
    except ValidationError:
        return
    for r in records:
        assert (r.draft is None) != (r.error is None)
        if r.error is not None:
            assert r.error.startswith((*(f"{c}: " for c in REQUIRED_COLUMNS), "row has "))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_validation_error(data: bytes) -> None:
    try:
        records = parse_csv(HEADER.encode() + b"\n" + data)
    except ValidationError as exc:
        assert exc.field == "file"
        return
    assert all((r.draft is None) != (r.error is None) for r in records)


# --- import through the lead's service ---------------------------------------------------


def _import(registry: Registry, text: str, *, skip_invalid: bool = False) -> ImportReport:
    records = parse_csv(text, filename="upload.csv")
    with registry.uow(write=True) as uow:
        report = import_records(
            uow,
            records,
            ids=registry.service.ids,
            now=registry.service.clock(),
            actor="admin:test",
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            filename="upload.csv",
            fmt="csv",
            skip_invalid=skip_invalid,
        )
        uow.commit()
    return report


def test_csv_imports_whole_and_twice_changes_nothing(registry: Registry) -> None:
    text = (DATA / "works.csv").read_text(encoding="utf-8")
    report = _import(registry, text)
    assert (report.created, report.rejected) == (4, [])
    assert report.parties_created == 4  # Jane Austen, Example Press, Juliet Stevenson, Ines Duarte
    (found,) = registry.service.lookup(["isbn:9780000000002"])
    ((summary, terms),) = found.works
    work = registry.service.get_work(summary.id)
    assert work.title == "Emma" and work.external_id == "W1"
    assert terms.as_dict() == dict(_terms(search="allowed"))
    assert _import(registry, text).already_imported
    # The same rows again in a different file (new digest): no new works, no new terms.
    again = _import(registry, text.replace("\r\n", "\n"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_one_bad_row_rejects_the_file_with_row_numbers(registry: Registry) -> None:
    text = f"{HEADER}\n{EXAMPLE}\n{_row(work_id='W2', holders='A|creator|fifty')}\n"
    with pytest.raises(ImportRejected) as info:
        _import(registry, text)
    assert info.value.rejects == [
        (2, "W2: holders: share 'fifty' is not a number, expected a percentage such as 50 or 33.34")
    ]
    assert registry.service.lookup(["isbn:9780000000002"])[0].works == ()
    report = _import(registry, text, skip_invalid=True)
    assert report.created == 1 and [n for n, _ in report.rejected] == [2]
