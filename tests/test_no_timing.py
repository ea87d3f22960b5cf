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


def test_no_test_sets_a_deadline_or_asserts_elapsed_time() -> None:
    deadline = re.compile(r"\bdeadline=(?!None\b)")  # a keyword argument, as formatted
    elapsed = re.compile(r"assert[^\n]*(perf_counter|time\.time\(\)|monotonic\(\)\s*-)")
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if deadline.search(line) or elapsed.search(line):
                offenders.append(f"{path.relative_to(TESTS)}:{number}: {line.strip()}")
    assert offenders == []
