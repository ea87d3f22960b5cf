"""Every asset a page names is served: a browser would otherwise log a console error (the
missing /favicon.ico did) or show the page unstyled. Signed-in pages use the same base."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import WebClient

_ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.mark.parametrize("page", ["/", "/login", "/signup", "/public-key", "/verify"])
def test_every_static_asset_a_page_names_is_served(web: WebClient, page: str) -> None:
    html = web.get(page).text
    assets = set(_ASSET.findall(html))
    assert "/static/favicon.svg" in assets, (
        "a page without an icon makes the browser ask for /favicon.ico"
    )
    for asset in sorted(assets):
        answer = web.get(asset)
        assert answer.status_code == 200, asset
        assert answer.content, asset


def test_the_icon_is_an_svg_image(web: WebClient) -> None:
    answer = web.get("/static/favicon.svg")
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.text.startswith("<svg")
