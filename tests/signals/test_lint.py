"""Lint: contradictions between carriers and the common errors, each reported with its fix.

Real files are the copies in tests/data/signals (see its SOURCES.md).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.terms import TermsSet
from consentry.signals.lint import Finding, SiteCarriers, findings_json, lint
from consentry.signals.write import WriteOptions, write

DATA = Path(__file__).resolve().parents[1] / "data" / "signals"
URL = "https://example.org/articles/1"
OPTS = WriteOptions(site_url="https://example.org", contact="rights@example.org")


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def written_site(t: TermsSet) -> SiteCarriers:
    from consentry.signals.write.headers import pairs

    policy = None
    try:
        policy = write(t, "tdmrep-policy", options=OPTS)
    except Exception:
        policy = None
    return SiteCarriers(
        URL,
        robots_txt=write(t, "robots", options=OPTS),
        tdmrep_json=write(t, "tdmrep", options=OPTS),
        tdm_policy=policy,
        tdm_policy_type="application/json" if policy else None,
        page_headers=tuple(pairs(t, OPTS)),
        page_html=b"<html><head>" + write(t, "html", options=OPTS) + b"</head></html>",
        rsl_documents=(("https://example.org/license.xml", write(t, "rsl", options=OPTS)),),
    )


def terms(**statuses: str) -> TermsSet:
    return TermsSet.from_statuses(
        {Purpose.parse(k.replace("_", "-")): Status.parse(v) for k, v in statuses.items()}
    )


def test_coherent_terms_written_by_consentry_lint_clean() -> None:
    profiles = [TermsSet.from_statuses(dict.fromkeys(ALL_PURPOSES, s)) for s in tuple(Status)] + [
        terms(search="allowed"),  # block AI, allow search
        terms(
            tdm="licence",
            ai_train="licence",
            ai_input="licence",
            ai_index="licence",
            search="allowed",
        ),
    ]
    for t in profiles:
        found = lint(written_site(t))
        assert found == [], f"{t.as_dict()}: {findings_json(found)}"


def test_consentry_output_never_has_errors_other_than_carrier_limits() -> None:
    """Mixed terms some carriers cannot split (robots per crawler, TDMRep one bit) can only
    disagree; no other rule ever fires on what the writers produce."""
    for combo in itertools.product(tuple(Status), repeat=len(ALL_PURPOSES)):
        t = TermsSet.from_statuses(dict(zip(ALL_PURPOSES, combo, strict=True)))
        assert set(codes(lint(written_site(t)))) <= {"carriers-disagree"}, t.as_dict()


def test_robots_blocks_gptbot_while_content_signal_allows_ai_train() -> None:
    robots = b"User-agent: GPTBot\nDisallow: /\nContent-Signal: ai-train=yes, search=yes\n"
    [f] = [x for x in lint(SiteCarriers(URL, robots_txt=robots)) if x.code == "robots-vs-usage"]
    assert f.severity == "error"
    assert "GPTBot" in f.message and "ai-train" in f.message
    assert "Disallow: /" in f.fix


def test_global_usage_line_contradicting_a_block_is_found() -> None:
    robots = b"Content-Usage: train-ai=y\n\nUser-agent: CCBot\nDisallow: /\n"
    found = [x for x in lint(SiteCarriers(URL, robots_txt=robots)) if x.code == "robots-vs-usage"]
    assert len(found) == 1 and "CCBot" in found[0].message


def test_tdmrep_reserves_but_policy_is_a_web_page() -> None:
    site = SiteCarriers(
        "https://itcop.org/page",
        tdmrep_json=(DATA / "tdmrep" / "itcop.org_tdmrep.json").read_bytes(),
        tdm_policy=b"<html><body>Our licence</body></html>",
        tdm_policy_type="text/html; charset=utf-8",
    )
    [f] = lint(site)
    assert f.code == "tdm-policy-not-machine-readable" and f.severity == "error"
    assert "https://itcop.org/licence/0pn-mrt-1.0.json" in f.message and "text/html" in f.message
    assert "application/json" in f.fix


def test_real_non_conformant_policy_is_reported() -> None:
    site = SiteCarriers(
        "https://itcop.org/page",
        tdmrep_json=(DATA / "tdmrep" / "itcop.org_tdmrep.json").read_bytes(),
        tdm_policy=(DATA / "tdmrep" / "itcop.org_tdm-policy_0pn-mrt-1.0.json").read_bytes(),
        tdm_policy_type="application/json",
    )
    found = lint(site)
    assert found and all(f.code == "tdm-policy-not-machine-readable" for f in found)
    assert all(f.severity == "warning" and f.fix for f in found)


def test_policy_missing_is_an_error() -> None:
    site = SiteCarriers(
        "https://itcop.org/page",
        tdmrep_json=(DATA / "tdmrep" / "itcop.org_tdmrep.json").read_bytes(),
    )
    assert codes(lint(site)) == ["tdm-policy-not-machine-readable"]


def test_licence_and_content_signal_after_the_last_group() -> None:
    robots = (
        b"User-agent: *\nAllow: /\n\nUser-agent: GPTBot\nDisallow: /private/\n\n"
        b"License: https://example.org/license.xml\nContent-Signal: ai-train=no\n"
    )
    found = lint(SiteCarriers(URL, robots_txt=robots))
    assert "licence-after-last-group" in codes(found)
    assert "usage-after-last-group" in codes(found)
    lic = next(f for f in found if f.code == "licence-after-last-group")
    assert "GPTBot" in lic.message and "before the first User-agent" in lic.fix


def test_invalid_product_tokens_in_a_real_file() -> None:
    robots = (DATA / "robots" / "theguardian.com_2024-06-30_robots.txt").read_bytes()
    found = [
        f for f in lint(SiteCarriers(URL, robots_txt=robots)) if f.code == "invalid-product-token"
    ]
    assert {f.message.split("User-agent ")[1].split(" is")[0] for f in found} == {
        "'https://hada.news'",
        "'https://www.imediaethics.org'",
    }


def test_tdm_reservation_values_that_are_not_0_or_1() -> None:
    for value, severity in (('"1"', "warning"), ("true", "error"), ("2", "error")):
        doc = f'[{{"location": "/", "tdm-reservation": {value}}}]'.encode()
        found = [
            f for f in lint(SiteCarriers(URL, tdmrep_json=doc)) if f.code == "tdm-reservation-value"
        ]
        assert len(found) == 1 and found[0].severity == severity, value
        assert "number 1" in found[0].fix
    hdr = lint(SiteCarriers(URL, page_headers=(("TDM-Reservation", "yes"),)))
    assert codes(hdr) == ["tdm-reservation-value"]
    html = lint(SiteCarriers(URL, page_html=b'<meta name="tdm-reservation" content="2">'))
    assert codes(html) == ["tdm-reservation-value"]


def test_object_shaped_tdmrep_file() -> None:
    found = lint(SiteCarriers(URL, tdmrep_json=b'{"tdm-reservation": 1}'))
    assert codes(found) == ["tdmrep-shape"]
    assert "array" in found[0].fix


def test_unknown_usage_keys_and_unparseable_values() -> None:
    found = lint(SiteCarriers(URL, page_headers=(("Content-Usage", "train-genai=n, bogus=y"),)))
    assert [f.message.split("key ")[1].split(" ")[0] for f in found] == ["'bogus'"]
    bad = lint(SiteCarriers(URL, page_headers=(("Content-Usage", "train-ai=n,,"),)))
    assert codes(bad) == ["unknown-usage-key"] and bad[0].severity == "error"


def test_unreachable_robots() -> None:
    for status in (None, 503):
        [f] = lint(SiteCarriers(URL, robots_status=status))
        assert f.code == "robots-unreachable"


def test_carriers_disagree_names_both_carriers() -> None:
    site = SiteCarriers(
        URL,
        robots_txt=b"User-agent: *\nAllow: /\nContent-Signal: ai-train=yes\n",
        page_headers=(("X-Robots-Tag", "noai"),),
    )
    [f] = lint(site)
    assert f.code == "carriers-disagree" and f.carrier == "robots+headers"
    assert "ai-train" in f.message


def test_findings_serialise() -> None:
    found = lint(SiteCarriers(URL, robots_status=None))
    assert json.loads(findings_json(found))[0]["code"] == "robots-unreachable"


@example(robots=b"", tdm=b"", html=b"<:", header="")  # lxml "Invalid tag name" in the RSL reader
@settings(max_examples=60, deadline=None)
@given(
    robots=st.binary(max_size=300),
    tdm=st.binary(max_size=200),
    html=st.binary(max_size=200),
    header=st.text(max_size=60),
)
def test_lint_never_raises(robots: bytes, tdm: bytes, html: bytes, header: str) -> None:
    site = SiteCarriers(
        URL,
        robots_txt=robots,
        tdmrep_json=tdm,
        page_html=html,
        page_headers=(("Content-Usage", header), ("tdm-reservation", header)),
        rsl_documents=(("x", html),),
    )
    for f in lint(site):
        assert f.message and f.fix


# Findings written down for every real file in tests/data/signals (see SOURCES.md): counts of
# each code; an empty dict means the file lints clean.
EXPECTED_REAL = {
    # 'Brightbot 1.0', ...; 'Spider' blocks Baiduspider under substring matching
    "robots/ai.robots.txt_robots.txt": {"invalid-product-token": 15, "generic-token": 1},
    "robots/bbc.co.uk_2024-05-19_robots.txt": {},
    "robots/davidtofan.com_robots.txt": {},  # License: inside its group, on purpose
    "robots/elsevier.com_2024-02-25_robots.txt": {"invalid-product-token": 7},
    "robots/medium.com_2023-11-05_robots.txt": {},
    "robots/nytimes.com_2024-06-23_robots.txt": {"invalid-product-token": 1},  # peer39_crawler/1.0
    "robots/theguardian.com_2024-06-30_robots.txt": {"invalid-product-token": 2},  # URLs
    "aipref/draft-ietf-aipref-attach_example_robots.txt": {},  # per-group lines, both groups
    "tdmrep/debats.co_tdmrep.json": {"tdm-policy-not-machine-readable": 1},  # not fetched
    "tdmrep/healsdata_ai-training-opt-out_tdmrep.json": {},
    "tdmrep/itcop.org_tdmrep.json": {"tdm-policy-not-machine-readable": 1},
    "tdmrep/sourcelibrary.org_tdmrep.json": {"tdm-policy-not-machine-readable": 1},
    "tdmrep/w3c-tdmrep-spec_example_tdmrep.json": {},
    "tdmrep/xlr8harder.github.io_tdmrep.json": {},
    "headers-meta/healsdata_ai-training-opt-out_headers.txt": {},
    "aipref/draft-ietf-aipref-attach_example_http-response.txt": {},
    "headers-meta/healsdata_ai-training-opt-out_meta-tags.html": {},
}


def test_every_real_file_has_its_written_findings() -> None:
    from collections import Counter

    from consentry.signals.headers import split_dump

    for name, want in EXPECTED_REAL.items():
        data = (DATA / name).read_bytes()
        if name.endswith("robots.txt"):
            site = SiteCarriers(URL, robots_txt=data)
        elif name.endswith(".json"):
            site = SiteCarriers(URL, tdmrep_json=data)
        elif name.endswith(".html"):
            site = SiteCarriers(URL, page_html=data)
        else:
            pairs, _ = split_dump(data.decode("latin-1"))
            site = SiteCarriers(URL, page_headers=tuple(pairs))
        assert dict(Counter(codes(lint(site)))) == want, name


def test_medium_style_licence_after_last_group() -> None:
    """The 2025 medium.com pattern (License: at the end of the file, after the last group)."""
    medium = (DATA / "robots" / "medium.com_2023-11-05_robots.txt").read_bytes()
    late = medium.rstrip(b"\n") + b"\nLicense: https://medium.com/license.xml\n"
    found = [f for f in lint(SiteCarriers(URL, robots_txt=late)) if f.code.endswith("last-group")]
    assert [f.code for f in found] == ["licence-after-last-group"]
