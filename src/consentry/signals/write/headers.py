"""HTTP response headers from terms, and snippets for nginx, Apache, Caddy, Cloudflare.

Headers: ``tdm-reservation`` (+ ``tdm-policy``), ``Content-Usage`` (aipref),
``Content-Signal``, ``X-Robots-Tag`` (``noai, noimageai`` / ``noindex`` when reserved) and
``Link: <license.xml>; rel="license"; type="application/rsl+xml"`` whenever a licence
file is written (:meth:`WriteOptions.linked_rsl_url`). Every snippet sets exactly
:func:`pairs`, on every response (``always`` / ``Header always``), so a test can read any
snippet back.
"""

from __future__ import annotations

from consentry.registry.terms import TermsSet
from consentry.signals.write.options import (
    WriteOptions,
    content_signal,
    content_usage,
    one_line,
    robots_directives,
    tdm_reservation,
)


def pairs(terms: TermsSet, options: WriteOptions | None = None) -> list[tuple[str, str]]:
    opts = options or WriteOptions()
    value, with_policy = tdm_reservation(terms)
    out = [("tdm-reservation", str(value))]
    policy = opts.tdm_policy_url()
    if with_policy and policy:
        out.append(("tdm-policy", one_line(policy, "policy-url")))
    out.append(("Content-Usage", content_usage(terms)))
    out.append(("Content-Signal", content_signal(terms)))
    directives = robots_directives(terms)
    if directives:
        out.append(("X-Robots-Tag", ", ".join(directives)))
    rsl = opts.linked_rsl_url(terms)
    if rsl:
        out.append(
            ("Link", f'<{one_line(rsl, "licence-url")}>; rel="license"; type="application/rsl+xml"')
        )
    return out


def render_dump(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    """A plain ``Name: value`` header dump (what ``consentry signals read --carrier headers``
    reads)."""
    return "".join(f"{n}: {v}\r\n" for n, v in pairs(terms, options)).encode("latin-1")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_nginx(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    lines = ["# consentry: AI-use signal headers (inside server { } or location { })"]
    lines += [f"add_header {n} {_quote(v)} always;" for n, v in pairs(terms, options)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_apache(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    lines = ["# consentry: AI-use signal headers (needs mod_headers)", "<IfModule mod_headers.c>"]
    lines += [f"  Header always set {n} {_quote(v)}" for n, v in pairs(terms, options)]
    lines.append("</IfModule>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_caddy(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    lines = ["# consentry: AI-use signal headers (inside a site block)", "header {"]
    lines += [f"  {n} {_quote(v)}" for n, v in pairs(terms, options)]
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_cloudflare(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    """Cloudflare Pages / Netlify ``_headers`` file: a path line, then indented headers."""
    lines = ["# consentry: AI-use signal headers", "/*"]
    lines += [f"  {n}: {v}" for n, v in pairs(terms, options)]
    return ("\n".join(lines) + "\n").encode("utf-8")
