"""robots.txt: RFC 9309 matching, grouping, fetch-status semantics and usage lines."""

from __future__ import annotations

import pytest

from consentry.registry.purposes import Purpose
from consentry.signals import robots
from consentry.signals.model import Carrier, SignalStatus
from consentry.signals.robots import FetchState, RobotsFile, parse_robots, status_from_fetch

P = Purpose
D, A, U = SignalStatus.DISALLOWED, SignalStatus.ALLOWED, SignalStatus.UNKNOWN


@pytest.mark.parametrize(
    ("text", "path", "allowed"),
    [
        # longest match wins, whichever comes first
        ("User-agent: *\nDisallow: /a\nAllow: /a/b\n", "/a/b/c", True),
        ("User-agent: *\nAllow: /a/b\nDisallow: /a\n", "/a/x", False),
        ("User-agent: *\nAllow: /a\nDisallow: /a/b\n", "/a/b", False),
        # Allow beats Disallow on a tie of equal length
        ("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", True),
        ("User-agent: *\nDisallow: /*.php\nAllow: /x.php\n", "/x.php", True),
        # * matches any run, $ anchors the end
        ("User-agent: *\nDisallow: /*.pdf$\n", "/docs/a.pdf", False),
        ("User-agent: *\nDisallow: /*.pdf$\n", "/docs/a.pdf?x=1", True),
        ("User-agent: *\nDisallow: /fish*\n", "/fishheads", False),
        ("User-agent: *\nDisallow: /fish\n", "/Fish.asp", True),  # paths are case-sensitive
        ("User-agent: *\nDisallow: /*?*query=\n", "/s?a=1&query=2", False),
        ("User-agent: *\nDisallow: /$\n", "/", False),
        ("User-agent: *\nDisallow: /$\n", "/a", True),
        # empty Disallow is no rule; robots.txt itself is always allowed
        ("User-agent: *\nDisallow:\n", "/anything", True),
        ("User-agent: *\nDisallow: /\n", "/robots.txt", True),
        # percent-encoding: %7E and ~ are the same; non-ASCII is UTF-8 encoded
        ("User-agent: *\nDisallow: /%7Euser\n", "/~user/x", False),
        ("User-agent: *\nDisallow: /caf\u00e9\n", "/caf%C3%A9/menu", False),
        # full URLs are reduced to path and query
        ("User-agent: *\nDisallow: /private\n", "https://example.org/private/x?y", False),
    ],
)
def test_rfc9309_matching(text: str, path: str, allowed: bool) -> None:
    assert parse_robots(text).can_fetch("anybot", path) is allowed


def test_groups_merge_and_agents_match_case_insensitively() -> None:
    rf = parse_robots(
        "User-agent: ExampleBot\nDisallow: /a\n\n"
        "User-agent: *\nDisallow: /\n\n"
        "user-AGENT: examplebot\nDisallow: /b\n"
    )
    assert rf.can_fetch("EXAMPLEBOT", "/a") is False
    assert rf.can_fetch("ExampleBot/2.1", "/b") is False  # merged group; version ignored
    assert rf.can_fetch("examplebot", "/c") is True  # named: the * group does not apply
    assert rf.can_fetch("otherbot", "/c") is False


def test_several_user_agents_share_one_group_and_sitemaps_do_not_split_it() -> None:
    rf = parse_robots(
        "User-agent: a-bot\nSitemap: https://x/s.xml\nUser-agent: b-bot\nDisallow: /p\n"
    )
    assert rf.can_fetch("a-bot", "/p") is False
    assert rf.can_fetch("b-bot", "/p") is False
    assert rf.sitemaps == ("https://x/s.xml",)


def test_invalid_product_tokens_are_matched_by_their_prefix_and_diagnosed() -> None:
    rf = parse_robots("User-agent: https://hada.news\nDisallow: /\n")
    assert any("not a valid product token" in d for d in rf.diagnostics)
    assert rf.can_fetch("https", "/x") is False
    assert rf.can_fetch("hada", "/x") is True


def test_rules_before_any_group_and_unknown_lines_are_ignored_with_diagnostics() -> None:
    rf = parse_robots("Disallow: /\nthis is prose\nFoo: bar\nUser-agent: *\nAllow: /\n")
    assert rf.can_fetch("x", "/") is True
    joined = " ".join(rf.diagnostics)
    assert "before any User-agent" in joined
    assert "no ':'" in joined
    assert "unknown directive 'foo'" in joined


def test_can_fetch_returns_none_for_something_that_is_not_a_path() -> None:
    assert parse_robots("User-agent: *\nDisallow: /\n").can_fetch("x", "not a path") is None


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (200, FetchState.PARSE),
        (404, FetchState.NO_RESTRICTIONS),
        (401, FetchState.NO_RESTRICTIONS),
        (310, FetchState.NO_RESTRICTIONS),  # redirects exhausted
        (500, FetchState.COMPLETE_DISALLOW),
        (503, FetchState.COMPLETE_DISALLOW),
        (None, FetchState.COMPLETE_DISALLOW),
    ],
)
def test_status_from_fetch(status: int | None, state: FetchState) -> None:
    assert status_from_fetch(status) is state


def test_fetch_states_answer_crawling() -> None:
    assert RobotsFile.for_fetch_state(FetchState.NO_RESTRICTIONS).can_fetch("x", "/a") is True
    assert RobotsFile.for_fetch_state(FetchState.COMPLETE_DISALLOW).can_fetch("x", "/a") is False


def test_fetch_signal_for_failures() -> None:
    assert robots.fetch_signal(200, source="r") is None
    missing = robots.fetch_signal(404, source="https://x/robots.txt")
    assert missing is not None and missing.carrier is Carrier.ROBOTS
    assert missing.purposes[P.SEARCH] is A
    # RFC 9309 2.3.1.4: unreachable -> "the crawler MUST assume complete disallow" (issue 9:
    # every purpose the agent's crawling serves is disallowed, not unknown)
    down = robots.fetch_signal(None, source="https://x/robots.txt", agent="GPTBot")
    assert down is not None and down.carrier is Carrier.ROBOTS
    assert down.purposes[P.AI_TRAIN] is D
    assert "could not fetch" in down.diagnostics[0]


def test_usage_lines_are_group_scoped_with_global_fallback() -> None:
    text = (
        "Content-Usage: train-ai=n\n"
        "License: https://x/global.xml\n"
        "User-agent: *\nAllow: /\n\n"
        "User-agent: GPTBot\nAllow: /\nContent-Usage: train-ai=y\n"
        "License: https://x/gpt.xml\n"
    )
    star = robots.parse(text, agent="*")
    assert star.purposes[P.AI_TRAIN] is D
    assert star.licence_urls == ("https://x/global.xml",)
    gpt = robots.parse(text, agent="GPTBot")
    assert gpt.purposes[P.AI_TRAIN] is A
    assert gpt.licence_urls == ("https://x/gpt.xml",)


def test_license_after_the_last_group_belongs_to_that_group_only() -> None:
    # the medium.com 2025-26 layout: License: as the very last line
    text = (
        "User-Agent: *\nDisallow: /m/\nSitemap: https://medium.com/sitemap/sitemap.xml\n"
        "User-Agent: GPTBot\nDisallow: /\nLicense: https://medium.com/license.xml\n"
    )
    rf = parse_robots(text)
    assert rf.licence_urls("GPTBot") == ("https://medium.com/license.xml",)
    assert rf.licence_urls("*") == ()
    assert any("after the last group" in d for d in rf.diagnostics)


def test_content_usage_applies_longest_path_and_combines_ties_restrictively() -> None:
    text = (
        "User-agent: *\nAllow: /\n"
        "Content-Usage: /a/ train-ai=y\nContent-Usage: /a/ train-ai=n\n"
        "Content-Usage: /a/b/ train-ai=y, search=n\n"
    )
    assert robots.parse(text, path="/a/x").purposes[P.AI_TRAIN] is D
    deeper = robots.parse(text, path="/a/b/c")
    assert deeper.purposes[P.AI_TRAIN] is A
    assert deeper.purposes[P.SEARCH] is D  # explicit search=n beats crawl permission


def test_disallow_for_a_training_agent_disallows_training_only() -> None:
    text = "User-agent: GPTBot\nDisallow: /\n"
    s = robots.parse(text, agent="GPTBot")
    assert s.purposes[P.AI_TRAIN] is D and s.purposes[P.TDM] is D
    assert s.purposes[P.SEARCH] is U and s.purposes[P.AI_INPUT] is U
    search = robots.parse(text, agent="OAI-SearchBot")
    assert search.purposes[P.SEARCH] is A  # no group for it: * (none) -> crawl allowed
    assert search.purposes[P.AI_TRAIN] is U


def test_bom_and_crlf_and_comments() -> None:
    rf = parse_robots("\ufeffUser-agent: * # all\r\nDisallow: /x # private\r\n")
    assert rf.can_fetch("a", "/x") is False
    assert rf.can_fetch("a", "/y") is True


def test_allowing_index_html_allows_the_directory_url() -> None:
    rf = parse_robots("User-agent: *\nDisallow: /a/\nAllow: /a/index.html\n")
    assert rf.can_fetch("x", "/a/") is True
    assert rf.can_fetch("x", "/a/index.html") is True
    assert rf.can_fetch("x", "/a/other") is False


def test_content_signal_after_the_last_named_group_is_diagnosed() -> None:
    # the Cloudflare managed-file gotcha: the line lands in the last named group
    text = (
        "User-agent: *\nAllow: /\n\nUser-agent: GPTBot\nDisallow: /\nContent-Signal: ai-train=no\n"
    )
    rf = parse_robots(text)
    assert any(d.startswith("Content-Signal: after the last group") for d in rf.diagnostics)
    assert robots.parse(text, agent="*").purposes[P.AI_TRAIN] is U
    assert robots.parse(text, agent="GPTBot").purposes[P.AI_TRAIN] is D
