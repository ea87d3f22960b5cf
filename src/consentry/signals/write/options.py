"""What every writer shares: the options, and the terms read in each carrier's vocabulary.

Pure: values in, values out. Mapping rules (docs/signals.md, "Writing and checking"):

* ``reserved`` -> reserve / disallow; ``licence`` -> reserve with licence terms (a TDMRep
  ODRL ``Offer`` with duties ``obtainConsent`` and ``compensate``, an RSL paid licence, a
  robots.txt ``License:`` line); ``allowed`` -> allow (RSL ``attribution`` payment where
  attribution is required).
* Yes/no vocabularies (aipref ``Content-Usage``, ``Content-Signal``, X-Robots-Tag, ai.txt)
  have no "licence": a purpose that is not ``allowed`` is written as a "no"; the licence
  offer is linked by the carriers that can carry it (tdm-policy, RSL).
* TDMRep is one bit for ``tdm``, ``ai-train``, ``ai-input`` and ``ai-index``: ``0`` only when
  all four are allowed; otherwise ``1`` (restrictive), with the licence policy only when none
  of the four is reserved (a policy would otherwise turn a reservation into an offer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from consentry.errors import SignalError
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import TermsSet
from consentry.signals.c2pa_signing import SigningCredentials
from consentry.signals.purposes import TDMREP_PURPOSES

AI_PURPOSES: tuple[Purpose, ...] = (Purpose.AI_TRAIN, Purpose.AI_INPUT, Purpose.AI_INDEX)


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """Where the site and its documents live, and who to contact.

    ``site_url``: origin of the site (``https://example.org``). ``policy_url``: where the
    TDMRep ODRL policy is served (default ``<site>/.well-known/tdm-policy.json``).
    ``licence_url``: where the RSL ``license.xml`` is served (default ``<site>/license.xml``).
    ``contact``: an e-mail address or URL for licensing requests (an e-mail address is
    written as a ``mailto:`` URL wherever a URL is due: RSL ``<custom>``, vCard).
    ``assigner_name``: the name of the party who declares the terms (the registry's party
    record when the terms come from ``--work``/``--party``), the TDMRep policy's
    ``assigner`` ``vcard:fn``. ``c2pa``: the credentials that sign a C2PA manifest.
    """

    site_url: str | None = None
    policy_url: str | None = None
    licence_url: str | None = None
    contact: str | None = None
    assigner_name: str | None = None
    c2pa: SigningCredentials | None = None  # signs the ``c2pa`` format's manifest

    def __post_init__(self) -> None:
        for name in ("site_url", "policy_url", "licence_url"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                parts = urlsplit(value)
            except ValueError:  # e.g. an unclosed "[" (an IPv6 host)
                parts = urlsplit("")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SignalError(
                    f"{name.replace('_', '-')} {value!r} is not an absolute http(s) URL",
                    field=name,
                    value=value,
                    expected="an absolute URL such as https://example.org/",
                )
        if self.contact is not None and any(c in self.contact for c in "\r\n"):
            raise SignalError(
                f"contact {self.contact!r} contains a line break",
                field="contact",
                value=self.contact,
                expected="an e-mail address or URL on one line",
            )
        if self.contact is not None:
            contact_uri(self.contact)  # refuses what is neither an address nor a URL

    def contact_url(self) -> str | None:
        """The contact as a URL: ``mailto:`` for an e-mail address, else the URL itself."""
        return contact_uri(self.contact) if self.contact is not None else None

    @property
    def origin(self) -> str | None:
        if self.site_url is None:
            return None
        p = urlsplit(self.site_url)
        return f"{p.scheme}://{p.netloc}"

    def tdm_policy_url(self) -> str | None:
        if self.policy_url is not None:
            return self.policy_url
        return f"{self.origin}/.well-known/tdm-policy.json" if self.origin else None

    def linked_rsl_url(self, terms: TermsSet) -> str | None:
        """The RSL licence URL that robots.txt (``License:``), headers and HTML (``Link`` /
        ``<link rel="license">``) point to: whenever a licence file is written, i.e. its URL
        was given (``licence_url``: it states prohibitions and free uses too), or some purpose
        is ``licence`` (then ``<site>/license.xml`` is the default)."""
        if self.licence_url is not None:
            return self.licence_url
        return self.rsl_url() if has_licence(terms) else None

    def rsl_url(self) -> str | None:
        if self.licence_url is not None:
            return self.licence_url
        return f"{self.origin}/license.xml" if self.origin else None


_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")


def contact_uri(contact: str) -> str:
    """``rights@example.org`` -> ``mailto:rights@example.org``; an absolute ``http(s):`` or
    ``mailto:`` URL is kept; anything else is refused (RSL ``<custom>`` holds a URL)."""
    value = contact.strip()
    if value.lower().startswith("mailto:") and _EMAIL.match(value[len("mailto:") :]):
        return value
    if _EMAIL.match(value):
        return f"mailto:{value}"
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in value):
        return value
    raise SignalError(
        f"contact {contact!r} is neither an e-mail address nor an absolute http(s) URL",
        field="contact",
        value=contact,
        expected="an e-mail address (rights@example.org) or a URL (https://example.org/licensing)",
    )


def allowed(terms: TermsSet, purpose: Purpose) -> bool:
    return terms.status(purpose) is Status.ALLOWED


def has_licence(terms: TermsSet) -> bool:
    return any(t.status is Status.LICENCE for t in terms.purposes.values())


def tdm_reservation(terms: TermsSet) -> tuple[int, bool]:
    """The TDMRep value for ``terms`` and whether the licence policy applies to it."""
    statuses = [terms.status(p) for p in TDMREP_PURPOSES]
    if all(s is Status.ALLOWED for s in statuses):
        return 0, False
    if any(s is Status.RESERVED for s in statuses):
        return 1, False
    return 1, True


def yes_no(terms: TermsSet, purpose: Purpose) -> bool:
    """True when a yes/no vocabulary says "yes" for ``purpose``."""
    return allowed(terms, purpose)


def content_usage(terms: TermsSet) -> str:
    """aipref ``Content-Usage`` value (vocab-07 keys): ``train-ai=n, search=y``."""
    return ", ".join(
        f"{key}={'y' if yes_no(terms, p) else 'n'}"
        for p, key in ((Purpose.AI_TRAIN, "train-ai"), (Purpose.SEARCH, "search"))
    )


def content_signal(terms: TermsSet) -> str:
    """Cloudflare ``Content-Signal`` value: ``search=yes, ai-input=no, ai-train=no``."""
    return ", ".join(
        f"{key}={'yes' if yes_no(terms, p) else 'no'}"
        for p, key in (
            (Purpose.SEARCH, "search"),
            (Purpose.AI_INPUT, "ai-input"),
            (Purpose.AI_TRAIN, "ai-train"),
        )
    )


def robots_directives(terms: TermsSet) -> list[str]:
    """X-Robots-Tag / meta robots directives.

    ``noai, noimageai`` whenever ``ai-train`` is not ``allowed`` (reserved, or licence: no
    training without one). These are the directives img2dataset-style dataset tools read:
    ``noai`` claims "do not use this page's content to train AI", ``noimageai`` "do not use
    its images to train AI" (DeviantArt / Spawning convention). consentry's reader takes them
    as reserving every AI use (tdm/ai-input/ai-index too), the restrictive reading.
    ``noindex`` when search is reserved.
    """
    out: list[str] = []
    if not allowed(terms, Purpose.AI_TRAIN):
        out += ["noai", "noimageai"]
    if terms.status(Purpose.SEARCH) is Status.RESERVED:
        out.append("noindex")
    return out


def licence_urls(terms: TermsSet) -> list[str]:
    """Distinct licence URLs named in the terms, in purpose order."""
    return list(
        dict.fromkeys(t.licence_url for t in terms.purposes.values() if t.licence_url is not None)
    )


def one_line(value: str, what: str) -> str:
    """Refuse values that would break a line-based format (header, robots line)."""
    if any(c in value for c in "\r\n\x00"):
        raise SignalError(
            f"{what} {value!r} contains a line break or NUL",
            field=what,
            value=value,
            expected="a value on one line",
        )
    return value
