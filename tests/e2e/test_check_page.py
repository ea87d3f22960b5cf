"""``check_page`` itself: it passes a clean page, and fails, naming what is wrong, on a page
with a serious axe violation or one that scrolls sideways at 375 px. The packaged axe-core
is the one injected (no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import Traffic
from tests.e2e.pages import AXE, check_page

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

CLEAN = """<!doctype html><html lang="en"><head><title>Clean</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Clean page</h1><form><label for="q">Search</label>
<input id="q" name="q"><button>Go</button></form></main></body></html>"""


def test_the_vendored_axe_is_axe_core_4_with_its_licence() -> None:
    head = AXE.read_text(encoding="utf-8")[:400]
    assert re.match(r"/\*! axe v4\.\d+\.\d+", head), head[:40]
    assert "Mozilla Public" in head
    notes = (AXE.parent / "VENDORED.md").read_text(encoding="utf-8")
    version = head.split()[2]
    assert version.lstrip("v") in notes and "MPL-2.0" in notes


def test_a_clean_page_passes_and_is_kept(
    context: BrowserContext, traffic: Traffic, tmp_path: Path
) -> None:
    page = context.new_page()
    page.set_content(CLEAN)
    shot = check_page(page, "clean", tmp_path)
    assert shot == tmp_path / "clean.png" and shot.stat().st_size > 0
    assert (tmp_path / "clean-phone.png").is_file()
    assert page.viewport_size == {"width": 1280, "height": 900}  # restored
    assert not traffic.offsite


def test_serious_violations_fail_with_their_rule_and_element(
    context: BrowserContext, tmp_path: Path
) -> None:
    page = context.new_page()
    page.set_content(CLEAN.replace('<label for="q">Search</label>', ""))
    with pytest.raises(AssertionError) as failed:
        check_page(page, "unlabelled", tmp_path)
    message = str(failed.value)
    assert "label (critical)" in message and "#q" in message
    assert (tmp_path / "unlabelled.png").is_file()  # the screenshot is there to look at


def test_sideways_scroll_at_375_px_fails_naming_the_widest_element(
    context: BrowserContext, tmp_path: Path
) -> None:
    page = context.new_page()
    page.set_content(CLEAN.replace("</main>", '<pre id="wide" style="width:900px">x</pre></main>'))
    with pytest.raises(AssertionError, match=r"scrolls sideways.*<pre#wide> reaching 9\d\dpx"):
        check_page(page, "wide", tmp_path)
    assert page.viewport_size == {"width": 1280, "height": 900}
