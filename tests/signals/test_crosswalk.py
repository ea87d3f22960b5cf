"""Crosswalk v1, the agent catalogue, TDMRep values and the purity rule of the signals core."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from consentry.errors import SignalError
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.signals import purposes as cw
from consentry.signals.agents import CATEGORIES, load_catalogue, parse_catalogue, product_token
from consentry.signals.model import SignalStatus
from consentry.signals.tdmrep import parse_reservation_value, parse_tdmrep_file

P = Purpose
D, L, A = SignalStatus.DISALLOWED, SignalStatus.LICENCE, SignalStatus.ALLOWED
SRC = Path(__file__).parents[2] / "src" / "consentry" / "signals"
DATA = Path(__file__).parent.parent / "data" / "signals"


def test_crosswalk_version_and_token_tables() -> None:
    assert cw.CROSSWALK_VERSION == "1"
    assert cw.tdmrep_purposes() == frozenset(ALL_PURPOSES) - {P.SEARCH}
    assert cw.aipref_token_purposes("train-ai") == {P.AI_TRAIN}
    assert cw.aipref_token_purposes("Train-AI") == frozenset()  # case-sensitive keys
    assert cw.content_signal_purposes("ai-input") == {P.AI_INPUT}
    assert cw.rsl_token_purposes("train-ai") == cw.rsl_token_purposes("ai-train") == {P.AI_TRAIN}
    assert cw.rsl_token_purposes("all") == frozenset(ALL_PURPOSES)
    assert P.SEARCH not in cw.rsl_token_purposes("ai-all")
    assert cw.cawg_label_purposes("c2pa.data_mining") == {P.TDM}
    assert cw.robots_directive_purposes("NOAI") == {P.AI_TRAIN, P.AI_INPUT, P.AI_INDEX}


def test_write_tables_read_back_to_the_same_purpose() -> None:
    for purpose, token in cw.AIPREF_WRITE.items():
        assert cw.aipref_token_purposes(token) == {purpose}
    for purpose, key in cw.CONTENT_SIGNAL_WRITE.items():
        assert cw.content_signal_purposes(key) == {purpose}
    for purpose, token in cw.RSL_WRITE.items():
        assert cw.rsl_token_purposes(token) == {purpose}
    for purpose, labels in cw.CAWG_WRITE.items():
        for label in labels:
            assert cw.cawg_label_purposes(label) == {purpose}
    assert {cw.signal_status_for(s) for s in Status} == {D, L, A}


def test_iptc_dmi_both_ways() -> None:
    assert cw.iptc_dmi_status("http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED") == {
        p: D for p in ALL_PURPOSES
    }
    assert cw.iptc_dmi_status("dmi-allowed") == {p: A for p in ALL_PURPOSES}
    assert cw.iptc_dmi_status("DMI-UNSPECIFIED") == {}
    assert cw.iptc_dmi_status("nonsense") == {}
    same_meaning = {
        "DMI-PROHIBITED-GENAIMLTRAINING": "DMI-PROHIBITED-AIMLTRAINING",
        "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": "DMI-PROHIBITED-SEECONSTRAINT",
        "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": "DMI-PROHIBITED-SEECONSTRAINT",
    }
    for code, statuses in cw.IPTC_DMI.items():
        assert cw.iptc_dmi_for(statuses) == same_meaning.get(code, code)
    assert cw.iptc_dmi_for({P.AI_TRAIN: D, P.SEARCH: A}) == "DMI-PROHIBITED-AIMLTRAINING"
    assert cw.iptc_dmi_for({}) == "DMI-UNSPECIFIED"


def test_narrow_tokens_only_restrict() -> None:
    out: dict[Purpose, SignalStatus] = {}
    cw.apply_mapping(out, cw.aipref_token_mapping("train-genai"), A)
    assert out == {}
    cw.apply_mapping(out, cw.aipref_token_mapping("train-genai"), D)
    assert out == {P.AI_TRAIN: D}


def test_catalogue_has_the_issue_agents_with_purposes() -> None:
    cat = load_catalogue()
    named = [
        "GPTBot", "OAI-SearchBot", "ChatGPT-User", "ClaudeBot", "Claude-User", "Claude-SearchBot",
        "anthropic-ai", "CCBot", "Google-Extended", "Applebot-Extended", "PerplexityBot",
        "Perplexity-User", "Bytespider", "Meta-ExternalAgent", "cohere-ai", "Amazonbot",
    ]  # fmt: skip
    for token in named:
        agent = cat.get(token.upper())
        assert agent is not None, token
        assert agent.purposes and agent.category in CATEGORIES and agent.operator
    assert cat.get("GPTBot/1.1") is cat.get("gptbot")
    assert P.AI_TRAIN in cat.get("GPTBot").purposes  # type: ignore[union-attr]
    assert P.AI_TRAIN not in cat.get("OAI-SearchBot").purposes  # type: ignore[union-attr]
    trainers = {a.token for a in cat.for_purpose(P.AI_TRAIN)}
    assert {"GPTBot", "ClaudeBot", "CCBot", "Google-Extended"} <= trainers
    assert "ChatGPT-User" not in trainers
    assert cat.purposes_of("*") == frozenset(ALL_PURPOSES)
    assert cat.purposes_of("NeverHeardOfBot") == frozenset(ALL_PURPOSES)


def test_catalogue_tokens_appear_in_the_community_list() -> None:
    listed = {
        m.lower()
        for m in re.findall(
            r"User-agent: (.+)", (DATA / "robots/ai.robots.txt_robots.txt").read_text()
        )
    }
    cat = load_catalogue()
    outside = {a.token for a in cat.agents if a.token.lower() not in listed}
    # classic search crawlers, added on purpose so search-only groups can be written
    assert outside == {"Googlebot", "bingbot"}
    assert len(cat) >= 80


def test_catalogue_rejects_bad_data_with_clear_errors() -> None:
    with pytest.raises(SignalError, match="category 'robot'"):
        parse_catalogue('{"agents": [{"token": "X", "category": "robot"}]}')
    with pytest.raises(SignalError, match="appears twice"):
        parse_catalogue(
            '{"agents": [{"token": "X", "category": "agent"}, {"token": "x", "category": "agent"}]}'
        )
    with pytest.raises(SignalError, match="not valid JSON"):
        parse_catalogue("{")


def test_product_token() -> None:
    assert product_token("GPTBot/1.1") == "gptbot"
    assert product_token("FAST Enterprise Crawler 6 / Scirus") == "fast"
    assert product_token("AI2Bot-Dolma") == "ai2bot-dolma"
    assert product_token("*") == "*"
    assert product_token("/x") == ""


@pytest.mark.parametrize(
    ("value", "textual", "expected", "diagnosed"),
    [
        (1, False, 1, False),
        (0, False, 0, False),
        ("1", False, 1, True),
        ("1", True, 1, False),
        (" 0 ", True, 0, False),
        (2, False, None, True),
        (True, False, None, True),
        ("yes", True, None, True),
        (None, False, None, False),
    ],
)
def test_reservation_values(
    value: object, textual: bool, expected: int | None, diagnosed: bool
) -> None:
    got, diag = parse_reservation_value(value, textual=textual)
    assert got == expected
    assert (diag is not None) is diagnosed


def test_tdmrep_file_shapes() -> None:
    obj = parse_tdmrep_file('{"location": "/", "tdm-reservation": 1}')
    assert len(obj.rules) == 1 and "object" in obj.diagnostics[0]
    keyed = parse_tdmrep_file('{"/a/": {"tdm-reservation": 1}, "/b/": {"tdm-reservation": 0}}')
    assert [r.location for r in keyed.rules] == ["/a/", "/b/"]
    flat = parse_tdmrep_file('{"tdm-reservation": true}')
    assert flat.rules[0].location == "/"
    bad = parse_tdmrep_file('[{"tdm-reservation": 1}, 3, {"location": "/x"}]')
    assert bad.rules == () and len(bad.diagnostics) == 3
    order = parse_tdmrep_file(
        '[{"location": "/a", "tdm-reservation": 0}, {"location": "/a/b", "tdm-reservation": 1}]'
    )
    rule, diags = order.rule_for("/a/b/c")
    # TDMRep: "The most specific match is the first in sequence." (issue 9)
    assert rule is not None and rule.location == "/a"
    assert "first in sequence" in diags[0]


def test_signals_core_does_no_io() -> None:
    """Only read.py touches files (agents.py reads its packaged data file through
    importlib.resources); no reading module imports a network or process library.
    check.py is the network edge and is not a reading module."""
    banned = {"httpx", "socket", "urllib.request", "requests", "aiohttp", "subprocess", "os"}
    readers = [p for p in SRC.glob("*.py") if p.name not in ("check.py", "lint.py")]
    for path in readers:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                assert n not in banned, f"{path.name} imports {n}"
            if path.name not in ("read.py", "agents.py") and isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                assert called not in ("open", "read_bytes", "read_text"), path.name
