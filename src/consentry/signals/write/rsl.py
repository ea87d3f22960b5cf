"""RSL 1.0 ``license.xml`` from terms.

One ``<content url>`` (the site, or ``/``) with one ``<license>`` per kind of offer:

* allowed purposes: ``<payment type="free"/>``, or ``attribution`` where attribution is
  required;
* licensed purposes: ``<payment type="training">`` for ``ai-train``, ``use`` for the others,
  with ``<custom>`` naming the purpose's licence URL (or the contact: RSL's ``<custom>``
  is "a URL of a bespoke licensing process", so an e-mail address becomes ``mailto:``);
* reserved purposes: ``<prohibits type="usage">`` in the first licence (prohibits win over
  permits in every licence).

RSL has no token for ``tdm`` alone: when all five purposes share one status the single token
``all`` says it for all of them (``tdm`` included); when nothing but ``tdm`` could be offered,
``all`` is prohibited (``tdm`` reserved with the rest); otherwise ``tdm`` is not expressed.
"""

from __future__ import annotations

from lxml import etree

from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.terms import TermsSet
from consentry.signals.purposes import RSL_WRITE
from consentry.signals.write.options import WriteOptions

RSL_NS = "https://rslstandard.org/rsl"


def _offers(
    terms: TermsSet, options: WriteOptions
) -> tuple[list[tuple[str, str | None, list[str]]], list[str]]:
    """``[(payment, url, tokens)]`` and the prohibited tokens."""
    statuses = {terms.status(p) for p in ALL_PURPOSES}
    uniform = len(statuses) == 1
    tokens: dict[Purpose, str] = (
        {Purpose.TDM: "all"} if uniform else {p: t for p, t in RSL_WRITE.items()}
    )
    offers: dict[tuple[str, str | None], list[str]] = {}
    prohibited: list[str] = []
    for p, token in tokens.items():
        t = terms.purposes[p]
        if t.status is Status.RESERVED:
            prohibited.append(token)
            continue
        if t.status is Status.ALLOWED:
            key: tuple[str, str | None] = (
                "attribution" if t.attribution_required else "free",
                None,
            )
        else:
            payment = "training" if p is Purpose.AI_TRAIN else "use"
            key = (payment, t.licence_url or options.contact_url())
        offers.setdefault(key, []).append(token)
    return [(pay, url, toks) for (pay, url), toks in offers.items()], prohibited


def render(terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    opts = options or WriteOptions()
    root = etree.Element(f"{{{RSL_NS}}}rsl", nsmap={None: RSL_NS})  # type: ignore[dict-item]
    content = etree.SubElement(root, f"{{{RSL_NS}}}content")
    content.set("url", f"{opts.origin}/" if opts.origin else "/")
    offers, prohibited = _offers(terms, opts)
    if not offers:
        # Nothing to offer: a <license> without <permits> covers "all", so it prohibits
        # "all" (tdm, which RSL cannot name alone, is then reserved too: restrictive).
        offers, prohibited = [("free", None, [])], ["all"]
    for i, (payment, url, tokens) in enumerate(offers):
        lic = etree.SubElement(content, f"{{{RSL_NS}}}license")
        if tokens:
            permits = etree.SubElement(lic, f"{{{RSL_NS}}}permits", type="usage")
            permits.text = " ".join(tokens)
        if i == 0 and prohibited:
            pro = etree.SubElement(lic, f"{{{RSL_NS}}}prohibits", type="usage")
            pro.text = " ".join(prohibited)
        pay = etree.SubElement(lic, f"{{{RSL_NS}}}payment", type=payment)
        if url:
            custom = etree.SubElement(pay, f"{{{RSL_NS}}}custom")
            custom.text = url
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
