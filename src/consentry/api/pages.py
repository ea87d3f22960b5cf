"""The page shell of the API's own HTML answers (a model's credits as
``/v1/models/{name}/credits.html``): plain HTML written here, no template engine and no
asset from elsewhere, a style sheet inline (allowed by its hash in the
Content-Security-Policy), no script, no image. Every value put into a page passes
:func:`html.escape`.

The pages for people (``/``, ``/verify``, ``/public-key``, ``/works/...``, a model's
credits page) are the web application's: ``consentry.web.public`` and its templates.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

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
