"""The start page (``/``) and the receipt page (``/verify``), served with the web
application's templates (web/public.py) on the API's app: HTML for people, outside the
OpenAPI description, escaping what they show, and instructions that work when followed.
Chromium follows the links in tests/e2e/test_pages_in_chromium.py; tests/web/test_public.py
covers the other public pages."""

from __future__ import annotations

import asyncio
import html
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from consentry.api.app import create_app
from consentry.bootstrap import Registry
from consentry.cli.app import build_app
from consentry.ledger.receipts import key_id
from consentry.registry.purposes import Purpose
from tests.api.conftest import ApiClient, World

LEDGER_DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"
HOSTILE = '"><script>alert(1)</script>'


def pre_blocks(page: str) -> list[str]:
    return [html.unescape(b) for b in re.findall(r"<pre[^>]*>(.*?)</pre>", page, re.S)]


def links(page: str) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'<a [^>]*href="([^"]*)"', page)}


def assets(page: str) -> list[str]:
    """Every script and style sheet a page loads."""
    return [
        html.unescape(u) for u in re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]*)"', page)
    ]


def test_start_page_says_what_this_is_and_links_docs_key_and_verify(
    client: ApiClient, registry: Registry
) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "consentry" in r.text and "consent" in r.text
    assert all(f"<code>{p.value}</code>" in r.text for p in Purpose)
    assert key_id(registry.signing_key.public_key()) in r.text
    assert {
        "/docs",
        "/openapi.json",
        "/v1/registry/public-key",
        "/verify",
        "/public-key",
        "/login",
        "/signup",
    } <= links(r.text)
    for href in links(r.text):
        assert client.get(href).status_code == 200, href
    # nothing loaded from elsewhere, and no inline script (the CSP would refuse it)
    assert assets(r.text) and all(a.startswith("/static/") for a in assets(r.text))
    assert re.search(r"<script(?![^>]*\bsrc=)", r.text) is None
    assert not [h for h in links(r.text) if "://" in h]  # every link on this server


def test_pages_are_not_api_operations(registry: Registry) -> None:
    paths = create_app(registry).openapi()["paths"]
    assert "/" not in paths and "/verify" not in paths


def test_pages_escape_the_root_path_and_host_they_show(registry: Registry) -> None:
    async def fetch(path: str) -> str:
        transport = httpx.ASGITransport(app=create_app(registry), root_path=f"/p{HOSTILE}")
        async with httpx.AsyncClient(transport=transport, base_url="http://t:8000") as c:
            r = await c.get(path, headers={"Host": f"h{HOSTILE}"})
            assert r.status_code == 200
            return r.text

    for path in ("/", "/verify"):
        page = asyncio.run(fetch(path))
        assert HOSTILE not in page and "<script>" not in page, path
        assert "&lt;script&gt;" in page, path
        assert f"/p{HOSTILE}/docs" in links(page), path
    # Starlette replaces a Host header that is not a host by the server's address.
    assert f"curl -o registry.pem http://t:8000/p{HOSTILE}/v1/registry/public-key" in (
        pre_blocks(asyncio.run(fetch("/verify")))
    )


def test_verify_page_gives_the_openssl_steps_of_docs_ledger(client: ApiClient) -> None:
    doc = LEDGER_DOC.read_text(encoding="utf-8")
    section = doc.split("With OpenSSL 3", 1)[1]
    documented = re.search(r"```sh\n(.*?)\n```", section, re.S)
    assert documented is not None
    assert documented.group(1) in pre_blocks(client.get("/verify").text)


def test_following_the_verify_page_checks_a_real_receipt(
    client: ApiClient, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each way the page gives, run as written, accepts this server's receipt and refuses it
    with one status changed."""
    page = client.get("/verify").text
    steps = pre_blocks(page)
    receipt = client.get(f"/v1/receipts/{world.receipt_seq}", headers=world.headers("admin"))
    assert receipt.status_code == 200
    (tmp_path / "registry.pem").write_bytes(client.get("/v1/registry/public-key").content)
    key = key_id(world.registry.signing_key.public_key())
    assert f"<code>{key}</code>" in page
    tampered = receipt.json()
    terms = tampered["declaration"]["terms"]
    purpose = next(iter(terms))
    terms[purpose] = "allowed" if terms[purpose] != "allowed" else "reserved"
    monkeypatch.chdir(tmp_path)

    command = next(s for s in steps if s.startswith("consentry receipt verify"))
    args = [*shlex.split(command)[1:], "--home", str(tmp_path / "home")]
    cli = build_app()
    (tmp_path / "receipt.json").write_bytes(receipt.content)
    assert CliRunner().invoke(cli, args).exit_code == 0
    (tmp_path / "receipt.json").write_text(json.dumps(tampered), encoding="utf-8")
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code != 0 and "does not verify" in refused.stderr

    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed: the OpenSSL steps cannot be checked")
    script = next(s for s in steps if "openssl pkeyutl" in s)
    (tmp_path / "receipt.json").write_bytes(receipt.content)
    ok = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)
    assert "Signature Verified Successfully" in ok.stdout, ok.stderr
    assert ok.stdout.strip().splitlines()[-1] == key == receipt.json()["key_id"]
    (tmp_path / "receipt.json").write_text(json.dumps(tampered), encoding="utf-8")
    bad = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)
    assert "Signature Verified Successfully" not in bad.stdout
    assert "Signature Verification Failure" in bad.stdout + bad.stderr
