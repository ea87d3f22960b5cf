"""W3C TDMRep: ``/.well-known/tdmrep.json`` and its ODRL ``Offer`` policy.

One rule for the whole site (``location: "/"``). The ``tdm-policy`` link and the policy go
with ``tdm-reservation: 1`` only when the reserved purposes are all ``licence`` (see
:func:`consentry.signals.write.options.tdm_reservation`). The policy is an ODRL 2.2 ``Offer``
under the TDMRep profile permitting ``tdm:mine`` with the duties ``obtainConsent`` and
``compensate`` (licence = advance authorisation on payment terms), and always an
``assigner`` (the spec's MUST): the contact and the declaring party's name.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals.write.options import WriteOptions, licence_urls, tdm_reservation

ODRL_CONTEXT = ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"]
TDMREP_PROFILE = "http://www.w3.org/ns/tdmrep"


def rules(terms: TermsSet, options: WriteOptions | None = None) -> list[dict[str, Any]]:
    opts = options or WriteOptions()
    value, with_policy = tdm_reservation(terms)
    rule: dict[str, Any] = {"location": "/", "tdm-reservation": value}
    policy = opts.tdm_policy_url()
    if with_policy and policy:
        rule["tdm-policy"] = policy
    return [rule]


def render(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    return (json.dumps(rules(terms, options), indent=2) + "\n").encode("utf-8")


def policy(terms: TermsSet, options: WriteOptions | None = None) -> dict[str, Any]:
    """The ODRL Offer for ``terms``; raises SignalError when no TDMRep purpose is licensed."""
    opts = options or WriteOptions()
    value, with_policy = tdm_reservation(terms)
    if not with_policy:
        raise SignalError(
            "terms have no TDMRep licence to offer (tdm-reservation is "
            f"{value}{' with a reserved purpose' if value else ''}); a policy is written "
            "only when every reserved TDM/AI purpose is 'licence'",
            field="format",
            value="tdmrep-policy",
            expected="terms with licence for the reserved purposes among tdm, ai-*",
        )
    uid = opts.tdm_policy_url()
    if uid is None:
        digest = hashlib.sha256(json.dumps(terms.as_dict(), sort_keys=True).encode()).hexdigest()
        uid = f"urn:consentry:tdm-policy:{digest[:16]}"
    permission: dict[str, Any] = {
        "action": "tdm:mine",
        "duty": [{"action": "obtainConsent"}, {"action": "compensate"}],
    }
    if opts.origin:
        permission["target"] = f"{opts.origin}/"
    doc: dict[str, Any] = {
        "@context": ODRL_CONTEXT,
        "@type": "Offer",
        "profile": TDMREP_PROFILE,
        "uid": uid,
        "permission": [permission],
    }
    doc["assigner"] = assigner(terms, opts)
    return doc


def assigner(terms: TermsSet, options: WriteOptions) -> dict[str, Any]:
    """The policy's ``assigner`` vCard: ``vcard:fn`` (the declaring party's name),
    ``vcard:hasEmail`` (``mailto:``) or ``vcard:hasURL`` from the contact, and the licence
    URL. TDMRep s7.1.4: "A Policy MUST contain one assigner property"; a policy with
    nobody to ask is refused (SignalError) rather than written without one."""
    card: dict[str, Any] = {}
    if options.assigner_name:
        card["vcard:fn"] = options.assigner_name
    contact = options.contact_url()
    if contact is not None:
        card["vcard:hasEmail" if contact.startswith("mailto:") else "vcard:hasURL"] = contact
    if not card:
        raise SignalError(
            "a TDMRep policy needs its assigner (TDMRep s7.1.4: a Policy MUST contain one "
            "assigner property): give --contact, or write the terms of a registered --work or "
            "--party so the party's record names it",
            field="contact",
            value=None,
            expected="--contact EMAIL-OR-URL, or --work / --party",
        )
    urls = licence_urls(terms)
    if urls:
        card.setdefault("vcard:hasURL", urls[0])
    return card


def render_policy(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    return (json.dumps(policy(terms, options), indent=2) + "\n").encode("utf-8")
