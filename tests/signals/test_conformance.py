"""Every conformance fixture has a hand-written expected result (expected.json) and is checked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from consentry.registry.purposes import ALL_PURPOSES
from consentry.signals import aipref
from consentry.signals.model import SignalStatus
from consentry.signals.purposes import (
    CAWG_USE,
    TDMREP_PURPOSES,
    aipref_token_purposes,
    cawg_label_purposes,
)
from consentry.signals.read import parse_bytes
from consentry.signals.resolve import resolve
from consentry.signals.robots import USAGE_KEYS
from consentry.signals.tdmrep import parse_policy

DATA = Path(__file__).parent.parent / "data" / "signals"
EXPECTED: dict[str, list[dict[str, Any]]] = {
    k: v for k, v in json.loads((DATA / "expected.json").read_text()).items() if k != "_about"
}
FIXTURES = sorted(
    str(p.relative_to(DATA))
    for p in DATA.rglob("*")
    if p.is_file() and p.name not in ("SOURCES.md", "expected.json")
)
SIGNAL_CASES = [
    pytest.param(name, i, case, id=f"{name}#{i}")
    for name, cases in EXPECTED.items()
    for i, case in enumerate(cases)
    if "agent" in case
]


def test_every_fixture_has_an_expected_result() -> None:
    assert FIXTURES, "no fixtures copied"
    missing = [f for f in FIXTURES if f not in EXPECTED]
    assert missing == []
    stale = [k for k in EXPECTED if k not in FIXTURES]
    assert stale == []


def test_fixtures_are_copies_of_the_shared_conformance_files() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "signals"
    if not shared.exists():
        pytest.skip("shared conformance folder not mounted (copies are checked in)")
    for name in FIXTURES:
        assert (DATA / name).read_bytes() == (shared / name).read_bytes(), name


@pytest.mark.parametrize(("name", "i", "case"), SIGNAL_CASES)
def test_signal_case(name: str, i: int, case: dict[str, Any]) -> None:
    policy = (DATA / case["policy"]).read_bytes() if "policy" in case else None
    signal = parse_bytes(
        (DATA / name).read_bytes(),
        case["carrier"],
        source=name,
        url=case["url"],
        agent=case["agent"],
        policy=policy,
    )
    got = {p.value: s.value for p, s in signal.purposes.items()}
    want = {p.value: case["purposes"].get(p.value, "unknown") for p in ALL_PURPOSES}
    assert got == want, signal.diagnostics
    if "tdm_reservation" in case:
        assert signal.tdm_reservation == case["tdm_reservation"]
    if "licence_urls" in case:
        assert list(signal.licence_urls) == case["licence_urls"]
    for needle in case.get("diagnostics_contain", []):
        assert any(needle in d for d in signal.diagnostics), (needle, signal.diagnostics)


@pytest.mark.parametrize(
    "name", [n for n, cases in EXPECTED.items() if cases[0]["carrier"] == "policy"]
)
def test_policy_case(name: str) -> None:
    case = EXPECTED[name][0]
    policy = parse_policy((DATA / name).read_bytes())
    assert policy.status.value == case["status"]
    assert list(policy.duties) == case["duties"]
    for needle in case.get("diagnostics_contain", []):
        assert any(needle in d for d in policy.diagnostics), (needle, policy.diagnostics)


def test_cddl_entries_are_all_in_the_crosswalk() -> None:
    case = EXPECTED["c2pa-cawg/training-mining.cddl"][0]
    cddl = (DATA / "c2pa-cawg/training-mining.cddl").read_text()
    entries = re.findall(r'"(cawg\.[a-z_]+)"\s*:', cddl)
    assert entries == case["entries"]
    for e in entries:
        assert cawg_label_purposes(e), e
        assert cawg_label_purposes(e.replace("cawg.", "c2pa.")) == cawg_label_purposes(e)
    uses = re.findall(r'\$training-mining-choice /= "(\w+)"', cddl)
    assert uses == case["uses"]
    assert {u.lower() for u in uses} == set(CAWG_USE)


def test_abnf_rule_name_is_read_as_a_usage_line() -> None:
    abnf = (DATA / "aipref/draft-ietf-aipref-attach_content-usage.abnf").read_text()
    names = re.findall(r'"([a-z-]+)"', abnf)
    assert names == [EXPECTED["aipref/draft-ietf-aipref-attach_content-usage.abnf"][0]["rule"]]
    assert names[0] in USAGE_KEYS


def test_tdmai_schema_keys_are_all_mapped() -> None:
    case = EXPECTED["tdmai/tdmai_usage-declaration.schema.TRANSCRIBED.json"][0]
    schema = json.loads(
        (DATA / "tdmai/tdmai_usage-declaration.schema.TRANSCRIBED.json").read_text()
    )
    prefs = [k for k, v in schema["properties"].items() if v.get("enum") == ["true", "false"]]
    assert prefs == case["preference_keys"]
    assert list(aipref.TDMAI_KEYS) == prefs
    for key in prefs:
        assert aipref_token_purposes(key), key
    # the schema itself is not a declaration: read as nothing, with a diagnostic
    signal = aipref.parse_tdmai(json.dumps(schema))
    assert set(signal.purposes.values()) == {SignalStatus.UNKNOWN}
    assert any("JSON Schema" in d for d in signal.diagnostics)


def test_tdmrep_covers_everything_but_search() -> None:
    assert frozenset(ALL_PURPOSES) - TDMREP_PURPOSES == {ALL_PURPOSES[-1]}


SITES = {
    # site: ([(file, carrier)], agent, url, expected decisions (unlisted: unknown))
    "healsdata": (
        [
            ("tdmrep/healsdata_ai-training-opt-out_tdmrep.json", "tdmrep"),
            ("headers-meta/healsdata_ai-training-opt-out_headers.txt", "headers"),
            ("headers-meta/healsdata_ai-training-opt-out_meta-tags.html", "html"),
        ],
        "*",
        "/",
        {"tdm": "disallowed", "ai-train": "disallowed", "ai-input": "disallowed",
         "ai-index": "disallowed"},
    ),
    "davidtofan": (
        [("robots/davidtofan.com_robots.txt", "robots"), ("rsl/davidtofan.com_rsl.xml", "rsl")],
        "*",
        "https://davidtofan.com/blog/x",
        # robots Content-Signal says ai-train=no, RSL offers it on licence: the restriction wins
        {"search": "allowed", "ai-input": "allowed", "ai-train": "disallowed"},
    ),
    "sourcelibrary": (
        [("tdmrep/sourcelibrary.org_tdmrep.json", "tdmrep"),
         ("rsl/sourcelibrary.org_license.xml", "rsl")],
        "*",
        "https://sourcelibrary.org/book/1",
        # TDMRep reserves ai-input while RSL gives it free with attribution: disallowed wins
        {"tdm": "disallowed", "ai-train": "disallowed", "ai-input": "disallowed",
         "ai-index": "disallowed", "search": "allowed"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("site", sorted(SITES))
def test_site_resolution_over_its_real_carriers(site: str) -> None:
    files, agent, url, want = SITES[site]
    signals = [
        parse_bytes((DATA / f).read_bytes(), c, source=f, url=url, agent=agent) for f, c in files
    ]
    r = resolve(signals, agent=agent)
    assert {p.value: s.value for p, s in r.purposes.items()} == {
        p.value: want.get(p.value, "unknown") for p in ALL_PURPOSES
    }
    for p in ALL_PURPOSES:
        assert r.reasons[p]
