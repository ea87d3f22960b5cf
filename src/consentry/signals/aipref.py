"""IETF aipref ``Content-Usage`` and Cloudflare ``Content-Signal`` values.

``Content-Usage`` is an RFC 9651 structured-field Dictionary of ``key=y|n``, parsed to the
letter (:mod:`consentry.signals.sfv`): keys are case-sensitive (lower case), unknown keys
and parameters are ignored, a duplicate key's last value wins, and a value that does not
parse (``train-ai =n``: whitespace before ``=``) makes *every* category unknown (vocab
draft). A value that parses but is not the Token ``y`` or ``n`` (the String ``"n"``, ``?0``)
expresses no preference for its key.
``Content-Signal`` (``search=yes, ai-input=no``) is read leniently: keys in any case,
``yes/no`` or ``y/n``.

Each function returns ``(decisions, diagnostics)`` and never raises.
"""

from __future__ import annotations

from consentry.registry.purposes import Purpose
from consentry.signals import sfv
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import (
    aipref_token_mapping,
    apply_mapping,
    content_signal_mapping,
    yes_no_status,
)


def parse_sf_dictionary(value: str) -> dict[str, object] | None:
    """An RFC 9651 Dictionary (:func:`consentry.signals.sfv.parse_dictionary`), each key
    mapped to its value without parameters (a Token, a String, a bool, a number, bytes or an
    inner list); None if it does not parse."""
    parsed = sfv.parse_dictionary(value)
    if parsed is None:
        return None
    return {k: v for k, (v, _params) in parsed.items()}


def parse_content_usage(value: str) -> tuple[dict[Purpose, SignalStatus], list[str]]:
    """``train-ai=n, search=y`` -> decisions. Older vocab tokens are mapped (see crosswalk)."""
    diags: list[str] = []
    parsed = parse_sf_dictionary(value)
    if parsed is None:
        return {}, [f"Content-Usage {value!r} is not a structured-field dictionary: all unknown"]
    out: dict[Purpose, SignalStatus] = {}
    for key, raw in parsed.items():
        mapping = aipref_token_mapping(key)
        if not mapping.purposes:
            diags.append(f"Content-Usage key {key!r} is not in the vocabulary, ignored")
            continue
        if not isinstance(raw, sfv.Token) or raw not in ("y", "n"):
            # RFC 9651: "y" in quotes is a String, not the Token the vocabulary defines
            shown = f'"{raw}"' if isinstance(raw, str) and not isinstance(raw, sfv.Token) else raw
            diags.append(
                f"Content-Usage {key}={shown}: not the token y or n (RFC 9651), "
                "no preference expressed"
            )
            continue
        if mapping.note:
            diags.append(f"Content-Usage {key!r}: {mapping.note}")
        status = SignalStatus.ALLOWED if raw == "y" else SignalStatus.DISALLOWED
        apply_mapping(out, mapping, status)
    return out, diags


def parse_content_signal(value: str) -> tuple[dict[Purpose, SignalStatus], list[str]]:
    """``search=yes, ai-input=yes, ai-train=no`` -> decisions; lenient on case and y/n."""
    diags: list[str] = []
    out: dict[Purpose, SignalStatus] = {}
    for member in value.split(","):
        m = member.strip()
        if not m:
            continue
        if "=" not in m:
            diags.append(f"Content-Signal member {m!r} has no '=value', ignored")
            continue
        key, raw = (x.strip() for x in m.split("=", 1))
        mapping = content_signal_mapping(key)
        if not mapping.purposes:
            diags.append(f"Content-Signal key {key!r} is not search, ai-input or ai-train, ignored")
            continue
        if key != key.lower():
            diags.append(f"Content-Signal key {key!r} should be lower case")
        status = yes_no_status(raw)
        if status is None:
            diags.append(f"Content-Signal {key}={raw!r}: expected yes or no, ignored")
            continue
        apply_mapping(out, mapping, status)
    return out, diags


def parse(
    content: bytes | str,
    *,
    source: str = "<memory>",
    agent: str = "*",
    kind: str = "content-usage",
) -> ParsedSignal:
    """A bare Content-Usage (or, with ``kind="content-signal"``, Content-Signal) value."""
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    text = text.strip()
    statuses, diags = (
        parse_content_signal(text) if kind == "content-signal" else parse_content_usage(text)
    )
    return ParsedSignal(Carrier.HEADERS, source, statuses, tuple(diags), agent=agent)


TDMAI_KEYS: tuple[str, ...] = ("all", "train-ai", "train-genai", "ai-use", "search")


def parse_tdmai(
    content: bytes | str, *, source: str = "<memory>", agent: str = "*"
) -> ParsedSignal:
    """A Liccium TDM-AI usage declaration: ``{"all": "false", "ai-use": "true", ...}``.

    Keys are aipref vocab-02 tokens with ``"true"``/``"false"`` strings. TDM-AI inherits
    ``all`` -> ``train-ai`` -> ``train-genai``, so a more specific key overrides ``all`` for
    its purposes (not most-restrictive). A TDMRep-flavoured declaration
    (``{"iscc": ..., "tdm-reservation": 1}``) is read as TDMRep. Never raises.
    """
    from consentry.signals.tdmrep import load_json_lenient, tdm_signal

    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    data, diags = load_json_lenient(text)
    if not isinstance(data, dict):
        diags.append("TDM-AI declaration is not a JSON object")
        return ParsedSignal(Carrier.TDMAI, source, {}, tuple(diags), agent=agent)
    if "tdm-reservation" in data:
        policy = data.get("tdm-policy")
        return tdm_signal(
            Carrier.TDMAI,
            source,
            agent=agent,
            reservation=data.get("tdm-reservation"),
            policy_url=policy if isinstance(policy, str) else None,
            diagnostics=[*diags, f"TDMRep-style declaration for {data.get('iscc')!r}"],
            textual=False,
        )
    if "$schema" in data or "properties" in data:
        diags.append("this is a JSON Schema, not a declaration")
        return ParsedSignal(Carrier.TDMAI, source, {}, tuple(diags), agent=agent)
    out: dict[Purpose, SignalStatus] = {}
    for key in TDMAI_KEYS:  # general first, so specific keys override
        if key not in data:
            continue
        raw = data[key]
        value = raw.strip().lower() if isinstance(raw, str) else raw
        if value in ("true", True):
            status = SignalStatus.ALLOWED
        elif value in ("false", False):
            status = SignalStatus.DISALLOWED
        else:
            diags.append(f"{key}={raw!r}: expected 'true' or 'false', ignored")
            continue
        if not isinstance(raw, str):
            diags.append(f"{key} is a JSON boolean; TDM-AI uses the strings 'true'/'false'")
        mapping = aipref_token_mapping(key)
        if not mapping.exact and status is SignalStatus.ALLOWED:
            continue
        for p in mapping.purposes:
            out[p] = status
    unknown = sorted(
        k
        for k in data
        if k not in TDMAI_KEYS
        and k not in ("version", "iscc", "intent", "reference", "summary", "policy")
    )
    if unknown:
        diags.append(f"keys {unknown} are not in the TDM-AI schema, ignored")
    return ParsedSignal(Carrier.TDMAI, source, out, tuple(diags), agent=agent)
