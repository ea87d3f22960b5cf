"""Identifiers: check digits, canonical forms, and errors that name the expected digit.

Known-valid values come from /work/shared/reference/licensing.md (appendix "small verified
facts": the EDItEUR sample ISNIs, ISBN-13s, the ISWC worked example) and from the iscc-core
codec documentation (ISCC codes). No files are copied from /work/shared.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import IdentifierError, ValidationError
from consentry.registry.identifiers import (
    Identifier,
    Scheme,
    _parse,
    isbn10_check,
    isbn13_check,
    issn_check,
    iswc_check,
    mod11_2_check,
    parse_identifier,
    try_parse_identifier,
)

FULL_WIDTH_ISBN = "".join(chr(0xFF10 + int(c)) for c in "9780007232833")  # NFKC gives ASCII

ACCEPTED = [
    # ISBN: prefixed, bare, hyphens/spaces, labels, URN, ISBN-10 converted, full-width digits
    ("isbn:9780007232833", "isbn:9780007232833"),
    ("ISBN:978-0-00-723283-3", "isbn:9780007232833"),
    ("978-0-00-723283-3", "isbn:9780007232833"),
    ("  9780007232833\n", "isbn:9780007232833"),
    ("ISBN 978 0 00 723283 3", "isbn:9780007232833"),
    ("ISBN-13: 978-0-00-723283-3", "isbn:9780007232833"),
    ("ISBN13 9780007232833", "isbn:9780007232833"),
    ("urn:isbn:9780007232833", "isbn:9780007232833"),
    ("URN:ISBN:978-0-00-723283-3", "isbn:9780007232833"),
    ("0-00-723283-7", "isbn:9780007232833"),
    ("ISBN-10: 0-00-723283-7", "isbn:9780007232833"),
    ("080442957X", "isbn:9780804429573"),
    ("080442957x", "isbn:9780804429573"),
    (FULL_WIDTH_ISBN, "isbn:9780007232833"),
    ("9788871184371", "isbn:9788871184371"),
    ("9791000000008", "isbn:9791000000008"),
    ("isbn:9789999999991", "isbn:9789999999991"),
    # ISSN: canonical with the hyphen
    ("issn:0317-8471", "issn:0317-8471"),
    ("ISSN 03178471", "issn:0317-8471"),
    ("urn:issn:0317-8471", "issn:0317-8471"),
    ("issn:2434-561x", "issn:2434-561X"),
    # ISNI: 16 characters, no spaces; isni.org addresses
    ("isni:0000 0001 2147 9135", "isni:0000000121479135"),
    ("ISNI 0000000121222604", "isni:0000000121222604"),
    ("isni:0000-0001-2282-4957", "isni:0000000122824957"),
    ("https://isni.org/isni/0000000121479135", "isni:0000000121479135"),
    # ORCID: hyphenated groups of four; orcid.org addresses
    ("orcid:0000-0002-1825-0097", "orcid:0000-0002-1825-0097"),
    ("ORCID:0000000218250097", "orcid:0000-0002-1825-0097"),
    ("https://orcid.org/0000-0002-1825-0097", "orcid:0000-0002-1825-0097"),
    ("http://orcid.org/0000-0002-1825-0097/", "orcid:0000-0002-1825-0097"),
    ("orcid:https://orcid.org/0000-0002-1825-0097", "orcid:0000-0002-1825-0097"),
    # ISWC: T and ten digits, no punctuation
    ("iswc:T-034.524.680-1", "iswc:T0345246801"),
    ("ISWC t0345246801", "iswc:T0345246801"),
    # ISRC: twelve characters, upper-case
    ("isrc:US-RC1-76-07839", "isrc:USRC17607839"),
    ("ISRC gbayE0000351", "isrc:GBAYE0000351"),
    # DOI: lower-cased, from doi: or doi.org addresses or bare 10.
    ("doi:10.1000/XYZ123", "doi:10.1000/xyz123"),
    ("DOI 10.1000/xyz123", "doi:10.1000/xyz123"),
    ("https://doi.org/10.1000/XYZ123", "doi:10.1000/xyz123"),
    ("http://dx.doi.org/10.1000/xyz123", "doi:10.1000/xyz123"),
    ("https://www.doi.org/10.1000/a%2Fb", "doi:10.1000/a/b"),
    ("doi:https://doi.org/10.1000/xyz123", "doi:10.1000/xyz123"),
    ("10.1000/abc", "doi:10.1000/abc"),
    ("doi:10.1000.10/abc", "doi:10.1000.10/abc"),
    # ISCC: upper-case base32, hyphens dropped
    (
        "ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY",
        "iscc:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY",
    ),
    ("iscc:KUAG2PRCRS5LNVZVJKAFAVOJXLZZM", "iscc:KUAG2PRCRS5LNVZVJKAFAVOJXLZZM"),
    ("ISCC:GAAW2PRCRS5LNVZV-IAAUVACQKXE3V44W", "iscc:GAAW2PRCRS5LNVZVIAAUVACQKXE3V44W"),
    ("iscc:maagztfqttvizpjr", "iscc:MAAGZTFQTTVIZPJR"),
    # URL: scheme and host lower-cased, default port and fragment dropped, empty path is /
    ("url:HTTPS://Example.ORG:443/a?b=1#frag", "url:https://example.org/a?b=1"),
    ("http://Example.org:80", "url:http://example.org/"),
    ("http://example.org:8080/X", "url:http://example.org:8080/X"),
    ("https://example.org:80/", "url:https://example.org:80/"),
    ("http://[0:0::1]:8080/a", "url:http://[::1]:8080/a"),
    ("http://Bücher.example/", "url:http://xn--bcher-kva.example/"),
    ("https://doi.org/", "url:https://doi.org/"),
    ("https://orcid.org/signin", "url:https://orcid.org/signin"),
]


@pytest.mark.parametrize(("text", "canonical"), ACCEPTED)
def test_every_accepted_form_gives_one_canonical_string(text: str, canonical: str) -> None:
    ident = parse_identifier(text)
    assert str(ident) == canonical
    assert parse_identifier(str(ident)) == ident
    assert Identifier(ident.scheme, ident.value) == ident
    assert try_parse_identifier(text) == ident


REJECTED = [
    ("isbn:9780000000003", "ISBN 9780000000003 has check digit 3, expected 2"),
    ("978-0-00-723283-4", "ISBN 9780007232834 has check digit 4, expected 3"),
    ("0-00-723283-8", "ISBN 0007232838 has check digit 8, expected 7"),
    ("isni:0000000121479136", "ISNI 0000000121479136 has check digit 6, expected 5"),
    ("orcid:0000-0002-1825-0098", "ORCID 0000-0002-1825-0098 has check digit 8, expected 7"),
    ("https://orcid.org/0000-0002-1825-0098", "has check digit 8, expected 7"),
    ("issn:0317-8472", "ISSN 0317-8472 has check digit 2, expected 1"),
    ("iswc:T-034.524.680-2", "ISWC T0345246802 has check digit 2, expected 1"),
    ("isbn:97800", "ISBN '97800' has 5 digits, expected 10 or 13"),
    ("isbn:978-0-00-72328a-3", "ISBN '978-0-00-72328a-3' contains 'a', expected digits"),
    ("isbn:978000000000X", "ends in X, which only an ISBN-10 may"),
    ("isbn:1230007232833", "starts with 1230, expected 978 or 9791-9799"),
    ("9790000000001", "starts with 9790"),  # an ISMN, not an ISBN
    ("isbn:", "has no value"),
    ("issn:0317-847", "is not NNNN-NNNC"),
    ("isni:00000001214791٣5", "is not 15 digits followed by a check digit or X"),
    ("iswc:0345246801", "is not T followed by 10 digits"),
    ("isrc:XX", "is not CC-XXX-YY-NNNNN"),
    ("isrc:XXRC17607839", "has country code XX, expected an ISO 3166 or ISRC-agency code"),
    ("doi:11.1/x", "is not 10.<registrant>/<suffix>"),
    ("doi:10.12/x", "is not 10.<registrant>/<suffix>"),
    ("doi:https://example.org/10.1000/x", "is not a doi.org address"),
    ("iscc:KACYPXW445FTYNJ3", "has 8 body bytes, expected 32"),  # truncated code
    ("iscc:KACYPXW445FTYNJ0", "is not a base32 ISCC code"),
    ("iscc:AAAA", "is not a base32 ISCC code of at least 16 characters"),
    ("url:ftp://example.org/", "is not an http(s) URL"),
    ("url:http://exa mple.org/", "contains a space, control or unassigned character"),
    ("http://example.org/a\u200bb", "contains a space, control or unassigned character"),
    ("doi:10.1000/a\x00", "is not 10.<registrant>/<suffix>"),
    ("http://[::1", "cannot be parsed"),
    ("http://example.org:99999/", "cannot be parsed"),
    ("http://user:secret@example.org/", "contains user information"),
    ("http://exa<mple.org/", "has an invalid host name"),
    ("ark:/12345/x", "has no known scheme"),
    ("T-034.524.680-1", "has no known scheme"),
    ("", "identifier is empty"),
    ("   ", "identifier is empty"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED)
def test_errors_name_the_value_and_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_identifier(text, field="identifiers")
    err = caught.value
    assert message in str(err)
    assert isinstance(err, ValidationError)
    assert (err.field, err.value) == ("identifiers", text)
    assert err.expected
    assert err.payload["expected"] == err.expected
    assert try_parse_identifier(text) is None


def test_check_digit_errors_carry_the_expected_digit() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_identifier("isbn:9780000000003")
    assert caught.value.expected == "check digit 2"


def test_the_issue_examples_are_valid() -> None:
    # The issue's CSV example uses isni:0000000121479135 for Jane Austen: its MOD 11-2
    # check character is 5, so it is valid as written.
    assert mod11_2_check("000000012147913") == "5"
    assert str(parse_identifier("isni:0000000121479135")) == "isni:0000000121479135"
    assert str(parse_identifier("isbn:9780000000002")) == "isbn:9780000000002"


def test_worked_check_digit_examples() -> None:
    assert isbn13_check("978000723283") == "3"
    assert isbn10_check("000723283") == "7"
    assert isbn10_check("080442957") == "X"
    assert issn_check("0317847") == "1"
    assert issn_check("2434561") == "X"
    assert mod11_2_check("000000021825009") == "7"
    assert iswc_check("034524680") == "1"  # 1 + (0 + 6 + 12 + 20 + 10 + 24 + 42 + 64 + 0)


def test_non_text_input_is_an_identifier_error() -> None:
    for bad in (None, 9780007232833, b"isbn:9780007232833", ["isbn:9780007232833"]):
        with pytest.raises(IdentifierError, match="identifier must be text"):
            parse_identifier(bad)  # type: ignore[arg-type]
        assert try_parse_identifier(bad) is None  # type: ignore[arg-type]


def test_constructing_an_identifier_validates_the_value() -> None:
    assert Identifier("isbn", "9780007232833").scheme is Scheme.ISBN  # type: ignore[arg-type]
    with pytest.raises(IdentifierError, match=re.escape("expected '9780007232833'")):
        Identifier(Scheme.ISBN, "978-0-00-723283-3")
    with pytest.raises(IdentifierError, match="has check digit 4, expected 3"):
        Identifier(Scheme.ISBN, "9780007232834")
    with pytest.raises(IdentifierError, match="scheme 'ark' is unknown"):
        Identifier("ark", "x")  # type: ignore[arg-type]
    with pytest.raises(IdentifierError, match=r"expected 'http://example\.org/'"):
        Identifier(Scheme.URL, "http://EXAMPLE.org")


def test_identifiers_are_frozen_hashable_and_ordered() -> None:
    a = parse_identifier("doi:10.1000/b")
    b = parse_identifier("isbn:9780007232833")
    c = parse_identifier("doi:10.1000/a")
    assert sorted([a, b, c]) == [c, a, b]
    assert len({a, parse_identifier("https://doi.org/10.1000/B")}) == 1
    with pytest.raises(AttributeError):
        a.value = "10.1000/c"  # type: ignore[misc]


# --- properties -----------------------------------------------------------------------------

DIGITS = "0123456789"


def _one_digit_changes(code: str, positions: range) -> list[str]:
    return [code[:i] + d + code[i + 1 :] for i in positions for d in DIGITS if d != code[i]]


isbn13_bodies = st.from_regex(r"97(8[0-9]|9[1-9])[0-9]{8}", fullmatch=True)


@given(isbn13_bodies)
def test_isbn13_round_trips_and_every_single_digit_change_is_rejected(body: str) -> None:
    good = body + isbn13_check(body)
    ident = parse_identifier(good)
    assert ident == Identifier(Scheme.ISBN, good)
    assert parse_identifier(str(ident)) == ident
    hyphenated = f"{good[:3]}-{good[3]}-{good[4:7]}-{good[7:12]}-{good[12]}"
    assert parse_identifier(hyphenated) == ident
    for changed in _one_digit_changes(good, range(13)):
        with pytest.raises(IdentifierError):
            parse_identifier(changed)


@given(isbn13_bodies, st.sampled_from(DIGITS))
def test_a_wrong_isbn13_check_digit_names_the_expected_one(body: str, wrong: str) -> None:
    right = isbn13_check(body)
    if wrong == right:
        return
    with pytest.raises(IdentifierError) as caught:
        parse_identifier(body + wrong)
    assert str(caught.value) == f"ISBN {body}{wrong} has check digit {wrong}, expected {right}"


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_isbn10_converts_to_its_978_isbn13_and_catches_single_changes(body: str) -> None:
    ten = body + isbn10_check(body)
    thirteen = "978" + body
    assert parse_identifier(ten) == Identifier(Scheme.ISBN, thirteen + isbn13_check(thirteen))
    for changed in _one_digit_changes(ten, range(9)):
        with pytest.raises(IdentifierError):
            parse_identifier(changed)


@given(st.from_regex(r"[0-9]{7}", fullmatch=True))
def test_issn_round_trips_and_catches_single_changes(body: str) -> None:
    good = body + issn_check(body)
    ident = parse_identifier("issn:" + good)
    assert ident.value == f"{good[:4]}-{good[4:]}"
    assert parse_identifier(str(ident)) == ident
    for changed in _one_digit_changes(good, range(7)):
        with pytest.raises(IdentifierError, match=f"expected {issn_check(changed[:7])}"):
            parse_identifier("issn:" + changed)


@given(st.from_regex(r"[0-9]{15}", fullmatch=True), st.sampled_from([Scheme.ISNI, Scheme.ORCID]))
def test_mod11_2_round_trips_and_catches_every_single_change(body: str, scheme: Scheme) -> None:
    good = body + mod11_2_check(body)
    ident = parse_identifier(f"{scheme.value}:{good}")
    assert ident.value.replace("-", "") == good
    assert parse_identifier(str(ident)) == ident
    for changed in _one_digit_changes(good, range(15)):
        with pytest.raises(IdentifierError, match="has check digit"):
            parse_identifier(f"{scheme.value}:{changed}")


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_iswc_round_trips_and_catches_changes_in_odd_weighted_digits(body: str) -> None:
    good = body + iswc_check(body)
    text = f"T-{good[:3]}.{good[3:6]}.{good[6:9]}-{good[9]}"
    ident = parse_identifier("iswc:" + text)
    assert str(ident) == f"iswc:T{good}"
    # Weights 1..9 mod 10: a change is always caught where the weight is coprime to 10
    # (positions 1, 3, 7, 9) and in the check digit; weights 2, 4, 5, 6, 8 can miss some.
    for changed in _one_digit_changes(good, range(10)):
        i = next(k for k in range(10) if changed[k] != good[k])
        if i in (0, 2, 6, 8, 9):
            with pytest.raises(IdentifierError, match="has check digit"):
                parse_identifier(f"iswc:T{changed}")


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){1,2}", fullmatch=True)
paths = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,3}", fullmatch=True)


@given(
    st.sampled_from(["http", "HTTP", "https", "Https"]),
    hosts,
    st.sampled_from(["", ":80", ":443", ":8080"]),
    paths,
    st.sampled_from(["", "?q=1", "?A=B&c"]),
    st.sampled_from(["", "#top"]),
    st.randoms(),
)
def test_url_canonical_form_is_stable(
    scheme: str, host: str, port: str, path: str, query: str, frag: str, rnd: object
) -> None:
    shouty = "".join(c.upper() if rnd.random() < 0.5 else c for c in host)  # type: ignore[attr-defined]
    ident = parse_identifier(f"{scheme}://{shouty}{port}{path}{query}{frag}")
    s = scheme.lower()
    kept = "" if (s, port) in (("http", ":80"), ("https", ":443")) else port
    assert str(ident) == f"url:{s}://{host}{kept}{path or '/'}{query}"
    assert parse_identifier(str(ident)) == ident


PREFIXES = [
    "",
    "isbn:",
    "ISBN-13 ",
    "urn:isbn:",
    "issn:",
    "isni:",
    "orcid:",
    "iswc:T",
    "isrc:",
    "doi:10.",
    "iscc:",
    "url:http://",
    "https://",
    "https://doi.org/10.",
    "https://orcid.org/",
    "https://isni.org/isni/",
    "10.1000/",
]
fragments = st.text(alphabet=string.printable + "²٣Ｘ\u2010ß\x00[]", max_size=40)


@given(st.sampled_from(PREFIXES), fragments | st.text(max_size=40))
def test_untrusted_text_either_parses_idempotently_or_raises_identifier_error(
    prefix: str, rest: str
) -> None:
    try:
        ident = parse_identifier(prefix + rest)
    except IdentifierError as err:
        assert err.value == prefix + rest
        return
    assert parse_identifier(str(ident)) == ident
    assert Identifier(ident.scheme, ident.value) == ident
    assert str(ident).startswith(ident.scheme.value + ":")
    assert str(ident).isprintable()


# --- docs/identifiers.md stays honest ----------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "identifiers.md"
ROW = re.compile(r"^\| `([^`]*)` \| `([^`]*)` \|$")


def _doc_rows(section: str) -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8").split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [(m[1], m[2]) for line in text.splitlines() if (m := ROW.match(line))]


def test_every_documented_example_is_what_the_parser_does() -> None:
    rows = _doc_rows("Accepted forms")
    assert len(rows) >= 15
    for text, canonical in rows:
        assert str(parse_identifier(text)) == canonical, text


def test_every_documented_error_message_is_the_real_one() -> None:
    rows = _doc_rows("Errors")
    assert len(rows) >= 10
    for text, message in rows:
        with pytest.raises(IdentifierError) as caught:
            parse_identifier(text)
        assert str(caught.value) == message, text


@given(
    st.sampled_from(["isbn:978", "isbn:979", "isbn:9790", "isbn:977", "ISBN:978", "isbn:978 "]),
    st.text(alphabet="0123456789", min_size=8, max_size=11),
)
def test_the_canonical_isbn_shortcut_answers_as_the_general_parser(prefix: str, rest: str) -> None:
    """Issue 8 (bulk lookup): ``isbn:`` + 13 digits skips the general parser when valid;
    valid or not, the answer (or the error's message) is the general parser's."""
    digits = "".join(c for c in prefix + rest if c.isdigit())[:12]
    for text in (prefix + rest, prefix + rest + isbn13_check(digits)):
        try:
            got: object = parse_identifier(text)
        except IdentifierError as exc:
            got = exc.message
        try:
            general: object = _parse(text, "identifier")
        except IdentifierError as exc:
            general = exc.message
        assert got == general
