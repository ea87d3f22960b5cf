"""Work and party identifiers: check digits and one canonical, scheme-prefixed form.

Canonical forms (see docs/identifiers.md):

=======  ==============================  ==========================================
scheme   canonical                        check
=======  ==============================  ==========================================
isbn     ``isbn:9780007232833``           ISBN-13 mod 10 (ISBN-10 mod 11, converted)
issn     ``issn:0317-8471``               mod 11, ``X`` = 10
isni     ``isni:000000012147913X``        ISO 7064 MOD 11-2
orcid    ``orcid:0000-0002-1825-0097``    ISO 7064 MOD 11-2
iswc     ``iswc:T0345246801``             ISWC weighted mod 10
isrc     ``isrc:USRC17607839``            structure only (no check digit)
doi      ``doi:10.1000/xyz123``           structure; lower-cased (DOIs are case-insensitive)
iscc     ``iscc:KACYPXW445FTYNJ3``        base32 alphabet and length
url      ``url:https://example.org/a``    http(s); scheme and host lower-cased,
                                           default port and fragment dropped
=======  ==============================  ==========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from consentry.errors import IdentifierError


class Scheme(StrEnum):
    ISBN = "isbn"
    ISSN = "issn"
    ISNI = "isni"
    ORCID = "orcid"
    ISWC = "iswc"
    ISRC = "isrc"
    DOI = "doi"
    ISCC = "iscc"
    URL = "url"


@dataclass(frozen=True, slots=True, order=True)
class Identifier:
    scheme: Scheme
    value: str  # canonical value without the prefix

    def __str__(self) -> str:
        return f"{self.scheme.value}:{self.value}"


_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.]")
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{2}\d{5}$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ISCC_B32 = re.compile(r"^[A-Z2-7]{10,}$")


def _err(kind: str, text: str, message: str, expected: str, field: str) -> IdentifierError:
    return IdentifierError(message, field=field, value=text, expected=expected)


def isbn13_check(body12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body12))
    return str((10 - total % 10) % 10)


def isbn10_check(body9: str) -> str:
    total = sum(int(d) * (10 - i) for i, d in enumerate(body9))
    c = (11 - total % 11) % 11
    return "X" if c == 10 else str(c)


def mod11_2_check(body: str) -> str:
    """ISO 7064 MOD 11-2 (ISNI, ORCID)."""
    total = 0
    for d in body:
        total = (total + int(d)) * 2
    c = (12 - total % 11) % 11
    return "X" if c == 10 else str(c)


def issn_check(body7: str) -> str:
    total = sum(int(d) * (8 - i) for i, d in enumerate(body7))
    c = (11 - total % 11) % 11
    return "X" if c == 10 else str(c)


def iswc_check(body9: str) -> str:
    total = 1 + sum((i + 1) * int(d) for i, d in enumerate(body9))
    return str((10 - total % 10) % 10)


def _check(name: str, text: str, given: str, expected: str, field: str, shown: str) -> None:
    if given.upper() != expected:
        raise IdentifierError(
            f"{name} {shown} has check digit {given}, expected {expected}",
            field=field,
            value=text,
            expected=f"check digit {expected}",
        )


def _isbn(text: str, raw: str, field: str) -> Identifier:
    digits = _SEPARATORS.sub("", raw).upper()
    if len(digits) == 13 and digits.isdigit():
        if not digits.startswith(("978", "979")):
            raise _err(
                "ISBN",
                text,
                f"ISBN {digits} does not start with 978 or 979",
                "an ISBN-13 starting 978 or 979",
                field,
            )
        _check("ISBN", text, digits[-1], isbn13_check(digits[:12]), field, digits)
        return Identifier(Scheme.ISBN, digits)
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        _check("ISBN", text, digits[-1], isbn10_check(digits[:9]), field, digits)
        body = "978" + digits[:9]
        return Identifier(Scheme.ISBN, body + isbn13_check(body))
    count = sum(c.isdigit() for c in digits)
    raise _err(
        "ISBN",
        text,
        f"ISBN {raw!r} has {count} digits, expected 10 or 13",
        "10 or 13 digits (ISBN-10 may end in X)",
        field,
    )


def _issn(text: str, raw: str, field: str) -> Identifier:
    d = _SEPARATORS.sub("", raw).upper()
    if len(d) != 8 or not d[:7].isdigit() or not (d[7].isdigit() or d[7] == "X"):
        raise _err(
            "ISSN",
            text,
            f"ISSN {raw!r} is not 8 characters NNNN-NNNC",
            "NNNN-NNNC, C a digit or X",
            field,
        )
    _check("ISSN", text, d[7], issn_check(d[:7]), field, f"{d[:4]}-{d[4:]}")
    return Identifier(Scheme.ISSN, f"{d[:4]}-{d[4:]}")


def _mod11_2(scheme: Scheme, name: str, text: str, raw: str, field: str) -> Identifier:
    d = _SEPARATORS.sub("", raw).upper()
    if len(d) != 16 or not d[:15].isdigit() or not (d[15].isdigit() or d[15] == "X"):
        raise _err(
            name,
            text,
            f"{name} {raw!r} is not 16 characters (15 digits and a check character)",
            "16 characters, the last a digit or X",
            field,
        )
    shown = d if scheme is Scheme.ISNI else "-".join(d[i : i + 4] for i in range(0, 16, 4))
    _check(name, text, d[15], mod11_2_check(d[:15]), field, shown)
    return Identifier(scheme, shown)


def _iswc(text: str, raw: str, field: str) -> Identifier:
    d = _SEPARATORS.sub("", raw).upper()
    if len(d) != 11 or d[0] != "T" or not d[1:].isdigit():
        raise _err(
            "ISWC", text, f"ISWC {raw!r} is not T followed by 10 digits", "T-NNN.NNN.NNN-C", field
        )
    _check("ISWC", text, d[10], iswc_check(d[1:10]), field, d)
    return Identifier(Scheme.ISWC, d)


def _isrc(text: str, raw: str, field: str) -> Identifier:
    d = _SEPARATORS.sub("", raw).upper()
    if not _ISRC.match(d):
        raise _err(
            "ISRC",
            text,
            f"ISRC {raw!r} is not CC-XXX-YY-NNNNN (12 characters)",
            "country code, 3 alphanumerics, 2-digit year, 5 digits",
            field,
        )
    return Identifier(Scheme.ISRC, d)


def _doi(text: str, raw: str, field: str) -> Identifier:
    d = raw.strip()
    for prefix in (
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
    ):
        if d.lower().startswith(prefix):
            d = d[len(prefix) :]
            break
    if not _DOI.match(d):
        raise _err(
            "DOI", text, f"DOI {raw!r} is not 10.<registrant>/<suffix>", "10.NNNN/suffix", field
        )
    return Identifier(Scheme.DOI, d.lower())


def _iscc(text: str, raw: str, field: str) -> Identifier:
    d = raw.strip().upper()
    if d.startswith("ISCC:"):
        d = d[5:]
    d = d.replace("-", "")
    if not _ISCC_B32.match(d) or len(d) % 2 != 0 and len(d) < 12:
        raise _err(
            "ISCC",
            text,
            f"ISCC {raw!r} is not a base32 ISCC code",
            "ISCC: followed by base32 (A-Z, 2-7), at least 10 characters",
            field,
        )
    return Identifier(Scheme.ISCC, d)


def _url(text: str, raw: str, field: str) -> Identifier:
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        raise _err("URL", text, f"URL {raw!r} cannot be parsed", "an http(s) URL", field) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise _err(
            "URL",
            text,
            f"URL {raw!r} is not an http(s) URL with a host",
            "http://host/... or https://host/...",
            field,
        )
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    userinfo = ""
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password else "") + "@"
    path = parts.path or "/"
    return Identifier(Scheme.URL, urlunsplit((scheme, userinfo + host, path, parts.query, "")))


def parse_identifier(text: str, *, field: str = "identifier") -> Identifier:
    """Parse any accepted form into the canonical identifier, or raise IdentifierError."""
    if not isinstance(text, str) or not text.strip():
        raise IdentifierError(
            "identifier is empty",
            field=field,
            value=text,
            expected="scheme:value, e.g. isbn:9780007232833",
        )
    s = text.strip()
    low = s.lower()
    if low.startswith(("http://", "https://")):
        host = urlsplit(s).hostname or ""
        if host in ("doi.org", "dx.doi.org"):
            return _doi(text, s, field)
        if host == "orcid.org":
            return _mod11_2(Scheme.ORCID, "ORCID", text, urlsplit(s).path.strip("/"), field)
        if host == "isni.org":
            return _mod11_2(Scheme.ISNI, "ISNI", text, urlsplit(s).path.rsplit("/", 1)[-1], field)
        return _url(text, s, field)
    if low.startswith("urn:isbn:"):
        return _isbn(text, s[9:], field)
    m = re.match(r"^([A-Za-z]+)[:\s]\s*(.*)$", s)
    if m and m.group(1).lower() in {sch.value for sch in Scheme}:
        scheme, raw = Scheme(m.group(1).lower()), m.group(2)
        if scheme is Scheme.ISCC:
            raw = s.split(":", 1)[1] if ":" in s else raw
            return _iscc(text, raw, field)
        if not raw.strip():
            raise IdentifierError(
                f"{scheme.value} identifier {text!r} has no value",
                field=field,
                value=text,
                expected=f"{scheme.value}:VALUE",
            )
        return _PARSERS[scheme](text, raw, field)
    if m and m.group(1).upper() == "ISCC":
        return _iscc(text, s, field)
    bare = _SEPARATORS.sub("", s).upper()
    if bare.isdigit() or (len(bare) == 10 and bare[:9].isdigit() and bare[9] == "X"):
        return _isbn(text, s, field)
    if s.startswith("10.") and "/" in s:
        return _doi(text, s, field)
    raise IdentifierError(
        f"identifier {text!r} has no known scheme",
        field=field,
        value=text,
        expected="scheme:value with scheme one of "
        + ", ".join(x.value for x in Scheme)
        + ", or a bare ISBN",
    )


def _isni(text: str, raw: str, field: str) -> Identifier:
    return _mod11_2(Scheme.ISNI, "ISNI", text, raw, field)


def _orcid(text: str, raw: str, field: str) -> Identifier:
    r = raw.strip()
    if r.lower().startswith(("https://orcid.org/", "http://orcid.org/")):
        r = urlsplit(r).path.strip("/")
    return _mod11_2(Scheme.ORCID, "ORCID", text, r, field)


_PARSERS = {
    Scheme.ISBN: _isbn,
    Scheme.ISSN: _issn,
    Scheme.ISNI: _isni,
    Scheme.ORCID: _orcid,
    Scheme.ISWC: _iswc,
    Scheme.ISRC: _isrc,
    Scheme.DOI: _doi,
    Scheme.URL: _url,
}


def try_parse_identifier(text: str) -> Identifier | None:
    try:
        return parse_identifier(text)
    except IdentifierError:
        return None
