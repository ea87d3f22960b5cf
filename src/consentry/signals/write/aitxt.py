"""Spawning ``ai.txt`` (robots.txt syntax, read when media is downloaded for AI training).

It speaks for ``tdm`` and ``ai-train`` together: ``Disallow: /`` unless both are allowed.
"""

from __future__ import annotations

from consentry.registry.terms import TermsSet
from consentry.signals.purposes import AITXT_PURPOSES
from consentry.signals.write.options import WriteOptions, allowed, one_line


def render(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    opts = options or WriteOptions()
    ok = all(allowed(terms, p) for p in sorted(AITXT_PURPOSES))
    lines = [
        "# ai.txt written by consentry (Spawning ai.txt, robots.txt syntax).",
        "# Covers text and data mining and AI training of this site's media and text.",
    ]
    if opts.contact:
        lines.append(f"# Licensing contact: {one_line(opts.contact, 'contact')}")
    lines += ["User-Agent: *", "Allow: /" if ok else "Disallow: /"]
    return ("\n".join(lines) + "\n").encode("utf-8")
