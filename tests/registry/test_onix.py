"""ONIX import parser: the real samples, short tags, 2.1, refusals, terms, and a real import."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from benchmarks.make_onix import write_onix
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentry.errors import ImportRejected, ValidationError
from consentry.registry.importing import ImportReport, ParsedRecord, import_records
from consentry.registry.onix import onix_record_count, parse_onix
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

if TYPE_CHECKING:
    from consentry.bootstrap import Registry

DATA = Path(__file__).resolve().parents[1] / "data" / "onix"
ALL_RESERVED = tuple((p, "reserved") for p in ("tdm", "ai-train", "ai-input", "ai-index", "search"))
HEADER30 = "<Header><Sender><SenderName>Test</SenderName></Sender></Header>"
NS30 = "http://ns.editeur.org/onix/3.0/reference"

# SHA-256 of the verbatim copies, from shared/conformance/metadata/README.md.
SHA256 = {
    "onix30-editeur-global-bookinfo-sample.xml": (
        "9946d5f9758be2e00ce8d060bb1767d832bb11728a8d81ca79dc4a09912b2621"
    ),
    "onix30-ebook-epub-usage-constraints.xml": (
        "cf018fd8e45adbe4f01785d949a019967363b0825b320d62930c8872cc6dca7f"
    ),
    "onix30-google-sample-valid.xml": (
        "c74328798ace92b2d3204c8bea48b2d61d11ed6ae8af8e14e5fd4195a1b9bffe"
    ),
    "onix30-short-tags-minimal-valid.xml": (
        "eae93c2b4de0fc0c73bcaf1e9f6659c33abb5730600efbfebf47919edcee2049"
    ),
    "onix30-missing-sender-invalid.xml": (
        "165a03fee4f331deafb5c33ee27e179cff93d47fad225a7756c68790111b2fa7"
    ),
    "onix21-google-sample.xml": "0a448c283cd4f2a23e8d23e53a5fcdf27e1c2dcb0178a8521de33357618a9057",
}


def _one(name: str, **kwargs: object) -> ParsedRecord:
    records = list(parse_onix(DATA / name, **kwargs))  # type: ignore[arg-type]
    assert len(records) == 1
    return records[0]


def _write(tmp_path: Path, xml: str, name: str = "feed.xml") -> Path:
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    return path


def _message30(*products: str, ns: bool = True) -> str:
    xmlns = f' xmlns="{NS30}"' if ns else ""
    return f'<ONIXMessage{xmlns} release="3.0">{HEADER30}{"".join(products)}</ONIXMessage>'


def _product30(
    ref: str = "r1",
    isbn: str = "9780000000002",
    title: str = "<TitleText>A Title</TitleText>",
    extra_desc: str = "",
    extra: str = "",
) -> str:
    return (
        f"<Product><RecordReference>{ref}</RecordReference>"
        "<NotificationType>03</NotificationType>"
        f"<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue>"
        "</ProductIdentifier><DescriptiveDetail><ProductForm>ED</ProductForm>"
        f"{extra_desc}<TitleDetail><TitleType>01</TitleType><TitleElement>"
        f"<TitleElementLevel>01</TitleElementLevel>{title}</TitleElement></TitleDetail>"
        f"</DescriptiveDetail>{extra}</Product>"
    )


def _constraint(usage: str, status: str) -> str:
    return (
        f"<EpubUsageConstraint><EpubUsageType>{usage}</EpubUsageType>"
        f"<EpubUsageStatus>{status}</EpubUsageStatus></EpubUsageConstraint>"
    )


# --- the real samples -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHA256))
def test_copies_are_verbatim(name: str) -> None:
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == SHA256[name]


def test_editeur_global_bookinfo_sample() -> None:
    notes: list[str] = []
    rec = _one("onix30-editeur-global-bookinfo-sample.xml", notes=notes)
    d = rec.draft
    assert d is not None and rec.error is None
    assert rec.number == 1 and rec.key == "com.globalbookinfo.onix.01734529"
    assert d.title == "Roseanna"  # TitleType 01, not the distributor's title or the series
    assert d.kind is WorkKind.BOOK
    assert d.identifiers == ("isbn:9780007232833",)  # GTIN-13 03 and ISBN-13 15: one ISBN
    assert d.contributors == (
        (PartyRef("Maj Sjöwall", identifiers=("isni:0000000121479135",)), ContributorRole.AUTHOR),
        (PartyRef("Per Wahlöö", identifiers=("isni:0000000121222604",)), ContributorRole.AUTHOR),
        (PartyRef("Lois Roth"), ContributorRole.TRANSLATOR),
    )
    assert d.holders == (
        (
            PartyRef("HarperCollins Publishers", identifiers=("isni:0000000404222532",)),
            "publisher",
            Decimal(100),
            "publishing",
        ),
    )
    assert d.external_id == "onix:com.globalbookinfo.onix.01734529"
    assert d.terms is None
    assert d.source == (
        "onix:onix30-editeur-global-bookinfo-sample.xml:com.globalbookinfo.onix.01734529"
    )
    assert any("A24 (Henning Mankell)" in n for n in notes)


def test_reflowable_ebook_with_non_tdm_constraints() -> None:
    notes: list[str] = []
    d = _one("onix30-ebook-epub-usage-constraints.xml", notes=notes).draft
    assert d is not None
    assert d.title == "Certaines n'avaient jamais vu la mer"
    # Only a proprietary id and a GTIN-13 that is not an ISBN: keyed by RecordReference.
    assert d.identifiers == ()
    assert d.external_id == "onix:immateriel.fr-RP64127"
    assert d.contributors == () and d.holders == ()
    assert d.terms is None  # print / copy-paste / share constraints say nothing about AI
    assert any("no ISBN or DOI" in n for n in notes)


def test_google_onix30_sample() -> None:
    d = _one("onix30-google-sample-valid.xml").draft
    assert d is not None
    assert d.title == "This Is My Distinctive Title: This Is A Subtitle"
    assert d.identifiers == ("isbn:9789999999991",)
    assert d.contributors == ((PartyRef("Jane Smith"), ContributorRole.AUTHOR),)
    assert d.holders == ((PartyRef("My Publisher Name"), "publisher", Decimal(100), "publishing"),)
    assert d.external_id == "onix:myid.9789999999991"
    assert d.terms is None


def test_google_onix21_sample() -> None:
    notes: list[str] = []
    d = _one("onix21-google-sample.xml", notes=notes).draft
    assert d is not None
    assert d.title == "This is my distinctive title. This is my subtitle."
    assert d.identifiers == ("isbn:9789999999991",)  # not the RelatedProduct's 9789999999984
    assert d.contributors == ((PartyRef("Jane Smith"), ContributorRole.AUTHOR),)
    assert d.kind is WorkKind.BOOK  # ProductForm DG
    assert d.holders == ()  # the publisher is given by a proprietary code only
    assert any("code only" in n for n in notes)


def test_short_tag_minimal_sample_imports_under_a_placeholder_title() -> None:
    notes: list[str] = []
    d = _one("onix30-short-tags-minimal-valid.xml", notes=notes).draft
    assert d is not None
    assert d.identifiers == ("isbn:9788871184371",)
    assert d.external_id == "onix:org.john-doe.some-id"
    assert d.title == "(untitled) isbn:9788871184371"
    assert any("no title" in n for n in notes)


def test_short_tag_sample_is_rejected_when_a_title_is_required() -> None:
    rec = _one("onix30-short-tags-minimal-valid.xml", require_title=True)
    assert rec.draft is None and rec.key == "org.john-doe.some-id"
    assert rec.error is not None and "no title" in rec.error


def test_constructed_tdm_reserved_ebook() -> None:
    notes: list[str] = []
    d = _one("constructed-onix30-tdm-reserved-ebook.xml", notes=notes).draft
    assert d is not None
    assert d.title == "An Example Title"
    assert d.identifiers == ("isbn:9780000000002",)
    assert d.contributors == (
        (PartyRef("Jane Example", identifiers=("isni:0000000123456789",)), ContributorRole.AUTHOR),
    )
    assert d.holders == ((PartyRef("Example Press"), "publisher", Decimal(100), "publishing"),)
    assert d.terms == ALL_RESERVED
    assert any("EpubUsageType 14" in n for n in notes)
    assert any("EpubLicense" in n for n in notes)


def test_missing_sender_sample_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="missing Sender in Header") as info:
        list(parse_onix(DATA / "onix30-missing-sender-invalid.xml"))
    assert "onix30-missing-sender-invalid.xml" in str(info.value)
    assert "refused" in str(info.value)


# --- tag forms and versions --------------------------------------------------------------

SHORT30 = """<?xml version="1.0"?>
<ONIXmessage release="3.0" xmlns="http://ns.editeur.org/onix/3.0/short">
 <header><sender><x298>Short Sender</x298></sender><x307>20260101</x307></header>
 <product>
  <a001>short-1</a001><a002>03</a002>
  <productidentifier><b221>15</b221><b244>9780000000002</b244></productidentifier>
  <productidentifier><b221>06</b221><b244>10.1000/XYZ</b244></productidentifier>
  <descriptivedetail>
   <x314>00</x314><b012>AJ</b012>
   <epubusageconstraint><x318>11</x318><x319>03</x319></epubusageconstraint>
   <titledetail><b202>01</b202><titleelement><x409>01</x409>
     <b030>The</b030><b031>Short Story</b031><b029>Told Briefly</b029></titleelement></titledetail>
   <contributor><b034>1</b034><b035>A01</b035>
     <nameidentifier><x415>16</x415><b244>0000000123456789</b244></nameidentifier>
     <b037>Example, Jane</b037></contributor>
   <contributor><b034>2</b034><b035>E07</b035><b039>Omar</b039><b040>Rao</b040></contributor>
  </descriptivedetail>
  <publishingdetail>
   <publisher><b291>01</b291><b081>Short Press</b081></publisher>
  </publishingdetail>
 </product>
</ONIXmessage>
"""

SHORT21 = """<?xml version="1.0"?>
<ONIXmessage>
 <header><m174>Old Feeds Ltd</m174><m182>20120101</m182></header>
 <product>
  <a001>old-1</a001><a002>03</a002>
  <productidentifier><b221>02</b221><b244>0141439688</b244></productidentifier>
  <b012>BB</b012>
  <title><b202>01</b202><b203>Persuasion</b203></title>
  <contributor><b035>A01</b035><b036>Jane Austen</b036></contributor>
  <contributor><b035>A12</b035><b047>Studio Nine</b047></contributor>
  <publisher><b291>01</b291><b081>Old Feeds Press</b081></publisher>
 </product>
</ONIXmessage>
"""


def test_short_tags_with_contributors_constraints_and_publisher(tmp_path: Path) -> None:
    d = _one_of(_write(tmp_path, SHORT30))
    assert d.title == "The Short Story: Told Briefly"
    assert d.kind is WorkKind.RECORDING  # ProductForm AJ: downloadable audio
    assert d.identifiers == ("isbn:9780000000002", "doi:10.1000/xyz")
    assert d.contributors == (
        (PartyRef("Jane Example", identifiers=("isni:0000000123456789",)), ContributorRole.AUTHOR),
        (PartyRef("Omar Rao"), ContributorRole.NARRATOR),
    )
    assert d.holders == ((PartyRef("Short Press"), "publisher", Decimal(100), "publishing"),)
    assert d.terms == ALL_RESERVED


def test_onix21_short_tags_and_isbn10(tmp_path: Path) -> None:
    d = _one_of(_write(tmp_path, SHORT21))
    assert d.title == "Persuasion"
    assert d.identifiers == ("isbn:9780141439686",)  # ISBN-10 written as ISBN-13
    assert d.contributors == (
        (PartyRef("Jane Austen"), ContributorRole.AUTHOR),
        (PartyRef("Studio Nine"), ContributorRole.ILLUSTRATOR),
    )
    assert d.holders == ((PartyRef("Old Feeds Press"), "publisher", Decimal(100), "publishing"),)
    assert d.external_id == "onix:old-1"


def test_reference_tags_without_namespace(tmp_path: Path) -> None:
    d = _one_of(_write(tmp_path, _message30(_product30(), ns=False)))
    assert d.title == "A Title" and d.identifiers == ("isbn:9780000000002",)


def _one_of(path: Path) -> WorkDraft:
    records = list(parse_onix(path))
    assert len(records) == 1 and records[0].error is None, records
    draft = records[0].draft
    assert draft is not None
    return draft


# --- terms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        ((("11", "03"),), "reserved"),
        ((("11", "02"),), "licence"),
        ((("11", "01"),), "allowed"),
        ((("11", "01"), ("11", "03")), "reserved"),  # the strictest statement wins
        ((("11", "01"), ("11", "02")), "licence"),
        ((("02", "01"), ("04", "03")), None),  # print/share: nothing about AI
        ((("14", "01"),), None),  # reseller's private AI instance only
        ((), None),
    ],
)
def test_tdm_usage_constraints_map_to_terms(
    tmp_path: Path, constraints: tuple[tuple[str, str], ...], expected: str | None
) -> None:
    extra = "".join(_constraint(u, s) for u, s in constraints)
    d = _one_of(_write(tmp_path, _message30(_product30(extra_desc=extra))))
    if expected is None:
        assert d.terms is None
    else:
        assert d.terms == (
            ("tdm", expected),
            ("ai-train", expected),
            ("ai-input", expected),
            ("ai-index", expected),
            ("search", "reserved"),
        )


def test_unknown_tdm_status_rejects_the_record(tmp_path: Path) -> None:
    path = _write(tmp_path, _message30(_product30(extra_desc=_constraint("11", "07"))))
    (rec,) = parse_onix(path)
    assert rec.draft is None
    assert rec.error is not None and "EpubUsageStatus '07'" in rec.error and "03" in rec.error


# --- records that cannot be read ---------------------------------------------------------


def test_bad_products_are_rejected_one_by_one_with_their_position(tmp_path: Path) -> None:
    xml = _message30(
        _product30("ok-1", "9780000000002"),
        _product30("bad-isbn", "9780000000003"),
        _product30("no-title", "9789999999991", title=""),
        "<Product><NotificationType>03</NotificationType>"
        "<DescriptiveDetail><TitleDetail><TitleType>01</TitleType><TitleElement>"
        "<TitleText>Nothing to key on</TitleText></TitleElement></TitleDetail>"
        "</DescriptiveDetail></Product>",
    )
    records = list(parse_onix(_write(tmp_path, xml), require_title=True))
    assert [r.number for r in records] == [1, 2, 3, 4]
    assert records[0].draft is not None
    assert records[1].draft is None and records[1].key == "bad-isbn"
    assert records[1].error is not None
    assert "ProductIdentifier" in records[1].error and "9780000000003" in records[1].error
    assert "expected 2" in records[1].error  # the check digit message of parse_identifier
    assert records[2].error is not None and "no title" in records[2].error
    assert records[3].error is not None and "no ISBN or DOI and no RecordReference" in (
        records[3].error
    )


def test_delete_notifications_are_skipped_with_a_note(tmp_path: Path) -> None:
    deleted = _product30("gone").replace(
        "<NotificationType>03</NotificationType>", "<NotificationType>05</NotificationType>"
    )
    notes: list[str] = []
    records = list(
        parse_onix(_write(tmp_path, _message30(deleted, _product30("kept"))), notes=notes)
    )
    assert [(r.number, r.key) for r in records] == [(2, "kept")]
    assert any("record 1 (gone)" in n and "delete" in n for n in notes)


def test_invalid_contributor_isni_rejects_the_record(tmp_path: Path) -> None:
    contributor = (
        "<Contributor><ContributorRole>A01</ContributorRole><NameIdentifier>"
        "<NameIDType>16</NameIDType><IDValue>0000000123456788</IDValue></NameIdentifier>"
        "<PersonName>Jane Example</PersonName></Contributor>"
    )
    xml = _message30(_product30(extra_desc="")).replace(
        "</TitleDetail>", "</TitleDetail>" + contributor
    )
    (rec,) = parse_onix(_write(tmp_path, xml))
    assert rec.draft is None
    assert rec.error is not None and "Jane Example" in rec.error and "0000000123456788" in rec.error


# --- file-level refusals -----------------------------------------------------------------


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    xml = _message30(_product30()).replace("</Product>", "</Product>\n\n<Product><Oops></Product>")
    with pytest.raises(ValidationError, match=r"feed.xml: not well-formed XML at line 3"):
        list(parse_onix(_write(tmp_path, xml)))


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (f'<ONIXMessage release="3.0">{_product30()}</ONIXMessage>', "missing Header"),
        ('<ONIXMessage release="3.0"></ONIXMessage>', "missing Header"),
        ("<ONIXMessage><Header><SentDate>2012</SentDate></Header></ONIXMessage>", "FromCompany"),
        ("<html><body><p>not onix</p></body></html>", "root element <html>"),
        ("<html><Product/></html>", "root element <html>"),
        ("", "not well-formed XML"),
    ],
)
def test_messages_that_are_refused_as_a_whole(tmp_path: Path, xml: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        list(parse_onix(_write(tmp_path, xml)))


def test_missing_file_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be read"):
        list(parse_onix(tmp_path / "nope.xml"))


def test_external_entities_are_never_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    xml = f'<!DOCTYPE ONIXMessage [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>' + _message30(
        _product30(title="<TitleText>Title &leak;</TitleText>")
    )
    records = list(parse_onix(_write(tmp_path, xml)))
    assert all("TOP-SECRET" not in (r.draft.title if r.draft else "") for r in records)


def test_entity_expansion_bomb_does_not_expand(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = f'<!DOCTYPE ONIXMessage [<!ENTITY l0 "lol">{lol}]>' + _message30(
        _product30(title="<TitleText>&l9;</TitleText>")
    )
    try:
        records = list(parse_onix(_write(tmp_path, xml)))
    except ValidationError:
        records = []
    assert all(len(r.draft.title) < 10_000 for r in records if r.draft)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_parser(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "junk.xml"
    path.write_bytes(junk)
    try:
        records = list(parse_onix(path))
    except ValidationError:
        return
    assert all(isinstance(r, ParsedRecord) for r in records)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=0, max_value=2000),
    insert=st.text(alphabet="<>/&;\"' abcPrdut0135", max_size=12),
)
def test_damaged_real_sample_never_crashes_the_parser(
    tmp_path: Path, cut: int, insert: str
) -> None:
    text = (DATA / "onix30-google-sample-valid.xml").read_text(encoding="utf-8")
    cut = min(cut, len(text))
    path = tmp_path / "damaged.xml"
    path.write_text(text[:cut] + insert + text[cut + len(insert) :], encoding="utf-8")
    try:
        records = list(parse_onix(path))
    except ValidationError:
        return
    for r in records:
        assert (r.draft is None) != (r.error is None)


# --- a generated catalogue ---------------------------------------------------------------


def test_generated_2000_product_file(tmp_path: Path) -> None:
    path = tmp_path / "gen.xml"
    write_onix(path, products=2000, seed=7)
    notes: list[str] = []
    records = list(parse_onix(path, notes=notes))
    assert len(records) == 2000 == onix_record_count(path)
    assert [r.number for r in records] == list(range(1, 2001))
    drafts = [r.draft for r in records]
    assert all(d is not None for d in drafts), [r.error for r in records if r.error][:3]
    isbns = {i for d in drafts if d for i in d.identifiers}
    assert len(isbns) == 2000
    reserved = sum(1 for d in drafts if d and d.terms == ALL_RESERVED)
    assert 200 < reserved < 1000  # about half of the e-books carry the TDM reservation
    assert all(d.holders and d.contributors for d in drafts if d)


# --- import through the lead's service ---------------------------------------------------


def _import(registry: Registry, path: Path, **kwargs: object) -> ImportReport:
    records = list(parse_onix(path))
    with registry.uow(write=True) as uow:
        report = import_records(
            uow,
            records,
            ids=registry.service.ids,
            now=registry.service.clock(),
            actor="admin:test",
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            filename=path.name,
            fmt="onix",
            skip_invalid=bool(kwargs.get("skip_invalid", False)),
        )
        uow.commit()
    return report


def test_real_samples_import_and_twice_changes_nothing(registry: Registry) -> None:
    names = [
        "onix30-editeur-global-bookinfo-sample.xml",
        "onix30-ebook-epub-usage-constraints.xml",
        "onix30-google-sample-valid.xml",
        "onix30-short-tags-minimal-valid.xml",
        "onix21-google-sample.xml",
        "constructed-onix30-tdm-reserved-ebook.xml",
    ]
    created = {n: _import(registry, DATA / n).created for n in names}
    # The 2.1 Google sample describes the same product (same RecordReference and ISBN) as
    # the 3.0 one imported before it: it finds the existing work.
    assert created == {n: 0 if n == "onix21-google-sample.xml" else 1 for n in names}
    again = _import(registry, DATA / "onix30-editeur-global-bookinfo-sample.xml")
    assert again.already_imported and again.created == 0
    (found,) = registry.service.lookup(["isbn:9780007232833"])
    ((summary, terms),) = found.works
    work = registry.service.get_work(summary.id)
    assert work.title == "Roseanna" and work.external_id == "onix:com.globalbookinfo.onix.01734529"
    assert len(work.contributors) == 3 and len(work.holders) == 1
    assert terms.as_dict()["ai-train"] == "reserved"
    (tdm,) = registry.service.lookup(["9780000000002"])
    assert tdm.works[0][1].as_dict() == dict(ALL_RESERVED)
    history = registry.service.terms_history(tdm.works[0][0].id)
    assert {d.purpose.value for d in history} == {p for p, _ in ALL_RESERVED}


def test_a_file_with_a_bad_product_imports_nothing(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, _message30(_product30("ok"), _product30("bad", "9780000000003")))
    with pytest.raises(ImportRejected) as info:
        _import(registry, path)
    assert [n for n, _ in info.value.rejects] == [2]
    assert "bad" in info.value.rejects[0][1]
    assert registry.service.lookup(["9780000000002"])[0].works == ()
    report = _import(registry, path, skip_invalid=True)
    assert report.created == 1 and [n for n, _ in report.rejected] == [2]


def test_a_new_file_with_the_same_records_adds_no_declarations(
    registry: Registry, tmp_path: Path
) -> None:
    # The publisher permits TDM but the author has said nothing: the combined answer stays
    # "reserved", and a later feed repeating the same statement must not re-declare it.
    author = (
        "<Contributor><ContributorRole>A01</ContributorRole>"
        "<PersonName>Jane Example</PersonName></Contributor>"
    )
    publisher = (
        "<PublishingDetail><Publisher><PublishingRole>01</PublishingRole>"
        "<PublisherName>Example Press</PublisherName></Publisher></PublishingDetail>"
    )
    xml = _message30(_product30(extra_desc=_constraint("11", "01"), extra=publisher)).replace(
        "</TitleDetail>", "</TitleDetail>" + author
    )
    first = _write(tmp_path, xml, "feed-1.xml")
    second = _write(tmp_path, xml + "\n", "feed-2.xml")  # same records, another file
    assert _import(registry, first).created == 1
    report = _import(registry, second)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    ((work, terms),) = registry.service.lookup(["9780000000002"])[0].works
    assert terms.as_dict()["ai-train"] == "reserved"  # the author's consent is missing
    assert len(registry.service.terms_history(work.id)) == 5  # one declaration per purpose
    changed = _write(tmp_path, xml.replace(_constraint("11", "01"), _constraint("11", "03")))
    assert _import(registry, changed).updated == 1
    assert len(registry.service.terms_history(work.id)) == 10
