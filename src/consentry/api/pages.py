"""The server's own HTML pages: ``/`` says what this server is, ``/verify`` how to check a
receipt. Neither is in the OpenAPI description (they are pages for people, not API).

Decisions:

- Plain HTML written here, no template engine and no asset from elsewhere: a style sheet
  inline (allowed by its hash in the Content-Security-Policy), no script, no image. Every
  value put into a page passes :func:`html.escape`, fixed text included, so nothing a proxy
  (the ASGI ``root_path``) or a client (the ``Host`` header, shown in the ``curl`` example)
  sends can become markup.
- Links carry the ASGI ``root_path``, so the pages work behind a proxy that mounts the
  server under a prefix.
- The OpenSSL commands on ``/verify`` are the ones in ``docs/ledger.md``; a test keeps them
  equal and runs them against a receipt this server issued.

The render functions are pure (values in, text out); :func:`install_pages` adds the routes.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from consentry import __version__
from consentry.ledger.receipts import key_id
from consentry.registry.purposes import Purpose

PUBLIC_KEY_PATH = "/v1/registry/public-key"

PURPOSES_IN_WORDS: dict[Purpose, str] = {
    Purpose.TDM: "text and data mining of any kind",
    Purpose.AI_TRAIN: "training or fine-tuning AI models",
    Purpose.AI_INPUT: "giving works to an AI model as it answers (retrieval, grounding, prompts)",
    Purpose.AI_INDEX: "building AI retrieval indexes or embeddings",
    Purpose.SEARCH: "classic search indexing",
}

# The "With OpenSSL 3" block of docs/ledger.md, word for word (tests/api/test_pages.py).
OPENSSL_STEPS = """\
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.pop("signature");
sys.stdout.write(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False))' \\
  receipt.json > message.json
python3 -c 'import json,sys,base64; s=json.load(open(sys.argv[1]))["signature"];
sys.stdout.buffer.write(base64.urlsafe_b64decode(s + "=="))' receipt.json > signature.bin
openssl pkeyutl -verify -pubin -inkey registry.pem -rawin -in message.json -sigfile signature.bin
# Signature Verified Successfully
openssl pkey -pubin -in registry.pem -outform DER | tail -c 32 | sha256sum | cut -c1-16
# the key_id"""

STYLE = """\
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;margin:0}
main{max-width:52rem;margin:0 auto;padding:2rem 1.25rem 3rem}
h1{font-size:2rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem}
.tagline{font-size:1.15rem;color:#444;margin:0 0 1.5rem}
a{color:#0b57d0}li{margin:.35rem 0}
code,pre{font:13px/1.45 ui-monospace,"DejaVu Sans Mono",monospace;background:#f3f4f6}
code{padding:0 .2em}pre{padding:.75rem 1rem;overflow-x:auto;white-space:pre}
footer{margin-top:2.5rem;color:#666;font-size:.9rem}"""

STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")

HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _link(href: str, text: str, *, download: str | None = None) -> str:
    extra = f' download="{escape(download)}"' if download else ""
    return f'<a href="{escape(href)}"{extra}>{escape(text)}</a>'


def render_home(*, root: str, version: str, key: str, openapi_url: str) -> str:
    """The front page. ``root`` is the ASGI root path ("" unless behind a prefix)."""
    purposes = "".join(
        f"<li><code>{escape(p.value)}</code>: {escape(words)}</li>\n"
        for p, words in PURPOSES_IN_WORDS.items()
    )
    body = f"""\
<h1>consentry</h1>
<p class="tagline">A registry of creators' consent: may AI developers use their works?</p>
<p>This server keeps a public record of what authors, artists and the organisations that act
for them have said about the use of their works by AI developers. For each work and each
purpose, the answer is <code>reserved</code> (no), <code>licence</code> (ask for a licence
first) or <code>allowed</code> (yes). The purposes:</p>
<ul>
{purposes}</ul>
<p>AI developers look works up by ISBN, DOI, web address or another identifier, and ask for
a decision, which comes with its reasons and evidence. Each declaration is written to a
hash-chained ledger, and the registry signs a receipt for it that anyone can check.</p>
<h2>Start here</h2>
<ul>
<li>{_link(f"{root}/docs", "API documentation")}: every route, and a form to try each one
with an API key</li>
<li>{_link(f"{root}{openapi_url}", "OpenAPI description")} (JSON), for code generators and
API tools</li>
<li>{_link(f"{root}{PUBLIC_KEY_PATH}", "The registry's public key", download="registry.pem")}
(PEM, key id <code>{escape(key)}</code>): the key that signs receipts</li>
<li>{_link(f"{root}/verify", "How to verify a receipt")}, with consentry or with OpenSSL</li>
</ul>
<p>Every <code>/v1</code> route needs an API key, except the public key. An administrator of
this registry makes keys with <code>consentry keys create</code>.</p>
<footer>consentry {escape(version)}</footer>
"""
    return _page("consentry: a registry of creators' consent", body)


def render_verify(*, root: str, base_url: str, key: str) -> str:
    """How to check a receipt. ``base_url`` is where the client reached this server."""
    key_url = f"{base_url.rstrip('/')}{root}{PUBLIC_KEY_PATH}"
    body = f"""\
<h1>Verify a receipt</h1>
<p class="tagline">A receipt proves what this registry recorded, and when.</p>
<p>When terms are declared (<code>POST /v1/works/{{id}}/terms</code> or
<code>POST /v1/parties/{{id}}/terms</code>), the answer holds a <code>receipt</code>: a JSON
object with the declaration, its ledger entry (<code>ledger.seq</code> and
<code>ledger.hash</code>), the time it was recorded, and an Ed25519 signature by this
registry. Save it as <code>receipt.json</code>. The declaring party, the party whose terms
they are, or an administrator can fetch it again with <code>GET /v1/receipts/{{seq}}</code>.</p>

<h2>1. Get this registry's public key</h2>
<p>{_link(f"{root}{PUBLIC_KEY_PATH}", "Download registry.pem", download="registry.pem")}
or:</p>
<pre>curl -o registry.pem {escape(key_url)}</pre>
<p>Its key id is <code>{escape(key)}</code>; a receipt's <code>key_id</code> must be the
same.</p>

<h2>2. With consentry</h2>
<pre>consentry receipt verify receipt.json --public-key registry.pem</pre>
<p>It says what is wrong, in this order: a missing or malformed member, the wrong
<code>version</code>, a receipt signed by another key (its <code>key_id</code> differs), or a
signature that does not match the content (the receipt was changed after signing).</p>

<h2>3. Without consentry: OpenSSL 3 and Python</h2>
<p>The signature covers the receipt without its <code>signature</code> member, written as
canonical JSON (keys sorted, no spaces, UTF-8) and signed with Ed25519; the signature is
base64url without padding. For receipts as consentry issues them:</p>
<pre>{escape(OPENSSL_STEPS)}</pre>
<p>Changing anything in the receipt, even one status, makes both checks fail.</p>

<p>{_link(f"{root}/", "Back to the start page")} ·
{_link(f"{root}/docs", "API documentation")}</p>
"""
    return _page("Verify a receipt: consentry", body)


def install_pages(app: FastAPI) -> None:
    """``GET /`` and ``GET /verify``, outside the OpenAPI description."""

    def registry_key_id(request: Request) -> str:
        return key_id(request.app.state.registry.signing_key.public_key())

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        html = render_home(
            root=request.scope.get("root_path", ""),
            version=__version__,
            key=registry_key_id(request),
            openapi_url=app.openapi_url or "/openapi.json",
        )
        return HTMLResponse(html, headers=HEADERS)

    @app.get("/verify", include_in_schema=False)
    def verify(request: Request) -> HTMLResponse:
        html = render_verify(
            root=request.scope.get("root_path", ""),
            base_url=f"{request.url.scheme}://{request.url.netloc}",
            key=registry_key_id(request),
        )
        return HTMLResponse(html, headers=HEADERS)
