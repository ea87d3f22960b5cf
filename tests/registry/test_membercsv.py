"""Mandates and developers files are read as the works CSV is: record-numbered errors that
name the column, the value and what was expected; file-level errors name the file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consentry.errors import ValidationError
from consentry.registry.developers import catalogue_tokens, seed_records
from consentry.registry.membercsv import parse_developers_csv, parse_mandates_csv
from consentry.registry.parties import ContactPoint, parse_contact
from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.signals.agents import load_catalogue

HEADER = "member,email,purposes,territories,valid_from,valid_until,evidence\n"
DIGEST = "AB" * 32


def test_a_valid_mandates_file() -> None:
    text = (
        HEADER + "Jane Author,jane@example.org,ai-train;tdm,gb;FR,2026-01-01,2027-01-01T00:00:00Z,"
        "form 2026-001\n"
        + f"party:p42,,,,,,{DIGEST}\n"
        + f"\nSam Poet,,,,2026-02-01T09:00:00+01:00,,sha256:{DIGEST.lower()}\n"
    )
    jane, p42, sam = parse_mandates_csv(text)
    assert jane.error is None and jane.draft is not None
    assert jane.draft.member_name == "Jane Author" and jane.draft.member_id is None
    assert jane.draft.email == "jane@example.org"
    assert jane.draft.purposes == {Purpose.AI_TRAIN, Purpose.TDM}
    assert jane.draft.territories == {"GB", "FR"}
    assert jane.draft.valid_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert jane.draft.valid_until == datetime(2027, 1, 1, tzinfo=UTC)
    assert jane.draft.evidence == "form 2026-001"
    # "purposes ;-separated, empty = all; territories default WORLD" (issue 11)
    assert p42.draft is not None and p42.draft.member_id == "p42"
    assert p42.draft.purposes == frozenset(ALL_PURPOSES)
    assert p42.draft.territories == {"WORLD"}
    assert p42.draft.valid_from is None and p42.draft.valid_until is None
    # a file's sha256, bare or prefixed, is recorded as sha256:hex (lower case)
    assert p42.draft.evidence == f"sha256:{DIGEST.lower()}"
    assert sam.number == 4  # the blank line keeps its row number
    assert sam.draft is not None and sam.draft.evidence == f"sha256:{DIGEST.lower()}"


@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        ("Jane,,ai-trian,,,,f1", "purposes", "'ai-trian'", "expected one of tdm"),
        ("Jane,,,UK,,,f1", "territories", "'UK'", "ISO 3166-1"),
        ("Jane,,,,2026-13-01,,f1", "valid_from", "'2026-13-01'", "expected a date like"),
        ("Jane,,,,2026-01-01T10:00:00,,f1", "valid_from", "2026-01-01T10:00:00", "offset"),
        ("Jane,,,,2026-02-01,2026-01-01,f1", "valid_until", "'2026-01-01'", "a later time"),
        ("Jane,,,,,,", "evidence", "empty", "signed authorisation"),
        ("Jane,,,,,,sha256:abc", "evidence", "'sha256:abc'", "expected sha256:HEX"),
        ("Jane,not-an-address,,,,,f1", "email", "'not-an-address'", "name@example.org"),
        (",,,,,,f1", "member", "empty", "party:ID"),
        ("party:,,,,,,f1", "member", "'party:'", "expected party:ID"),
        ("Jane,,,,,f1", "record", "6 fields", "expected 7"),
    ],
)
def test_a_bad_row_names_column_value_and_expectation(
    row: str, column: str, value: str, expected: str
) -> None:
    good = "Ann,,,,,,form 1"
    first, bad = parse_mandates_csv(HEADER + good + "\n" + row + "\n")
    assert first.error is None
    assert bad.number == 2 and bad.draft is None and bad.error is not None
    if column != "record":
        assert bad.error.startswith(f"{column}: "), bad.error
    assert value in bad.error and expected in bad.error, bad.error


def test_file_level_problems_name_the_file() -> None:
    with pytest.raises(ValidationError, match=r"m\.csv: missing column evidence"):
        parse_mandates_csv(HEADER.replace(",evidence", ""), filename="m.csv")
    with pytest.raises(ValidationError, match=r"unknown column 'note'.*x-"):
        parse_mandates_csv(HEADER.strip() + ",note\n", filename="m.csv")
    with pytest.raises(ValidationError, match="not UTF-8"):
        parse_mandates_csv(HEADER.encode() + b"J\xe9,,,,,,f\n", filename="m.csv")
    # the supplier's own columns start with x- and are ignored, as in the works CSV
    (rec,) = parse_mandates_csv(HEADER.strip() + ",x-note\nJane,,,,,,f1,hello\n")
    assert rec.draft is not None and rec.draft.evidence == "f1"


def test_developers_file_checks_tokens_against_the_catalogue() -> None:
    text = (
        "name,email,postal_address,optout_url,tokens\n"
        'OpenAI,copyright@openai.example,"1 Main St, SF",https://openai.example/form,'
        "gptbot;GPTBot;OAI-SearchBot\n"
        "NewCo,,,,FooBot\n"
        "Other,,,ftp://x,\n"
    )
    ok, unknown, bad_url = parse_developers_csv(text)
    assert ok.draft is not None
    assert ok.draft.tokens == ("GPTBot", "OAI-SearchBot")  # the catalogue's spelling, once
    assert ok.draft.contacts == (
        ContactPoint("email", "copyright@openai.example"),
        ContactPoint("postal", "1 Main St, SF"),
        ContactPoint("form", "https://openai.example/form"),
    )
    assert unknown.error is not None and unknown.error.startswith("tokens: ")
    assert "'FooBot' is not in the signals catalogue" in unknown.error
    assert bad_url.error is not None and bad_url.error.startswith("optout_url: ")
    assert "http(s) URL" in bad_url.error


def test_the_seed_names_the_major_developers_with_catalogue_tokens_and_no_emails() -> None:
    records = seed_records()
    assert all(r.error is None and r.draft is not None for r in records)
    drafts = {r.draft.name: r.draft for r in records if r.draft}
    for name in (
        "OpenAI",
        "Anthropic",
        "Google",
        "Meta",
        "Apple",
        "Amazon",
        "Microsoft",
        "Common Crawl",
        "Perplexity",
        "ByteDance",
        "Mistral",
        "Cohere",
    ):
        assert drafts[name].tokens, name
    catalogue = load_catalogue()
    for d in drafts.values():
        # "emails left empty, never guessed" (issue 11)
        assert not [c for c in d.contacts if c.kind in ("email", "postal")], d.name
        for token in d.tokens:
            agent = catalogue.get(token)
            assert agent is not None and agent.operator == d.name, (d.name, token)
    assert "GPTBot" in drafts["OpenAI"].tokens and "CCBot" in drafts["Common Crawl"].tokens
    assert drafts["Google"].contacts[0] == ContactPoint(
        "form",
        "https://developers.google.com/search/docs/crawling-indexing/google-common-crawlers"
        "#google-extended",
    )


def test_contacts_and_tokens_refuse_what_they_cannot_be() -> None:
    assert parse_contact("form:https://example.org/optout") == ContactPoint(
        "form", "https://example.org/optout"
    )
    assert parse_contact("Email: a@example.org") == ContactPoint("email", "a@example.org")
    with pytest.raises(ValidationError, match="KIND:VALUE"):
        parse_contact("fax:0123")
    with pytest.raises(ValidationError, match="not an http"):
        parse_contact("policy:example.org/policy")
    # a contact stored before the kinds grew (an empty phone) is still read back
    assert ContactPoint("phone", "").value == ""
    with pytest.raises(ValidationError, match="not an http"):
        ContactPoint("form", "")
    with pytest.raises(ValidationError, match="'NoSuchBot'"):
        catalogue_tokens(["GPTBot", "NoSuchBot"])
