"""W3C TDMRep: ``/.well-known/tdmrep.json``, ``tdm-reservation``/``tdm-policy`` values, policies.

Decisions (docs/signals.md, "TDMRep"):

* ``tdm-reservation`` is 0 or 1. The JSON number or the strings ``"0"``/``"1"`` are accepted
  (strings with a diagnostic); anything else (``2``, ``true``, ``"yes"``) is a protocol
  error: the property is unset, with a diagnostic.
* ``1``: ``tdm``, ``ai-train``, ``ai-input``, ``ai-index`` are ``disallowed``, or ``licence``
  when a machine-readable policy permits ``tdm:mine`` with duties (``obtainConsent``,
  ``compensate``, or other duties, which are diagnosed). ``0``: those four are ``allowed``.
  ``search`` is never covered.
* File rules: "The most specific match MUST be used. The most specific match is the first in
  sequence." The first matching rule in array order is used, as the spec says, even when a
  later rule is longer (a diagnostic names it, and ``lint`` warns that the earlier rule
  shadows it). No match: unset.
* Lenient with the real files: a single object instead of an array, a path-keyed object,
  trailing commas (the W3C spec's own example), ``@type: Policy``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consentry.registry.purposes import Purpose
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import TDMREP_PURPOSES, most_restrictive
from consentry.signals.robots import normalise_path, request_path, rule_regex

LICENCE_DUTIES = frozenset({"obtainconsent", "compensate"})


def load_json_lenient(text: str) -> tuple[Any, list[str]]:
    """JSON, or JSON with trailing commas removed (diagnosed); (None, diags) if neither."""
    text = text.lstrip("\ufeff")
    try:
        return json.loads(text), []
    except (json.JSONDecodeError, RecursionError) as e:
        first = str(e)
    fixed = re.sub(r",(\s*[}\]])", r"\1", text)
    if fixed != text:
        try:
            return json.loads(fixed), [
                f"invalid JSON ({first}); read after removing trailing commas"
            ]
        except (json.JSONDecodeError, RecursionError):
            pass
    return None, [f"invalid JSON: {first}"]


def parse_reservation_value(
    value: object, *, textual: bool = False
) -> tuple[int | None, str | None]:
    """Value of ``tdm-reservation`` -> (0, 1 or None for unset/protocol error, diagnostic).

    ``textual``: the value comes from a header, meta tag or XML, where ``"1"`` is the normal
    form; in JSON the number is required and a string is accepted with a diagnostic.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return (
            None,
            f"tdm-reservation {value!r} is a boolean, expected 0 or 1: protocol error, unset",
        )
    if isinstance(value, int) and value in (0, 1):
        return value, None
    if isinstance(value, str) and value.strip() in ("0", "1"):
        if textual:
            return int(value.strip()), None
        return int(value.strip()), (
            f"tdm-reservation {value!r} is a string, expected the number 0 or 1"
        )
    return None, f"tdm-reservation {value!r} is not 0 or 1: protocol error, unset"


def pick_reservation(values: list[str], where: str) -> tuple[str | None, list[str]]:
    """The one ``tdm-reservation`` value of several sent in one place (headers, meta tags).

    The spec defines one value per place and is silent on several; values that disagree
    resolve to the reservation (``1``) whenever one of them reserves, with a diagnostic: a
    consent checker must never read "not reserved" when the site also said "reserved"."""
    if len(set(v.strip() for v in values)) <= 1:
        return (values[-1] if values else None), []
    parsed = [parse_reservation_value(v, textual=True)[0] for v in values]
    zero = next((v for v, n in zip(values, parsed, strict=True) if n == 0), None)
    chosen = "1" if 1 in parsed else zero
    chosen = chosen if chosen is not None else values[-1]
    return chosen, [
        f"{where} tdm-reservation given {len(values)} times with different values "
        f"{values!r}; read as {chosen!r} (conflicting values resolve to the reservation)"
    ]


@dataclass(frozen=True, slots=True)
class Policy:
    """What a TDMRep (ODRL) policy says: ``licence`` if it permits mining with duties."""

    status: SignalStatus
    duties: tuple[str, ...] = ()
    diagnostics: tuple[str, ...] = ()
    uid: str | None = None


def _as_list(v: object) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def parse_policy(content: bytes | str) -> Policy:
    """Read an ODRL TDM policy; never raises. Unreadable: ``disallowed`` (reservation stands)."""
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    data, diags = load_json_lenient(text)
    if not isinstance(data, dict):
        diags.append("policy is not a JSON object: conditions unknown, reservation stands")
        return Policy(SignalStatus.DISALLOWED, (), tuple(diags))
    ptype = data.get("@type")
    if ptype != "Offer":
        diags.append(f"policy @type is {ptype!r}, TDMRep requires 'Offer'")
    profile = data.get("profile")
    if profile not in (None, "http://www.w3.org/ns/tdmrep"):
        diags.append(f"policy profile {profile!r}, expected 'http://www.w3.org/ns/tdmrep'")
    duties: list[str] = []
    mine = False
    for perm in _as_list(data.get("permission")):
        if not isinstance(perm, dict):
            continue
        action = perm.get("action")
        if isinstance(action, dict):
            action = action.get("@id") or action.get("id")
        if isinstance(action, str) and action.split(":")[-1].split("#")[-1] == "mine":
            mine = True
            for duty in _as_list(perm.get("duty")):
                d = duty.get("action") if isinstance(duty, dict) else duty
                if isinstance(d, str):
                    duties.append(d)
    if data.get("prohibition") or data.get("obligation"):
        diags.append("policy has prohibition/obligation, which TDMRep says it should not")
    uid = data.get("uid") if isinstance(data.get("uid"), str) else None
    if not mine:
        diags.append("policy permits no 'tdm:mine' action: reservation stands")
        return Policy(SignalStatus.DISALLOWED, tuple(duties), tuple(diags), uid)
    odd = [d for d in duties if d.lower() not in LICENCE_DUTIES]
    if odd:
        diags.append(f"duties {odd} are outside the TDMRep profile; read as licence conditions")
    if not duties:
        diags.append("policy permits tdm:mine without duties; still a reserved resource")
    return Policy(SignalStatus.LICENCE, tuple(duties), tuple(diags), uid)


def tdm_statuses(
    reservation: int | None, policy: Policy | None = None
) -> dict[Purpose, SignalStatus]:
    if reservation == 0:
        return {p: SignalStatus.ALLOWED for p in TDMREP_PURPOSES}
    if reservation == 1:
        status = policy.status if policy is not None else SignalStatus.DISALLOWED
        return {p: status for p in TDMREP_PURPOSES}
    return {}


def combine(
    a: Mapping[Purpose, SignalStatus], b: Mapping[Purpose, SignalStatus]
) -> dict[Purpose, SignalStatus]:
    out = dict(a)
    for p, s in b.items():
        out[p] = most_restrictive(out.get(p, SignalStatus.UNKNOWN), s)
    return out


def tdm_signal(
    carrier: Carrier,
    source: str,
    *,
    agent: str = "*",
    reservation: object = None,
    policy_url: str | None = None,
    policy: Policy | None = None,
    other: Mapping[Purpose, SignalStatus] | None = None,
    diagnostics: list[str] | None = None,
    licence_urls: tuple[str, ...] = (),
    textual: bool = True,
) -> ParsedSignal:
    """A signal with a TDMRep part (raw ``reservation`` value) plus other decisions."""
    diags = list(diagnostics or [])
    value, d = parse_reservation_value(reservation, textual=textual)
    if d:
        diags.append(d)
    if policy is not None:
        diags.extend(f"policy: {x}" for x in policy.diagnostics)
    if value == 1 and policy is None and policy_url:
        diags.append(f"tdm-policy {policy_url} not read: conditions unknown, reservation stands")
    if value == 0 and policy_url:
        diags.append("tdm-policy is ignored when tdm-reservation is 0")
    base = dict(other or {})
    purposes = combine(base, tdm_statuses(value, policy if value == 1 else None))
    return ParsedSignal(
        carrier,
        source,
        purposes,
        tuple(diags),
        agent=agent,
        licence_urls=licence_urls,
        policy_url=policy_url,
        tdm_reservation=value,
        other_purposes=base,
    )


@dataclass(frozen=True, slots=True)
class TdmRule:
    location: str
    reservation: object
    policy: str | None
    index: int


@dataclass(frozen=True, slots=True)
class TdmFile:
    rules: tuple[TdmRule, ...]
    diagnostics: tuple[str, ...]

    def rule_for(self, path_or_url: str) -> tuple[TdmRule | None, list[str]]:
        path = request_path(path_or_url) or "/"
        norm = normalise_path(path)
        matching = [r for r in self.rules if rule_regex(r.location).match(norm)]
        if not matching:
            return None, [f"no tdmrep.json rule matches {path!r}: unset"]
        first = matching[0]  # TDMRep: "The most specific match is the first in sequence."
        diags = [
            f"rule {r.index} {r.location!r} also matches {path!r} and is longer, but rule "
            f"{first.index} {first.location!r} comes first in sequence and is used"
            for r in matching[1:]
            if len(r.location) > len(first.location)
        ]
        return first, diags

    def shadowed(self) -> list[tuple[TdmRule, TdmRule]]:
        """(earlier, later) pairs where the later rule is more specific (longer) but every
        path it names is matched by the earlier one first, so it never applies."""
        out: list[tuple[TdmRule, TdmRule]] = []
        for j, later in enumerate(self.rules):
            probe = normalise_path(later.location.removesuffix("$"))
            for earlier in self.rules[:j]:
                if len(later.location) > len(earlier.location) and rule_regex(
                    earlier.location
                ).match(probe):
                    out.append((earlier, later))
                    break
        return out


def parse_tdmrep_file(content: bytes | str) -> TdmFile:
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    data, diags = load_json_lenient(text)
    items: list[Any]
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict) and "location" in data:
        diags.append("tdmrep.json is an object, expected an array of rules; read as one rule")
        items = [data]
    elif isinstance(data, dict) and "tdm-reservation" in data:
        diags.append("tdmrep.json is an object without 'location'; read as a rule for '/'")
        items = [dict(data, location="/")]
    elif isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()) and data:
        diags.append("tdmrep.json is an object keyed by path, expected an array of rules")
        items = [dict(v, location=k) for k, v in data.items()]
    else:
        if data is not None:
            diags.append(f"tdmrep.json is a {type(data).__name__}, expected an array of rules")
        items = []
    rules: list[TdmRule] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            diags.append(f"rule {i} is not an object, ignored")
            continue
        loc = item.get("location")
        if not isinstance(loc, str) or not loc:
            diags.append(f"rule {i} has no 'location', ignored")
            continue
        if "tdm-reservation" not in item:
            diags.append(f"rule {i} ({loc!r}) has no 'tdm-reservation', ignored")
            continue
        policy = item.get("tdm-policy")
        if policy is not None and not isinstance(policy, str):
            diags.append(f"rule {i} tdm-policy {policy!r} is not a URL, ignored")
            policy = None
        rules.append(TdmRule(loc, item.get("tdm-reservation"), policy, i))
    return TdmFile(tuple(rules), tuple(diags))


def parse(
    content: bytes | str,
    *,
    source: str = "<memory>",
    agent: str = "*",
    path: str = "/",
    policy: bytes | str | None = None,
) -> ParsedSignal:
    """Read a tdmrep.json for ``path`` (path or URL); ``policy``: the fetched policy document."""
    f = parse_tdmrep_file(content)
    rule, diags = f.rule_for(path)
    all_diags = list(f.diagnostics) + diags
    if rule is None:
        return ParsedSignal(Carrier.TDMREP, source, {}, tuple(all_diags), agent=agent)
    all_diags.append(f"rule {rule.index} location {rule.location!r} applies")
    return tdm_signal(
        Carrier.TDMREP,
        source,
        agent=agent,
        reservation=rule.reservation,
        policy_url=rule.policy,
        policy=parse_policy(policy) if policy is not None and rule.policy else None,
        diagnostics=all_diags,
        textual=False,
    )
