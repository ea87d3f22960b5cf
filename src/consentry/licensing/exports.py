"""An offer as an ODRL 2.2 ``Offer`` (JSON-LD) and as an RSL 1.0 ``license.xml``.

**ODRL** (W3C Recommendation, 15 Feb 2018). One policy of ``@type`` ``Offer`` ("An Offer
Policy MUST contain an assigner property", ODRL IM §2.1.3) with ``uid``, ``assigner`` (the
licensors: one ``Party``, or a ``PartyCollection`` naming several), one ``permission``
whose ``target`` is the work, the catalogue or the scheme (an ``AssetCollection``), action
``use``, and constraints ``purpose`` (``isAnyOf`` consentry's purpose names), ``spatial``
(the territory, unless WORLD) and ``elapsedTime`` (the term, an ``xsd:duration``). The
fee is a ``compensate`` duty with a ``payAmount`` constraint whose ``unit`` is the IPTC
ISO 4217 IRI (the ODRL vocabulary's own example form); credit is an ``attribute`` duty.
What ODRL has no term for (fee model, unit of a per-unit price, revenue share, sub-uses,
free-text conditions) goes into ``consentry:`` properties, so nothing is lost.

**RSL** (RSL-SPEC-1.0). One ``<content url>`` (the URL given, or a ``urn:consentry:``
name of the work, catalogue or scheme) with one ``<license>``: ``<permits type="usage">``
the purposes' RSL tokens, ``<permits type="geo">`` the territory unless WORLD, and a
``<payment>`` of type ``attribution`` (free-attribution), ``training`` (a licence with
``ai-train``) or ``use`` (the rest), with ``<custom>`` the URL where the offer is
requested (when given) and ``<amount currency>`` for a per-work fee. RSL has no place for a
term, conditions, a per-unit price's unit or a revenue share: those are in the ODRL export
only (docs/licensing.md). RSL has no token for ``tdm`` alone (``all`` would license every
use): an offer naming ``tdm`` is refused for RSL, naming the ODRL export instead.

Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from consentry.errors import SignalError
from consentry.licensing.terms import FeeModel, Offer, OfferScope
from consentry.registry.purposes import Purpose
from consentry.registry.territories import WORLD
from consentry.signals.purposes import RSL_WRITE
from consentry.signals.write.rsl import RSL_NS

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
CONSENTRY_NS = "https://consentry.org/ns/licensing#"
ISO4217_IRI = "http://cvx.iptc.org/iso4217a/"


def subject_urn(offer: Offer) -> str:
    kind = {OfferScope.WORK: "work", OfferScope.PARTY: "catalogue", OfferScope.SCHEME: "scheme"}
    return f"urn:consentry:{kind[offer.scope]}:{offer.subject_id}"


def _party(party_id: str, names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "Party", "uid": f"urn:consentry:party:{party_id}"}
    if party_id in names:
        out["vcard:fn"] = names[party_id]
    return out


def _assigner(offer: Offer, licensors: list[str], names: Mapping[str, str]) -> dict[str, Any]:
    if len(licensors) == 1:
        return _party(licensors[0], names)
    return {
        "@type": "PartyCollection",
        "uid": f"urn:consentry:offer:{offer.id}:licensors",
        "consentry:members": [_party(p, names) for p in licensors],
    }


def _duties(offer: Offer) -> list[dict[str, Any]]:
    t = offer.terms
    duties: list[dict[str, Any]] = []
    if t.fee_model in (FeeModel.PER_WORK, FeeModel.PER_UNIT) and t.amount is not None:
        pay: dict[str, Any] = {
            "leftOperand": "payAmount",
            "operator": "eq",
            "rightOperand": {"@value": str(t.amount), "@type": "xsd:decimal"},
            "unit": f"{ISO4217_IRI}{t.currency}",
        }
        duty: dict[str, Any] = {"action": "compensate", "constraint": [pay]}
        if t.unit is not None:
            duty["consentry:perUnit"] = t.unit.value
        duties.append(duty)
    elif t.fee_model is FeeModel.REVENUE_SHARE:
        duties.append({"action": "compensate", "consentry:revenueSharePercent": str(t.amount)})
    if t.attribution is not None:
        duties.append({"action": "attribute", "consentry:creditLine": t.attribution})
    return duties


def odrl_offer(offer: Offer, licensors: list[str], names: Mapping[str, str]) -> dict[str, Any]:
    """The ODRL ``Offer`` (a JSON-LD object)."""
    t = offer.terms
    constraints: list[dict[str, Any]] = [
        {
            "leftOperand": "purpose",
            "operator": "isAnyOf",
            "rightOperand": [f"consentry:{p.value}" for p in t.purposes],
        }
    ]
    if t.territory != WORLD:
        constraints.append(
            {
                "leftOperand": "spatial",
                "operator": "eq",
                "rightOperand": f"urn:iso:3166:{t.territory}",
            }
        )
    if t.term_days is not None:
        constraints.append(
            {
                "leftOperand": "elapsedTime",
                "operator": "lteq",
                "rightOperand": {"@value": f"P{t.term_days}D", "@type": "xsd:duration"},
            }
        )
    target: Any = subject_urn(offer)
    if offer.scope is not OfferScope.WORK:
        target = {"@type": "AssetCollection", "uid": target}
    permission: dict[str, Any] = {"target": target, "action": "use", "constraint": constraints}
    duties = _duties(offer)
    if duties:
        permission["duty"] = duties
    return {
        "@context": [
            ODRL_CONTEXT,
            {
                "vcard": "http://www.w3.org/2006/vcard/ns#",
                "xsd": "http://www.w3.org/2001/XMLSchema#",
                "consentry": CONSENTRY_NS,
            },
        ],
        "@type": "Offer",
        "uid": f"urn:consentry:offer:{offer.id}",
        "assigner": _assigner(offer, licensors, names),
        "permission": [permission],
        "consentry:feeModel": t.fee_model.value,
        "consentry:subUses": [s.value for s in t.sub_uses],
        "consentry:conditions": list(t.conditions),
        "consentry:territory": t.territory,
    }


def _payment_type(offer: Offer) -> str:
    if offer.terms.fee_model is FeeModel.FREE_ATTRIBUTION:
        return "attribution"
    return "training" if Purpose.AI_TRAIN in offer.terms.purposes else "use"


def rsl_licence(offer: Offer, *, url: str | None = None, request_url: str | None = None) -> bytes:
    """The RSL 1.0 ``license.xml`` of the offer."""
    t = offer.terms
    if Purpose.TDM in t.purposes:
        raise SignalError(
            f"offer {offer.id} licenses tdm, which RSL 1.0 cannot name alone (its token 'all' "
            "would license every use); export it as odrl instead",
            field="format",
            value="rsl",
            expected="odrl for an offer that names tdm",
        )
    root = etree.Element(f"{{{RSL_NS}}}rsl", nsmap={None: RSL_NS})  # type: ignore[dict-item]
    content = etree.SubElement(root, f"{{{RSL_NS}}}content", url=url or subject_urn(offer))
    lic = etree.SubElement(content, f"{{{RSL_NS}}}license")
    usage = etree.SubElement(lic, f"{{{RSL_NS}}}permits", type="usage")
    usage.text = " ".join(RSL_WRITE[p] for p in t.purposes)
    if t.territory != WORLD:
        geo = etree.SubElement(lic, f"{{{RSL_NS}}}permits", type="geo")
        geo.text = t.territory
    pay = etree.SubElement(lic, f"{{{RSL_NS}}}payment", type=_payment_type(offer))
    if request_url:
        custom = etree.SubElement(pay, f"{{{RSL_NS}}}custom")
        custom.text = request_url
    if t.fee_model is FeeModel.PER_WORK and t.amount is not None:
        amount = etree.SubElement(pay, f"{{{RSL_NS}}}amount", currency=t.currency or "")
        amount.text = str(t.amount)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
