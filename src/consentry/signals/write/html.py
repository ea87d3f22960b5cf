"""HTML ``<meta>`` (and ``<link>``) elements for a page's ``<head>``.

``tdm-reservation`` / ``tdm-policy`` (TDMRep), ``<meta name="robots" content="noai,
noimageai">`` / ``noindex`` when reserved, and ``<link rel="license"
type="application/rsl+xml">`` to the RSL licence whenever a licence file is written.
"""

from __future__ import annotations

from html import escape

from consentry.registry.terms import TermsSet
from consentry.signals.write.options import (
    WriteOptions,
    robots_directives,
    tdm_reservation,
)


def elements(terms: TermsSet, options: WriteOptions | None = None) -> list[str]:
    opts = options or WriteOptions()
    value, with_policy = tdm_reservation(terms)
    out = [f'<meta name="tdm-reservation" content="{value}">']
    policy = opts.tdm_policy_url()
    if with_policy and policy:
        out.append(f'<meta name="tdm-policy" content="{escape(policy)}">')
    directives = robots_directives(terms)
    if directives:
        out.append(f'<meta name="robots" content="{", ".join(directives)}">')
    rsl = opts.linked_rsl_url(terms)
    if rsl:
        out.append(f'<link rel="license" type="application/rsl+xml" href="{escape(rsl)}">')
    return out


def render(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    return ("\n".join(elements(terms, options)) + "\n").encode("utf-8")
