"""Identifiers: check digits, canonical forms, and errors that name the expected digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import IdentifierError
from consentry.registry.identifiers import (
    Identifier,
    Scheme,
    isbn10_check,
    isbn13_check,
    iswc_check,
    mod11_2_check,
    parse_identifier,
    try_parse_identifier,
)


@pytest.mark.parametrize("text,canonical", [
    ("978-0-00-723283-3", "isbn:9780007232833"),
    ("ISBN 978 0 00 723283 3", "isbn:9780007232833"),
    ("isbn:9780007232833", "isbn:9780007232833"),
    ("urn:isbn:9780007232833", "isbn:9780007232833"),
    ("0-00-723283-7", "isbn:9780007232833"),  # ISBN-10 converted to ISBN-13
    ("080442957X", "isbn:9780804429573"),
    ("isni:0000 0001 2147 9135", "isni:0000000121479135"),
    ("https://isni.org/isni/0000000121479135", "isni:0000000121479135"),
    ("orcid:0000-0002-1825-0097", "orcid:0000-0002-1825-0097"),
    ("https://orcid.org/0000-0002-1825-0097", "orcid:0000-0002-1825-0097"),
    ("issn:0317-8471", "issn:0317-8471"),
    ("ISSN 03178471", "issn:0317-8471"),
    ("iswc:T-034.524.680-1", "iswc:T0345246801"),
    ("isrc:US-RC1-76-07839", "isrc:USRC17607839"),
    ("doi:10.1000/XYZ123", "doi:10.1000/xyz123"),
    ("https://doi.org/10.1000/XYZ123", "doi:10.1000/xyz123"),
    ("10.1000/abc", "doi:10.1000/abc"),
    ("url:HTTPS://Example.ORG:443/a?b=1#frag", "url:https://example.org/a?b=1"),
    ("http://Example.org:80", "url:http://example.org/"),
    ("http://example.org:8080/x", "url:http://example.org:8080/x"),
    ("ISCC:KACYPXW445FTYNJ3", "iscc:KACYPXW445FTYNJ3"),
])
def test_canonical_forms(text: str, canonical: str) -> None:
    ident = parse_identifier(text)
    assert str(ident) == canonical
    assert parse_identifier(str(ident)) == ident


@pytest.mark.parametrize("text,message", [
    ("isbn:9780000000003", "ISBN 9780000000003 has check digit 3, expected 2"),
    ("0-00-723283-8", "ISBN 0007232838 has check digit 8, expected 7"),
    ("isni:0000000121479136", "ISNI 0000000121479136 has check digit 6, expected 5"),
    ("orcid:0000-0002-1825-0098", "has check digit 8, expected 7"),
    ("issn:0317-8472", "ISSN 0317-8472 has check digit 2, expected 1"),
    ("iswc:T-034.524.680-2", "ISWC T0345246802 has check digit 2, expected 1"),
    ("isbn:97800", "ISBN '97800' has 5 digits, expected 10 or 13"),
    ("doi:11.1/x", "is not 10.<registrant>/<suffix>"),
    ("url:ftp://example.org/", "is not an http(s) URL"),
    ("isrc:XX", "is not CC-XXX-YY-NNNNN"),
    ("ark:/12345/x", "has no known scheme"),
    ("", "identifier is empty"),
])
def test_errors_name_the_value_and_expectation(text: str, message: str) -> None:
    with pytest.raises(IdentifierError) as e:
        parse_identifier(text)
    assert message in str(e.value)
    assert e.value.value == text
    assert e.value.expected


def test_the_issue_examples_are_valid() -> None:
    assert str(parse_identifier("isbn:9780000000002")) == "isbn:9780000000002"
    assert str(parse_identifier("isni:0000000121479135")) == "isni:0000000121479135"
    assert try_parse_identifier("isbn:9780000000003") is None


@given(st.from_regex(r"97[89][0-9]{9}", fullmatch=True))
def test_isbn13_any_body_round_trips_and_any_wrong_digit_fails(body: str) -> None:
    good = body + isbn13_check(body)
    ident = parse_identifier(good)
    assert ident == Identifier(Scheme.ISBN, good)
    assert parse_identifier(str(ident)) == ident
    for d in "0123456789":
        if d != good[-1]:
            with pytest.raises(IdentifierError, match=f"expected {good[-1]}"):
                parse_identifier(body + d)


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_isbn10_converts_to_the_same_work_as_its_isbn13(body: str) -> None:
    ten = body + isbn10_check(body)
    thirteen = "978" + body
    assert parse_identifier(ten) == parse_identifier(thirteen + isbn13_check(thirteen))


@given(st.from_regex(r"[0-9]{15}", fullmatch=True), st.integers(0, 14), st.integers(1, 9))
def test_mod11_2_catches_every_single_digit_change(body: str, pos: int, delta: int) -> None:
    good = body + mod11_2_check(body)
    assert parse_identifier("isni:" + good).value == good
    changed = body[:pos] + str((int(body[pos]) + delta) % 10) + body[pos + 1:]
    with pytest.raises(IdentifierError):
        parse_identifier("isni:" + changed + good[-1])


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_iswc_round_trips(body: str) -> None:
    text = f"T-{body[:3]}.{body[3:6]}.{body[6:]}-{iswc_check(body)}"
    assert str(parse_identifier("iswc:" + text)) == f"iswc:T{body}{iswc_check(body)}"


@given(st.text(max_size=40))
def test_arbitrary_text_raises_only_identifier_errors(text: str) -> None:
    try:
        parse_identifier(text)
    except IdentifierError:
        pass
