"""The works a campaign names, and their machine-readable twins: ``works.csv``,
``works.json`` and an ODRL 2.2 policy (licensing.md 3.2 item 9).

Pure: values in, bytes out. The ODRL policy reuses the registry's TDMRep export
(``consentry.signals.write.tdmrep``: its context, profile and ``tdm:mine`` action with the
duties ``obtainConsent`` and ``compensate`` for ``licence``); the other purposes are ODRL
``use`` refined by a ``purpose`` constraint with the registry's purpose names, since ODRL and
TDMRep have no actions for them. Works with the same terms share one rule set, whose target
is an ``AssetCollection`` of ``urn:consentry:work:ID`` with the works' identifiers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from consentry.registry.mandates import Mandate
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.signals.write.tdmrep import ODRL_CONTEXT, TDMREP_PROFILE

REPERTOIRE_VERSION = 1


@dataclass(frozen=True, slots=True)
class MemberTerms:
    member_id: str
    name: str
    mandate_id: str
    terms: tuple[tuple[Purpose, Status], ...]  # every purpose, in vocabulary order

    def as_dict(self) -> dict[str, str]:
        return {p.value: s.value for p, s in self.terms}


@dataclass(frozen=True, slots=True)
class RepertoireWork:
    work_id: str
    title: str
    identifiers: tuple[str, ...]
    members: tuple[MemberTerms, ...]  # the mandated members who hold rights in it


@dataclass(frozen=True, slots=True)
class Attachments:
    works_csv: bytes
    works_json: bytes
    odrl_json: bytes
    mandates_csv: bytes

    def items(self) -> list[tuple[str, str, bytes]]:
        """``(filename, media type, bytes)`` in the order they are attached."""
        out = [
            ("works.csv", "text/csv", self.works_csv),
            ("works.json", "application/json", self.works_json),
            ("policy.odrl.json", "application/ld+json", self.odrl_json),
        ]
        if self.mandates_csv:
            out.append(("mandates.csv", "text/csv", self.mandates_csv))
        return out

    def sha256s(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, _, data in self.items()}


def works_csv(works: Sequence[RepertoireWork]) -> bytes:
    """One row per work and member: ids, title, identifiers (``;``), the member's terms."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(
        [
            "work_id",
            "title",
            "identifiers",
            "member_id",
            "member_name",
            "mandate_id",
            *(p.value for p in ALL_PURPOSES),
        ]
    )
    for work in works:
        ids = ";".join(work.identifiers)
        for m in work.members:
            terms = m.as_dict()
            w.writerow(
                [
                    work.work_id,
                    work.title,
                    ids,
                    m.member_id,
                    m.name,
                    m.mandate_id,
                    *(terms[p.value] for p in ALL_PURPOSES),
                ]
            )
    return out.getvalue().encode("utf-8")


def mandates_csv(mandates: Sequence[tuple[Mandate, str]]) -> bytes:
    """The mandates a campaign acts under, one a row (the letter lists the first ones)."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(
        [
            "mandate_id",
            "member_id",
            "member_name",
            "purposes",
            "territories",
            "valid_from",
            "valid_until",
            "evidence",
        ]
    )
    for m, name in mandates:
        w.writerow(
            [
                m.id,
                m.member_id,
                name,
                ";".join(sorted(p.value for p in m.purposes)),
                ";".join(sorted(m.territories)),
                m.valid_from.isoformat(),
                m.valid_until.isoformat() if m.valid_until else "",
                m.evidence,
            ]
        )
    return out.getvalue().encode("utf-8")


def works_json(meta: dict[str, Any], works: Sequence[RepertoireWork]) -> bytes:
    """``{"version", "campaign": meta, "works": [{work_id, title, identifiers, members:
    [{member_id, name, mandate_id, terms}]}]}`` as compact UTF-8 JSON."""
    doc = {
        "version": REPERTOIRE_VERSION,
        "campaign": meta,
        "works": [
            {
                "work_id": w.work_id,
                "title": w.title,
                "identifiers": list(w.identifiers),
                "members": [
                    {
                        "member_id": m.member_id,
                        "name": m.name,
                        "mandate_id": m.mandate_id,
                        "terms": m.as_dict(),
                    }
                    for m in w.members
                ],
            }
            for w in works
        ],
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def combined(work: RepertoireWork) -> tuple[tuple[Purpose, Status], ...]:
    """The work's terms across its mandated members: per purpose the most restrictive."""
    order = {Status.RESERVED: 0, Status.LICENCE: 1, Status.ALLOWED: 2}
    out = []
    for p in ALL_PURPOSES:
        statuses = [dict(m.terms)[p] for m in work.members] or [Status.RESERVED]
        out.append((p, min(statuses, key=order.__getitem__)))
    return tuple(out)


def _action(purpose: Purpose) -> dict[str, Any] | str:
    if purpose is Purpose.TDM:
        return "tdm:mine"
    return {
        "rdf:value": {"@id": "odrl:use"},
        "refinement": [{"leftOperand": "purpose", "operator": "eq", "rightOperand": purpose.value}],
    }


def _rules(terms: tuple[tuple[Purpose, Status], ...], target: str) -> dict[str, Any]:
    permission: list[dict[str, Any]] = []
    prohibition: list[dict[str, Any]] = []
    for p, s in terms:
        rule: dict[str, Any] = {"target": target, "action": _action(p)}
        if s is Status.RESERVED:
            prohibition.append(rule)
        elif s is Status.LICENCE:
            rule["duty"] = [{"action": "obtainConsent"}, {"action": "compensate"}]
            permission.append(rule)
        else:
            permission.append(rule)
    out: dict[str, Any] = {}
    if permission:
        out["permission"] = permission
    if prohibition:
        out["prohibition"] = prohibition
    return out


def odrl_policy(
    *, uid: str, assigner: dict[str, Any], works: Sequence[RepertoireWork]
) -> dict[str, Any]:
    """One ODRL ``Set`` per group of works with the same combined terms, in a ``@graph``."""
    groups: dict[tuple[tuple[Purpose, Status], ...], list[RepertoireWork]] = {}
    for w in works:
        groups.setdefault(combined(w), []).append(w)
    graph = []
    for n, (terms, members) in enumerate(groups.items(), start=1):
        target = f"{uid}:works:{n}"
        policy: dict[str, Any] = {
            "@type": "Set",
            "uid": f"{uid}:{n}",
            "profile": TDMREP_PROFILE,
            "assigner": assigner,
            "target": {
                "@type": "AssetCollection",
                "uid": target,
                "hasPart": [
                    {"uid": f"urn:consentry:work:{w.work_id}", "identifiers": list(w.identifiers)}
                    for w in members
                ],
            },
        }
        policy.update(_rules(terms, target))
        graph.append(policy)
    return {"@context": ODRL_CONTEXT, "uid": uid, "@graph": graph}


def attachments(
    *,
    meta: dict[str, Any],
    assigner: dict[str, Any],
    works: Sequence[RepertoireWork],
    mandates: Sequence[tuple[Mandate, str]],
) -> Attachments:
    uid = f"urn:consentry:campaign:{meta['campaign_id']}"
    policy = odrl_policy(uid=uid, assigner=assigner, works=works)
    return Attachments(
        works_csv=works_csv(works),
        works_json=works_json(meta, works),
        odrl_json=json.dumps(policy, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        mandates_csv=mandates_csv(mandates),
    )


def parse_works_json(data: bytes) -> list[RepertoireWork]:
    """The works of a ``works.json`` this module wrote (the campaign's snapshot)."""
    doc = json.loads(data)
    return [
        RepertoireWork(
            w["work_id"],
            w["title"],
            tuple(w["identifiers"]),
            tuple(
                MemberTerms(
                    m["member_id"],
                    m["name"],
                    m["mandate_id"],
                    tuple((p, Status(m["terms"][p.value])) for p in ALL_PURPOSES),
                )
                for m in w["members"]
            ),
        )
        for w in doc["works"]
    ]
