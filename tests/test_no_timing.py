"""Tests never depend on timing: no Hypothesis deadline, no wall-clock asserts."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parent


def test_the_loaded_hypothesis_profile_has_no_deadline() -> None:
    assert settings.default.deadline is None
    assert settings(max_examples=5).deadline is None  # explicit settings inherit it


@given(st.integers())
def test_a_bare_given_runs_without_a_deadline(n: int) -> None:
    assert settings.default.deadline is None
    assert isinstance(n, int)


# A Hypothesis deadline: the keyword inside settings(...) or a profile's registration, across
# lines as formatted. Not any "deadline=": notices have reply deadlines (notices/timeline.py).
HYPOTHESIS_DEADLINE = re.compile(r"\b(settings|register_profile)\([^)]*?\bdeadline=(?!None\b)")
ELAPSED = re.compile(r"assert[^\n]*(perf_counter|time\.time\(\)|monotonic\(\)\s*-)")


def timing_offences(text: str) -> list[int]:
    """The line numbers of ``text`` that set a Hypothesis deadline or assert elapsed time."""
    lines = [text.count("\n", 0, m.start()) + 1 for m in HYPOTHESIS_DEADLINE.finditer(text)]
    lines += [text.count("\n", 0, m.start()) + 1 for m in ELAPSED.finditer(text)]
    return sorted(lines)


def test_the_check_finds_what_it_is_for() -> None:
    assert timing_offences("@settings(max_examples=5, deadline=200)\n") == [1]
    assert timing_offences("x = 1\n@settings(\n    max_examples=5,\n    deadline=timedelta(1),\n)") == [2]
    assert timing_offences('settings.register_profile("ci", deadline=500)') == [1]
    assert timing_offences("assert time.perf_counter() - t0 < 1") == [1]
    assert timing_offences("@settings(max_examples=5, deadline=None)") == []
    assert timing_offences("states_by_day(events, deadline=T0, now=T0)") == []


def test_no_test_sets_a_deadline_or_asserts_elapsed_time() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for number in timing_offences(text):
            offenders.append(f"{path.relative_to(TESTS)}:{number}: {lines[number - 1].strip()}")
    assert offenders == []
