"""Where consentry and protego both answer allow/disallow, they agree (docs/signals.md lists
the deliberate differences, which are excluded here by construction and tested on their own).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from protego import Protego

from consentry.signals.robots import parse_robots

DATA = Path(__file__).parent.parent / "data" / "signals"
ROBOTS = sorted(
    [
        *(DATA / "robots").glob("*.txt"),
        DATA / "aipref" / "draft-ietf-aipref-attach_example_robots.txt",
    ]
)
AGENTS = [
    "*",
    "GPTBot",
    "gptbot",
    "ChatGPT-User",
    "OAI-SearchBot",
    "ClaudeBot",
    "anthropic-ai",
    "CCBot",
    "Google-Extended",
    "Googlebot",
    "Mediapartners-Google",
    "Applebot-Extended",
    "PerplexityBot",
    "Bytespider",
    "ExampleBot",
    "SomeUnknownBot",
]
FIXED_PATHS = [
    "/",
    "/index.html",
    "/robots.txt",
    "/news/2024/story.html",
    "/search",
    "/search?q=x",
    "/m/signin",
    "/_/api/users/1/meta",
    "/svc/wordle",
    "/svc/other",
    "/a.pdf",
    "/athletic/checkout/",
    "/athletic/checkout/x",
    "/cdn-cgi/trace",
    "/never/x",
    "/ai-ok/x",
    "/x.emailjson",
]


def _paths_for(text: str) -> list[str]:
    """Fixed paths plus paths made from every rule of the file (prefix, inside, past the end)."""
    paths = list(FIXED_PATHS)
    for g in parse_robots(text).groups:
        for r in g.rules:
            base = r.pattern.replace("*", "x").rstrip("$")
            if not base.startswith("/"):
                base = "/" + base
            paths += [base, base + "z", base + "/deeper"]
    return sorted(set(paths))


@pytest.mark.parametrize("path", ROBOTS, ids=lambda p: p.name)
def test_consentry_and_protego_agree(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ours = parse_robots(text)
    theirs = Protego.parse(text)
    compared = 0
    disagreements = []
    for agent in AGENTS:
        for p in _paths_for(text):
            a = ours.can_fetch(agent, p)
            # both take the bare product token (see test_difference_full_user_agent_strings)
            b = theirs.can_fetch("https://example.org" + p, agent)
            if a is None:
                continue
            compared += 1
            if a != b:
                disagreements.append((agent, p, a, b))
    assert compared > 100
    assert disagreements == []


def test_difference_invalid_tokens_are_matched_by_prefix() -> None:
    """Deliberate difference 1 (docs/signals.md): 'User-agent: https://hada.news' is matched by
    its product token 'https' (Google's rule); protego needs the whole value in the name."""
    text = "User-agent: https://hada.news\nDisallow: /\n"
    assert parse_robots(text).can_fetch("https", "/x") is False
    assert Protego.parse(text).can_fetch("https://example.org/x", "https") is True


def test_difference_full_user_agent_strings() -> None:
    """Deliberate difference 2: consentry takes the crawler's product token; given a full UA
    string it uses the leading token, where protego searches the string for any group."""
    text = "User-agent: ClaudeBot\nDisallow: /\n"
    ua = "Mozilla/5.0 (compatible; ClaudeBot/1.0)"
    assert parse_robots(text).can_fetch(ua, "/x") is True
    assert Protego.parse(text).can_fetch("https://example.org/x", ua) is False
    assert parse_robots(text).can_fetch("ClaudeBot/1.0", "/x") is False


def test_difference_fetch_failures_are_not_allow_all() -> None:
    """Deliberate difference 3: protego has no fetch state (an empty file allows all); an
    unreachable robots.txt is complete disallow in consentry (RFC 9309 2.3.1.4)."""
    from consentry.signals.robots import FetchState, RobotsFile

    assert Protego.parse("").can_fetch("https://example.org/x", "GPTBot") is True
    assert (
        RobotsFile.for_fetch_state(FetchState.COMPLETE_DISALLOW).can_fetch("GPTBot", "/x") is False
    )


def test_difference_final_dollar_is_only_an_anchor() -> None:
    """Deliberate difference 4: a final '$' anchors the end (RFC 9309); protego also adds the
    pattern with a literal '$', so 'Disallow: /$' blocks the (rare) path '/$' there."""
    text = "User-agent: *\nDisallow: /$\n"
    assert parse_robots(text).can_fetch("x", "/$") is True
    assert Protego.parse(text).can_fetch("https://example.org/$", "x") is False


_SEGMENTS = ["a", "b", "ab", "x.html", "index.html", ".pdf", "?q=", "&", "%7E", "~", "-", "_"]
_SEGMENTS += ["%20", " ", "\u00e9", "%C3%A9", "%2F", "/", "A", "%41", '"']
_pattern = st.builds(
    lambda parts, end: "/" + "".join(parts) + ("$" if end else ""),
    st.lists(st.sampled_from([*_SEGMENTS, "*"]), max_size=4),
    st.booleans(),
)
_line = st.one_of(
    st.builds(
        "User-agent: {}".format, st.sampled_from(["*", "GPTBot", "gptbot", "CCBot", "A-b_c"])
    ),
    st.builds("Allow: {}".format, _pattern),
    st.builds("Disallow: {}".format, _pattern),
    st.sampled_from(["", "Sitemap: https://x/s.xml", "Content-Signal: ai-train=no", "# c"]),
)
_path = st.builds(
    lambda parts: "/" + "".join(parts), st.lists(st.sampled_from(_SEGMENTS), max_size=5)
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(_line, max_size=12),
    paths=st.lists(_path, min_size=1, max_size=5),
    agent=st.sampled_from(["*", "GPTBot", "ccbot", "A-b_c", "OtherBot"]),
)
def test_agreement_on_generated_files(lines: list[str], paths: list[str], agent: str) -> None:
    """Generated files within the documented common ground: valid tokens, no literal '$'."""
    text = "\n".join(lines)
    ours, theirs = parse_robots(text), Protego.parse(text)
    for p in paths:
        assert ours.can_fetch(agent, p) == theirs.can_fetch("https://example.org" + p, agent), p
