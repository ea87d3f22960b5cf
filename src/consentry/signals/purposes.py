"""Crosswalk v1: consentry purposes <-> every carrier's vocabulary, both ways.

Decision (crosswalk v1): a carrier token maps to a set of consentry purposes plus an
``exact`` flag. An *exact* token speaks for the whole of each purpose it maps to, so both
"yes" and "no" carry over. A *narrower* token (e.g. CAWG ``ai_generative_training`` or aipref
vocab-02 ``train-genai``) covers only part of a purpose: its "no" restricts the purpose (safe
in the restrictive direction) but its "yes" alone grants nothing (left ``unknown``).

Pure data and small functions; no I/O. Writers use the ``*_WRITE`` tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.signals.model import RESTRICTIVENESS, SignalStatus

CROSSWALK_VERSION = "1"

P = Purpose
_ALL = frozenset(ALL_PURPOSES)
_AI = frozenset({P.AI_TRAIN, P.AI_INPUT, P.AI_INDEX})


@dataclass(frozen=True, slots=True)
class TokenMapping:
    """What one carrier token speaks for."""

    purposes: frozenset[Purpose]
    exact: bool = True  # False: narrower than the purposes; only a "no" carries over
    note: str = ""


_EMPTY = TokenMapping(frozenset())

# --- TDMRep: tdm-reservation covers all mining and AI uses, not classic search. ---
TDMREP_PURPOSES: frozenset[Purpose] = frozenset({P.TDM, P.AI_TRAIN, P.AI_INPUT, P.AI_INDEX})


def tdmrep_purposes() -> frozenset[Purpose]:
    return TDMREP_PURPOSES


# --- IETF aipref Content-Usage (vocab-07 plus the older drafts' tokens). ---
AIPREF_TOKENS: Mapping[str, TokenMapping] = {
    "train-ai": TokenMapping(frozenset({P.AI_TRAIN})),
    "search": TokenMapping(frozenset({P.SEARCH})),
    # vocab-02 .. -04 tokens, still written by TDM-AI and older deployments
    "all": TokenMapping(_ALL, note="aipref vocab-02 'all' (removed in vocab-03)"),
    "bots": TokenMapping(_ALL, note="aipref vocab-03 'bots' (removed in vocab-05)"),
    "train-genai": TokenMapping(
        frozenset({P.AI_TRAIN}), exact=False, note="aipref vocab-02 'train-genai' (removed)"
    ),
    "ai-use": TokenMapping(frozenset({P.AI_INPUT}), note="aipref vocab-02 'ai-use' (removed)"),
}
AIPREF_WRITE: Mapping[Purpose, str] = {P.AI_TRAIN: "train-ai", P.SEARCH: "search"}


def aipref_token_mapping(token: str) -> TokenMapping:
    """Case-sensitive, as RFC 9651 keys are; unknown tokens map to nothing."""
    return AIPREF_TOKENS.get(token, _EMPTY)


def aipref_token_purposes(token: str) -> frozenset[Purpose]:
    return aipref_token_mapping(token).purposes


# --- Cloudflare Content-Signal. ---
CONTENT_SIGNAL_KEYS: Mapping[str, TokenMapping] = {
    "search": TokenMapping(frozenset({P.SEARCH})),
    "ai-input": TokenMapping(frozenset({P.AI_INPUT})),
    "ai-train": TokenMapping(frozenset({P.AI_TRAIN})),
}
CONTENT_SIGNAL_WRITE: Mapping[Purpose, str] = {
    P.SEARCH: "search",
    P.AI_INPUT: "ai-input",
    P.AI_TRAIN: "ai-train",
}


def content_signal_mapping(key: str) -> TokenMapping:
    return CONTENT_SIGNAL_KEYS.get(key.strip().lower(), _EMPTY)


def content_signal_purposes(key: str) -> frozenset[Purpose]:
    return content_signal_mapping(key).purposes


# --- RSL usage tokens (1.0 plus pre-1.0). ---
RSL_TOKENS: Mapping[str, TokenMapping] = {
    "all": TokenMapping(_ALL),
    "ai-all": TokenMapping(_AI),
    "ai-train": TokenMapping(frozenset({P.AI_TRAIN})),
    "ai-input": TokenMapping(frozenset({P.AI_INPUT})),
    "ai-index": TokenMapping(frozenset({P.AI_INDEX})),
    "search": TokenMapping(frozenset({P.SEARCH})),
    "train-ai": TokenMapping(frozenset({P.AI_TRAIN}), note="pre-1.0 RSL token, 1.0 says ai-train"),
    "ai-use": TokenMapping(frozenset({P.AI_INPUT}), note="pre-1.0 RSL token, 1.0 says ai-input"),
    "ai-summarize": TokenMapping(
        frozenset({P.AI_INPUT}), exact=False, note="pre-1.0 RSL token (part of ai-input)"
    ),
}
RSL_WRITE: Mapping[Purpose, str] = {
    P.AI_TRAIN: "ai-train",
    P.AI_INPUT: "ai-input",
    P.AI_INDEX: "ai-index",
    P.SEARCH: "search",
}
# RSL payment types -> what a licence with that payment means for the uses it permits.
RSL_PAYMENT_STATUS: Mapping[str, SignalStatus] = {
    "free": SignalStatus.ALLOWED,
    "attribution": SignalStatus.ALLOWED,  # allowed with attribution
    "purchase": SignalStatus.LICENCE,
    "subscription": SignalStatus.LICENCE,
    "training": SignalStatus.LICENCE,
    "crawl": SignalStatus.LICENCE,
    "use": SignalStatus.LICENCE,
    "contribution": SignalStatus.LICENCE,
    "inference": SignalStatus.LICENCE,  # pre-1.0 name of "use"
    "royalty": SignalStatus.LICENCE,  # pre-1.0
}


def rsl_token_mapping(token: str) -> TokenMapping:
    return RSL_TOKENS.get(token.strip().lower(), _EMPTY)


def rsl_token_purposes(token: str) -> frozenset[Purpose]:
    return rsl_token_mapping(token).purposes


# --- X-Robots-Tag / robots meta directives. ---
ROBOTS_DIRECTIVES: Mapping[str, TokenMapping] = {
    "noai": TokenMapping(_AI, note="informal noai convention"),
    "noimageai": TokenMapping(_AI, note="informal noimageai convention; meant for images"),
    "noindex": TokenMapping(frozenset({P.SEARCH})),
    "none": TokenMapping(frozenset({P.SEARCH}), note="'none' = noindex, nofollow"),
}


def robots_directive_purposes(directive: str) -> frozenset[Purpose]:
    return ROBOTS_DIRECTIVES.get(directive.strip().lower(), _EMPTY).purposes


# --- CAWG training-mining assertion (cawg.* and the C2PA 1.x c2pa.* labels). ---
TRAINING_MINING_LABELS: frozenset[str] = frozenset({"cawg.training-mining", "c2pa.training-mining"})
CAWG_ENTRIES: Mapping[str, TokenMapping] = {
    "data_mining": TokenMapping(frozenset({P.TDM})),
    "ai_inference": TokenMapping(frozenset({P.AI_INPUT})),
    "ai_training": TokenMapping(frozenset({P.AI_TRAIN}), exact=False, note="non-generative"),
    "ai_generative_training": TokenMapping(frozenset({P.AI_TRAIN}), exact=False),
}
# Both training entries "allowed" together grant ai-train.
CAWG_AI_TRAIN_PARTS: frozenset[str] = frozenset({"ai_training", "ai_generative_training"})
CAWG_WRITE: Mapping[Purpose, tuple[str, ...]] = {
    P.TDM: ("cawg.data_mining",),
    P.AI_TRAIN: ("cawg.ai_training", "cawg.ai_generative_training"),
    P.AI_INPUT: ("cawg.ai_inference",),
}
CAWG_USE: Mapping[str, SignalStatus] = {
    "allowed": SignalStatus.ALLOWED,
    "notallowed": SignalStatus.DISALLOWED,
    # CAWG: "In the absence of additional information, constrained shall be treated as
    # equivalent to notAllowed."
    "constrained": SignalStatus.DISALLOWED,
}


def cawg_entry_name(label: str) -> str:
    """``cawg.ai_training`` / ``c2pa.ai_training`` -> ``ai_training``; other keys unchanged."""
    for prefix in ("cawg.", "c2pa."):
        if label.startswith(prefix):
            return label[len(prefix) :]
    return label


def cawg_label_purposes(label: str) -> frozenset[Purpose]:
    return CAWG_ENTRIES.get(cawg_entry_name(label), _EMPTY).purposes


# --- IPTC plus:DataMining (PLUS vocabulary). ---
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
_D, _L, _A = SignalStatus.DISALLOWED, SignalStatus.LICENCE, SignalStatus.ALLOWED
IPTC_DMI: Mapping[str, Mapping[Purpose, SignalStatus]] = {
    "DMI-UNSPECIFIED": {},
    "DMI-ALLOWED": {p: _A for p in ALL_PURPOSES},
    "DMI-PROHIBITED-AIMLTRAINING": {P.AI_TRAIN: _D},
    # generative training is part of ai-train: restricting part restricts (restrictive direction)
    "DMI-PROHIBITED-GENAIMLTRAINING": {P.AI_TRAIN: _D},
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": {
        P.TDM: _D,
        P.AI_TRAIN: _D,
        P.AI_INPUT: _D,
        P.AI_INDEX: _D,
        P.SEARCH: _A,
    },
    "DMI-PROHIBITED": {p: _D for p in ALL_PURPOSES},
    # "prohibited except as a constraint / rights expression says" -> only on terms
    "DMI-PROHIBITED-SEECONSTRAINT": {p: _L for p in ALL_PURPOSES},
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": {p: _L for p in ALL_PURPOSES},
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": {p: _L for p in ALL_PURPOSES},
}


def iptc_dmi_code(value: str) -> str | None:
    """Normalise ``http://ns.useplus.org/ldf/vocab/DMI-...`` or a bare code; None if unknown."""
    v = value.strip()
    if v.startswith(PLUS_VOCAB):
        v = v[len(PLUS_VOCAB) :]
    v = v.upper()
    return v if v in IPTC_DMI else None


def iptc_dmi_status(value: str) -> dict[Purpose, SignalStatus]:
    code = iptc_dmi_code(value)
    return dict(IPTC_DMI[code]) if code else {}


def _dmi_fit(code: str, got: Mapping[Purpose, SignalStatus]) -> tuple[int, int, int, int] | None:
    """How well ``code`` says ``got`` (higher is better); None when it would say more than
    ``got`` grants for some purpose (a reader would take it as more permissive)."""
    says = IPTC_DMI[code]
    unexpressed = over = matches = 0
    for p in ALL_PURPOSES:
        want, have = got[p], says.get(p, SignalStatus.UNKNOWN)
        if have is SignalStatus.UNKNOWN:
            unexpressed += want in (_D, _L)  # a restriction the code leaves unsaid
            continue
        if want is SignalStatus.UNKNOWN or RESTRICTIVENESS.index(have) > RESTRICTIVENESS.index(
            want
        ):
            return None
        if have is want:
            matches += 1
        else:
            over += 1
    # A code that reads search as restricted when search is allowed blocks search engines
    # (PLUS: plain DMI-PROHIBITED prohibits search-engine indexing too): last resort only.
    search_blocked = int(got[P.SEARCH] is _A and says.get(P.SEARCH, _A) is not _A)
    return (-unexpressed, -search_blocked, -over, matches)


def iptc_dmi_for(statuses: Mapping[Purpose, SignalStatus]) -> str:
    """The PLUS DMI code that says the most of ``statuses`` without granting more.

    In order: never more permissive than ``statuses`` for any purpose; every restriction
    expressed (a reserved purpose never reads "unspecified"); search not blocked when it is
    allowed (``DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING`` rather than ``DMI-PROHIBITED``);
    the fewest purposes read as more restricted than they are; the most read exactly.
    Ties go to the earlier code of the PLUS vocabulary as listed in :data:`IPTC_DMI`.
    """
    got = {p: statuses.get(p, SignalStatus.UNKNOWN) for p in ALL_PURPOSES}
    best, best_fit = "DMI-UNSPECIFIED", _dmi_fit("DMI-UNSPECIFIED", got)
    for code in IPTC_DMI:
        fit = _dmi_fit(code, got)
        if fit is not None and (best_fit is None or fit > best_fit):
            best, best_fit = code, fit
    return best


# --- Spawning ai.txt: robots syntax, about using media for AI training. ---
AITXT_PURPOSES: frozenset[Purpose] = frozenset({P.TDM, P.AI_TRAIN})

# --- Registry statuses -> signal statuses (what a carrier written from terms says). ---
STATUS_TO_SIGNAL: Mapping[Status, SignalStatus] = {
    Status.RESERVED: SignalStatus.DISALLOWED,
    Status.LICENCE: SignalStatus.LICENCE,
    Status.ALLOWED: SignalStatus.ALLOWED,
}


def signal_status_for(status: Status) -> SignalStatus:
    return STATUS_TO_SIGNAL[status]


def yes_no_status(value: str) -> SignalStatus | None:
    """``y``/``yes``/``n``/``no`` (any case) -> ALLOWED/DISALLOWED; anything else None."""
    v = value.strip().lower()
    if v in ("y", "yes"):
        return SignalStatus.ALLOWED
    if v in ("n", "no"):
        return SignalStatus.DISALLOWED
    return None


def apply_mapping(
    out: dict[Purpose, SignalStatus], mapping: TokenMapping, status: SignalStatus
) -> None:
    """Fold ``status`` for a token into ``out`` (most restrictive wins; narrow 'yes' ignored)."""
    if not mapping.exact and status is SignalStatus.ALLOWED:
        return
    for p in mapping.purposes:
        out[p] = most_restrictive(out.get(p, SignalStatus.UNKNOWN), status)


def most_restrictive(*statuses: SignalStatus) -> SignalStatus:
    for s in RESTRICTIVENESS:
        if s in statuses:
            return s
    return SignalStatus.UNKNOWN
