"""Spawning ``ai.txt``: robots.txt syntax, read when a site's media is downloaded for AI use.

The rules are parsed with the RFC 9309 parser; the group for the agent (else ``*``) and the
longest matching rule decide for the path: ``Disallow`` -> ``tdm`` and ``ai-train``
disallowed, ``Allow`` -> allowed; no matching rule -> unknown (ai.txt says nothing there).
Unrelated files also named ai.txt (Markdown "ai.txt", prose) are recognised by having no
``User-Agent`` group and reported as such. Never raises.
"""

from __future__ import annotations

from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import AITXT_PURPOSES
from consentry.signals.robots import parse_robots


def parse(
    content: bytes | str, *, source: str = "<memory>", agent: str = "*", path: str = "/"
) -> ParsedSignal:
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    rf = parse_robots(text)
    diags = [d for d in rf.diagnostics if "unknown directive" not in d]
    if not rf.groups:
        diags.append("no User-Agent group: not a Spawning ai.txt (robots.txt syntax)")
        return ParsedSignal(Carrier.AITXT, source, {}, tuple(diags), agent=agent)
    decision = rf.decide(agent, path)
    if decision.rule is None:
        diags.append(f"no ai.txt rule matches {path!r}: {decision.reason}")
        return ParsedSignal(Carrier.AITXT, source, {}, tuple(diags), agent=agent)
    status = SignalStatus.ALLOWED if decision.allowed else SignalStatus.DISALLOWED
    diags.append(decision.reason)
    return ParsedSignal(
        Carrier.AITXT, source, {p: status for p in AITXT_PURPOSES}, tuple(diags), agent=agent
    )
