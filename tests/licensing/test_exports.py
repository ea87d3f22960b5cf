"""Offers exported as an ODRL 2.2 ``Offer`` (JSON-LD) and an RSL 1.0 ``license.xml``; the RSL
goes back through consentry's own RSL reader (signals/rsl.py) and says what was offered."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from lxml import etree

from consentry.errors import SignalError
from consentry.licensing.exports import odrl_offer, rsl_licence
from consentry.licensing.terms import Offer, OfferScope, make_terms
from consentry.registry.purposes import Purpose
from consentry.signals import rsl
from consentry.signals.model import SignalStatus

AT = datetime(2026, 1, 1, tzinfo=UTC)
RSL = "{https://rslstandard.org/rsl}"


def offer(
    scope: OfferScope = OfferScope.WORK, parties: tuple[str, ...] = ("p1",), **terms: object
) -> Offer:
    args: dict[str, object] = {"purposes": ["ai-train"], "fee_model": "per-work", **terms}
    if args["fee_model"] == "per-work":
        args.setdefault("amount", "5000")
        args.setdefault("currency", "GBP")
    return Offer("of1", scope, "w1", make_terms(**args), parties, AT, "admin:registry")  # type: ignore[arg-type]


def test_odrl_offer_has_what_the_model_requires() -> None:
    o = offer(term_days=1095, territory="GB", attribution="{title} by {creators}",
              sub_uses=["rag"], conditions=["no more than 200 consecutive words"])  # fmt: skip
    policy = odrl_offer(o, ["p1"], {"p1": "Ann Author"})
    assert json.loads(json.dumps(policy)) == policy  # plain JSON
    assert policy["@context"][0] == "http://www.w3.org/ns/odrl.jsonld"
    # ODRL IM 2.2 §2.1.3: "An Offer Policy MUST contain an assigner property"; §2.1: a Policy
    # MUST have one uid and at least one permission, prohibition or obligation.
    assert policy["@type"] == "Offer"
    assert policy["uid"] == "urn:consentry:offer:of1"
    assert policy["assigner"] == {
        "@type": "Party", "uid": "urn:consentry:party:p1", "vcard:fn": "Ann Author"
    }  # fmt: skip
    [perm] = policy["permission"]
    assert perm["target"] == "urn:consentry:work:w1" and perm["action"] == "use"
    constraints = {c["leftOperand"]: c for c in perm["constraint"]}
    assert constraints["purpose"]["rightOperand"] == ["consentry:ai-train"]
    assert constraints["spatial"]["rightOperand"] == "urn:iso:3166:GB"
    assert constraints["elapsedTime"]["rightOperand"]["@value"] == "P1095D"
    duties = {d["action"]: d for d in perm["duty"]}
    [pay] = duties["compensate"]["constraint"]
    assert pay["leftOperand"] == "payAmount"
    assert pay["rightOperand"] == {"@value": "5000", "@type": "xsd:decimal"}
    assert pay["unit"] == "http://cvx.iptc.org/iso4217a/GBP"
    assert duties["attribute"]["consentry:creditLine"] == "{title} by {creators}"
    assert policy["consentry:subUses"] == ["rag"]
    assert policy["consentry:conditions"] == ["no more than 200 consecutive words"]


def test_odrl_scheme_offer_targets_a_collection_and_several_licensors_a_party_collection() -> None:
    policy = odrl_offer(offer(OfferScope.SCHEME, ()), ["org"], {})
    assert policy["permission"][0]["target"] == {
        "@type": "AssetCollection", "uid": "urn:consentry:scheme:w1"
    }  # fmt: skip
    two = odrl_offer(offer(parties=("a", "b")), ["a", "b"], {"a": "A", "b": "B"})
    assert two["assigner"]["@type"] == "PartyCollection"
    assert [m["vcard:fn"] for m in two["assigner"]["consentry:members"]] == ["A", "B"]


def test_rsl_round_trip_through_consentrys_reader() -> None:
    body = rsl_licence(
        offer(purposes=["ai-train", "ai-input"], territory="GB"),
        url="https://example.org/books/emma",
        request_url="https://registry.example/v1/offers/of1/requests",
    )
    root = etree.fromstring(body)
    assert root.tag == f"{RSL}rsl"
    [content] = root
    assert content.tag == f"{RSL}content" and content.get("url") == "https://example.org/books/emma"
    [lic] = content
    geo = [p.text for p in lic if p.tag == f"{RSL}permits" and p.get("type") == "geo"]
    assert geo == ["GB"]
    contents, diags = rsl.parse_document(body)
    assert diags == []
    [licence] = contents[0].licences
    assert licence.permits == ("ai-input", "ai-train")  # RSL 1.0: space-separated tokens
    assert licence.payment == "training"
    assert licence.amount == "5000 GBP"
    assert licence.urls == ("https://registry.example/v1/offers/of1/requests",)
    signal = rsl.parse(body, url="https://example.org/books/emma")
    assert {p: s for p, s in signal.purposes.items() if s is not SignalStatus.UNKNOWN} == {
        Purpose.AI_TRAIN: SignalStatus.LICENCE, Purpose.AI_INPUT: SignalStatus.LICENCE
    }  # fmt: skip


def test_rsl_free_attribution_reads_as_allowed_with_attribution() -> None:
    body = rsl_licence(offer(purposes=["ai-input"], fee_model="free-attribution"))
    signal = rsl.parse(body)
    known = {p: s for p, s in signal.purposes.items() if s is not SignalStatus.UNKNOWN}
    assert known == {Purpose.AI_INPUT: SignalStatus.ALLOWED}
    assert "allowed with attribution" in signal.diagnostics
    assert b'url="urn:consentry:work:w1"' in body


def test_rsl_cannot_name_tdm_alone() -> None:
    with pytest.raises(SignalError) as err:
        rsl_licence(offer(purposes=["tdm"], fee_model="free-attribution"))
    assert "odrl" in err.value.message
