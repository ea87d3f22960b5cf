"""Values shared by every signal carrier: what a carrier says, per purpose, and why.

Decision: a reader never raises for bad *content*; it returns a :class:`ParsedSignal` whose
``diagnostics`` say what was wrong and which purposes it could not read (left ``UNKNOWN``).
Only a bad *request* (unknown carrier name, unreadable file path) raises ``SignalError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from consentry.registry.purposes import ALL_PURPOSES, Purpose


class SignalStatus(StrEnum):
    ALLOWED = "allowed"
    DISALLOWED = "disallowed"
    LICENCE = "licence"  # permitted only on licence or payment terms
    UNKNOWN = "unknown"  # no signal (silence), or could not be read/fetched


# Most restrictive first: combining takes the first present in this order, UNKNOWN last.
RESTRICTIVENESS: tuple[SignalStatus, ...] = (
    SignalStatus.DISALLOWED,
    SignalStatus.LICENCE,
    SignalStatus.ALLOWED,
    SignalStatus.UNKNOWN,
)


class Carrier(StrEnum):
    ROBOTS = "robots"  # robots.txt (+ Content-Usage, Content-Signal, License lines)
    TDMREP = "tdmrep"  # /.well-known/tdmrep.json
    HEADERS = (
        "headers"  # HTTP response headers (tdm-reservation, X-Robots-Tag, Content-Usage, Link)
    )
    HTML = "html"  # <meta> tags
    EPUB = "epub"  # OPF metadata
    PDF = "pdf"  # XMP metadata
    RSL = "rsl"  # RSL 1.0 license.xml
    IPTC = "iptc"  # IPTC plus:DataMining in image XMP
    C2PA = "c2pa"  # CAWG training-mining assertion
    AITXT = "aitxt"  # Spawning ai.txt
    TDMAI = "tdmai"  # Liccium TDM-AI usage declaration (JSON, aipref vocab-02 keys)
    REGISTRY = "registry"  # consentry's own registry terms for a registered URL
    FETCH = "fetch"  # a carrier that could not be fetched


@dataclass(frozen=True, slots=True)
class ParsedSignal:
    """What one carrier says for one agent, per purpose (every purpose present)."""

    carrier: Carrier
    source: str  # URL or file path it came from
    purposes: Mapping[Purpose, SignalStatus] = field(default_factory=dict)
    diagnostics: tuple[str, ...] = ()
    agent: str = "*"
    licence_urls: tuple[str, ...] = ()  # RSL / policy / licence links found
    policy_url: str | None = None  # e.g. TDMRep tdm-policy
    # TDMRep part, kept apart so resolve.tdmrep_precedence can supersede it: the value read
    # (0, 1 or None for unset/protocol error) and the decisions without the TDMRep part.
    tdm_reservation: int | None = None
    other_purposes: Mapping[Purpose, SignalStatus] | None = None

    def __post_init__(self) -> None:
        full = {p: self.purposes.get(p, SignalStatus.UNKNOWN) for p in ALL_PURPOSES}
        object.__setattr__(self, "purposes", full)

    def to_json(self) -> dict[str, object]:
        return {
            "carrier": self.carrier.value,
            "source": self.source,
            "agent": self.agent,
            "purposes": {p.value: s.value for p, s in self.purposes.items()},
            "diagnostics": list(self.diagnostics),
            "licence_urls": list(self.licence_urls),
            "policy_url": self.policy_url,
            "tdm_reservation": self.tdm_reservation,
        }
