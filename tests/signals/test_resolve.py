"""The resolver: TDMRep precedence, most restrictive wins, explicit beats silence, FETCH."""

from __future__ import annotations

import json

from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.signals import headers, html, robots, tdmrep
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.resolve import resolve, tdmrep_precedence

P = Purpose
D, L, A, U = (
    SignalStatus.DISALLOWED,
    SignalStatus.LICENCE,
    SignalStatus.ALLOWED,
    SignalStatus.UNKNOWN,
)
FILE_RESERVES = '[{"location": "/", "tdm-reservation": 1}]'
FILE_ALLOWS = '[{"location": "/", "tdm-reservation": 0, "tdm-policy": "https://p/1.json"}]'


def test_header_supersedes_file_and_meta_supersedes_header() -> None:
    f = tdmrep.parse(FILE_RESERVES, source="tdmrep.json")
    h = headers.parse("tdm-reservation: 0\n", source="headers")
    r = resolve([f, h])
    assert r.purposes[P.TDM] is A
    assert r.tdm.reservation == 0 and r.tdm.winner is h
    assert any("superseded" in x for x in r.reasons[P.TDM])
    m = html.parse('<meta name="tdm-reservation" content="1">', source="page")
    r2 = resolve([m, h, f])  # order of the list does not matter
    assert r2.purposes[P.TDM] is D and r2.tdm.winner is m


def test_missing_value_never_resets_and_policy_carries_over() -> None:
    f = tdmrep.parse(FILE_ALLOWS, source="tdmrep.json")
    h = headers.parse("X-Robots-Tag: noindex\n", source="headers")  # no tdm-reservation
    m = html.parse("<p>no meta</p>", source="page")
    r = resolve([f, h, m])
    assert r.tdm.reservation == 0 and r.tdm.policy_url == "https://p/1.json"
    assert r.purposes[P.TDM] is A
    assert r.purposes[P.SEARCH] is D  # the header's other decision stays


def test_superseded_signal_keeps_its_non_tdmrep_decisions() -> None:
    h = headers.parse("tdm-reservation: 1\nX-Robots-Tag: noai\n", source="headers")
    m = html.parse('<meta name="tdm-reservation" content="0">', source="page")
    state = tdmrep_precedence([h, m])
    assert state.superseded == (h,)
    r = resolve([h, m])
    assert r.purposes[P.TDM] is A  # noai does not speak for tdm
    assert r.purposes[P.AI_TRAIN] is D  # noai still does


def test_most_restrictive_wins_and_explicit_beats_silence() -> None:
    a = ParsedSignal(Carrier.RSL, "a", {P.AI_TRAIN: L, P.SEARCH: A})
    b = ParsedSignal(Carrier.HEADERS, "b", {P.AI_TRAIN: A})
    c = ParsedSignal(Carrier.ROBOTS, "c", {})
    r = resolve([a, b, c])
    assert r.purposes[P.AI_TRAIN] is L
    assert r.purposes[P.SEARCH] is A  # silence elsewhere does not weaken it
    assert r.purposes[P.TDM] is U and r.reasons[P.TDM] == ["no signal"]
    assert resolve([]).purposes == {p: U for p in ALL_PURPOSES}


def test_could_not_fetch_never_becomes_allowed() -> None:
    ok = ParsedSignal(Carrier.HEADERS, "h", {P.AI_TRAIN: A, P.SEARCH: D, P.AI_INPUT: L})
    down = ParsedSignal(
        Carrier.FETCH,
        "https://x/.well-known/tdmrep.json",
        {},
        ("could not fetch TDMRep origin file (HTTP 503)",),
        agent="GPTBot",
    )
    r = resolve([ok, down], agent="GPTBot")
    assert r.purposes[P.AI_TRAIN] is U
    assert r.purposes[P.SEARCH] is D and r.purposes[P.AI_INPUT] is L
    assert any("could not fetch" in x for x in r.reasons[P.AI_TRAIN])
    assert resolve([down]).purposes == {p: U for p in ALL_PURPOSES}


def test_robots_disallow_for_training_agent_combines_with_other_carriers() -> None:
    rb = robots.parse("User-agent: GPTBot\nDisallow: /\n", agent="GPTBot", source="robots.txt")
    cs = robots.parse("User-agent: *\nContent-Signal: ai-train=yes, search=yes\n", agent="GPTBot")
    r = resolve([rb, cs], agent="GPTBot")
    assert r.purposes[P.AI_TRAIN] is D  # contradiction: the restriction wins
    assert r.purposes[P.SEARCH] is A


def test_to_json_is_serialisable_and_complete() -> None:
    r = resolve([tdmrep.parse(FILE_RESERVES, source="t")], agent="CCBot")
    out = json.loads(json.dumps(r.to_json()))
    assert out["agent"] == "CCBot"
    assert out["purposes"] == {
        "tdm": "disallowed",
        "ai-train": "disallowed",
        "ai-input": "disallowed",
        "ai-index": "disallowed",
        "search": "unknown",
    }
    assert out["tdmrep"]["reservation"] == 1
    assert out["signals"][0]["carrier"] == "tdmrep"
    assert set(out["reasons"]) == {p.value for p in ALL_PURPOSES}
