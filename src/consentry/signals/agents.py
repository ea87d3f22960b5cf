"""AI agent catalogue: crawler and control tokens, their operators and the purposes they serve.

Data lives in ``signals/data/agents-v1.json`` (versioned; tokens from ai.robots.txt, purposes
from each operator's documentation, named in each entry's ``doc``). Categories are
``training``, ``search`` (search or AI-answer index), ``user-fetch`` (fetch when a user asks)
and ``agent`` (acts for a user). Lookups are case-insensitive on the product token.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from consentry.errors import SignalError
from consentry.registry.purposes import ALL_PURPOSES, Purpose

CATEGORIES: tuple[str, ...] = ("training", "search", "user-fetch", "agent")
CATALOGUE_FILE = "agents-v1.json"
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")


def product_token(value: str) -> str:
    """Product token of a user-agent value: its leading ``[A-Za-z0-9_-]`` run, lowercased.

    RFC 9309 allows only letters, ``-`` and ``_``; digits are accepted too because real tokens
    have them (``AI2Bot``, ``peer39_crawler``) and cutting them off would merge distinct bots.

    ``"GPTBot/1.1"`` -> ``"gptbot"``; ``"FAST Enterprise Crawler"`` -> ``"fast"``.
    """
    v = value.strip()
    if v.startswith("*"):
        return "*"
    m = _TOKEN_CHARS.match(v)
    return m.group(0).lower() if m else ""


@dataclass(frozen=True, slots=True)
class Agent:
    token: str
    operator: str
    purposes: frozenset[Purpose]
    category: str
    doc: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "token": self.token,
            "operator": self.operator,
            "category": self.category,
            "purposes": sorted(p.value for p in self.purposes),
            "doc": self.doc,
        }


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: str
    agents: tuple[Agent, ...]
    # web search crawlers' product tokens (the robots.txt writer never blocks a token that is
    # a substring of one of them while search is allowed)
    search_engines: tuple[str, ...] = ()
    by_token: dict[str, Agent] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_token.update({a.token.lower(): a for a in self.agents})

    def get(self, token: str) -> Agent | None:
        """Agent by token, case-insensitively; ``GPTBot/1.1`` also works (product token)."""
        key = token.strip().lower()
        return self.by_token.get(key) or self.by_token.get(product_token(token))

    def for_purpose(self, purpose: Purpose) -> list[Agent]:
        return [a for a in self.agents if purpose in a.purposes]

    def purposes_of(self, agent: str) -> frozenset[Purpose]:
        """Purposes an agent serves; ``*`` and unknown agents: every purpose (conservative)."""
        found = None if agent.strip() in ("", "*") else self.get(agent)
        return found.purposes if found else frozenset(ALL_PURPOSES)

    def __len__(self) -> int:
        return len(self.agents)


def parse_catalogue(text: str) -> Catalogue:
    """Build a catalogue from JSON text; raises SignalError naming the bad entry."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SignalError(
            f"agent catalogue is not valid JSON: {e}", field="catalogue", expected="JSON"
        ) from None
    agents: list[Agent] = []
    seen: set[str] = set()
    for i, row in enumerate(data.get("agents", [])):
        token = str(row.get("token", "")).strip()
        category = row.get("category")
        if not token or category not in CATEGORIES:
            raise SignalError(
                f"agent entry {i} ({token!r}) has category {category!r}, "
                f"expected one of {', '.join(CATEGORIES)}",
                field="category",
                value=category,
                expected=", ".join(CATEGORIES),
            )
        if token.lower() in seen:
            raise SignalError(
                f"agent token {token!r} appears twice (tokens are case-insensitive)",
                field="token",
                value=token,
                expected="unique token",
            )
        seen.add(token.lower())
        purposes = frozenset(Purpose.parse(p) for p in row.get("purposes", []))
        agents.append(
            Agent(token, str(row.get("operator", "")), purposes, category, str(row.get("doc", "")))
        )
    engines = tuple(str(t) for t in data.get("search_engines", []) if str(t).strip())
    return Catalogue(str(data.get("version", "")), tuple(agents), engines)


@cache
def load_catalogue() -> Catalogue:
    text = (
        resources.files("consentry.signals")
        .joinpath("data", CATALOGUE_FILE)
        .read_text(encoding="utf-8")
    )
    return parse_catalogue(text)
