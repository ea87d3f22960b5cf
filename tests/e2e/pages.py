"""What every page a browser test visits must pass: ``check_page(page, name)``.

1. axe-core (the packaged copy in ``tests/e2e/vendor/``, injected from its file, never
   fetched) finds no violation of impact *serious* or *critical*; the failure lists each
   one with its rule id, what it asks for and the elements it found.
2. At a phone's 375 px the page does not scroll sideways
   (``document.documentElement.scrollWidth <= 375``); otherwise the failure names the
   element reaching furthest right.
3. A full-page screenshot ``<name>.png`` (and ``<name>-phone.png`` at 375 px) goes to the
   kept folder: ``build/e2e-screenshots/`` under the repository, or
   ``$CONSENTRY_E2E_SCREENSHOTS``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = {"width": 375, "height": 800}
BLOCKING = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""

WIDEST = """() => {
  let widest = null, right = 0;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect().right;
    if (r > right) { right = r; widest = el; }
  }
  if (!widest) return '';
  const id = widest.id ? '#' + widest.id : '';
  const cls = widest.classList.length ? '.' + [...widest.classList].join('.') : '';
  const text = (widest.textContent || '').trim().slice(0, 60);
  return `<${widest.tagName.toLowerCase()}${id}${cls}> reaching ${Math.round(right)}px: ${text}`;
}"""


def screenshots_dir() -> Path:
    """The kept folder: ``$CONSENTRY_E2E_SCREENSHOTS`` or ``build/e2e-screenshots/``."""
    where = Path(os.environ.get("CONSENTRY_E2E_SCREENSHOTS") or REPO / "build" / "e2e-screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (all impacts)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    assert isinstance(found, list)
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}".rstrip() for n in v["nodes"])
    return "\n".join(lines)


def check_page(page: Page, name: str, shots_dir: Path | None = None) -> Path:
    """axe (no serious/critical violations), no sideways scroll at 375 px, screenshots.

    Returns the path of the full-page screenshot ``<name>.png``.
    """
    page.wait_for_load_state()
    where = shots_dir or screenshots_dir()
    where.mkdir(parents=True, exist_ok=True)
    shot = where / f"{name}.png"
    page.screenshot(path=shot, full_page=True)
    bad = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not bad, f"axe on {name} ({page.url}): serious or critical violations\n{describe(bad)}"

    saved = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        page.screenshot(path=where / f"{name}-phone.png", full_page=True)
        widest = page.evaluate(WIDEST) if width > PHONE["width"] else ""
    finally:
        if saved is not None:
            page.set_viewport_size(saved)
    assert width <= PHONE["width"], (
        f"{name} ({page.url}) scrolls sideways at 375 px: scrollWidth {width}; widest {widest}"
    )
    return shot
