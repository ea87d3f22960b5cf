"""Work and party identifiers: check digits and one canonical, scheme-prefixed form.

Every accepted spelling of an identifier parses to one :class:`Identifier` whose ``str`` is
its canonical form (the full list of accepted inputs is in docs/identifiers.md):

=======  ==============================  ==============================================
scheme   canonical                        check
=======  ==============================  ==============================================
isbn     ``isbn:9780007232833``           ISBN-13 mod 10 (ISBN-10 mod 11, then converted)
issn     ``issn:0317-8471``               mod 11, ``X`` = 10
isni     ``isni:000000012147913X``        ISO 7064 MOD 11-2
orcid    ``orcid:0000-0002-1825-0097``    ISO 7064 MOD 11-2
iswc     ``iswc:T0345246801``             ISWC weighted mod 10
isrc     ``isrc:USRC17607839``            structure and country code (no check digit)
doi      ``doi:10.1000/xyz123``           structure; lower-cased (DOIs are case-insensitive)
iscc     ``iscc:KACYPXW445FTYNJ3CY...``   base32, header and body length (ISO 24138)
url      ``url:https://example.org/a``    http(s); scheme and host lower-cased,
                                           default port and fragment dropped
=======  ==============================  ==============================================

Pure: no I/O. Parsing untrusted text raises :class:`~consentry.errors.IdentifierError` and
nothing else.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from consentry.caches import BoundedCache
from consentry.errors import IdentifierError
from consentry.limits import ECHO, MAX_IDENTIFIER
from consentry.registry.iscc import iscc_problem

__all__ = [
    "Identifier",
    "Scheme",
    "isbn10_check",
    "isbn13_check",
    "issn_check",
    "iswc_check",
    "mod11_2_check",
    "parse_identifier",
    "try_parse_identifier",
]


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
    """A validated identifier; ``value`` is the canonical value without the prefix.

    Constructing one directly validates too: ``Identifier(Scheme.ISBN, "978-0-00-723283-3")``
    raises, because the value is not canonical (``parse_identifier`` accepts that spelling).
    """

    scheme: Scheme
    value: str

    def __post_init__(self) -> None:
        try:
            scheme = Scheme(self.scheme)
        except ValueError:
            raise IdentifierError(
                f"identifier scheme {self.scheme!r} is unknown",
                field="scheme",
                value=self.scheme,
                expected="one of " + ", ".join(s.value for s in Scheme),
            ) from None
        object.__setattr__(self, "scheme", scheme)
        if not isinstance(self.value, str):
            raise IdentifierError(
                f"{scheme.value} value must be text, got {type(self.value).__name__}",
                field="value",
                value=self.value,
                expected="a canonical identifier value",
            )
        canonical = _CANONICALISE[scheme](self.value, self.value, "value")
        if canonical != self.value:
            raise IdentifierError(
                f"{scheme.value} value {self.value!r} is not canonical, expected {canonical!r}",
                field="value",
                value=self.value,
                expected=canonical,
            )

    def __str__(self) -> str:
        return f"{self.scheme.value}:{self.value}"


def _make(scheme: Scheme, value: str) -> Identifier:
    """Build an Identifier from a value this module has just canonicalised (no re-check)."""
    ident = object.__new__(Identifier)
    object.__setattr__(ident, "scheme", scheme)
    object.__setattr__(ident, "value", value)
    return ident


# --- check digits -------------------------------------------------------------------------


def isbn13_check(body12: str) -> str:
    """ISBN-13 / EAN-13 check digit: weights 1,3,1,3...; (10 - sum mod 10) mod 10."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return str((10 - total % 10) % 10)


def isbn10_check(body9: str) -> str:
    """ISBN-10 check character: weights 10..2, mod 11, 10 written ``X``."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(body9))
    c = (11 - total % 11) % 11
    return "X" if c == 10 else str(c)


def issn_check(body7: str) -> str:
    """ISSN check character: weights 8..2, mod 11, 10 written ``X``."""
    total = sum(int(d) * (8 - i) for i, d in enumerate(body7))
    c = (11 - total % 11) % 11
    return "X" if c == 10 else str(c)


def mod11_2_check(body: str) -> str:
    """ISO 7064 MOD 11-2 check character (ISNI, ORCID), 10 written ``X``."""
    total = 0
    for d in body:
        total = (total + int(d)) * 2
    c = (12 - total % 11) % 11
    return "X" if c == 10 else str(c)


def iswc_check(body9: str) -> str:
    """ISWC check digit: (10 - (1 + sum(i * d_i, i = 1..9)) mod 10) mod 10."""
    total = 1 + sum((i + 1) * int(d) for i, d in enumerate(body9))
    return str((10 - total % 10) % 10)


# --- helpers ------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]")
_NOT_DIGIT = re.compile(r"[^0-9]")
_NOT_DIGIT_OR_X = re.compile(r"[^0-9Xx]")


def _digits(s: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts ``'²'`` and other scripts' digits)."""
    return s.isascii() and s.isdigit()


def _compact(raw: str) -> str:
    """NFKC (full-width digits become ASCII), separators removed, upper-cased."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


def _bad(message: str, text: str, expected: str, field: str) -> IdentifierError:
    return IdentifierError(message, field=field, value=text, expected=expected)


def _check(name: str, text: str, shown: str, given: str, expected: str, field: str) -> None:
    if given != expected:
        raise IdentifierError(
            f"{name} {shown} has check digit {given}, expected {expected}",
            field=field,
            value=text,
            expected=f"check digit {expected}",
        )


# --- one canonicaliser per scheme: (raw, text, field) -> canonical value -------------------


def _isbn(raw: str, text: str, field: str) -> str:
    loose = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    d = loose.upper()
    expected = "10 or 13 digits, an ISBN-10 may end in X"
    stray = _NOT_DIGIT.search(loose[:-1]) or _NOT_DIGIT_OR_X.search(loose[-1:])
    if stray:
        raise _bad(
            f"ISBN {raw.strip()!r} contains {stray.group()!r}, expected digits"
            " (an ISBN-10 may end in X)",
            text,
            expected,
            field,
        )
    if len(d) == 13 and d[12] == "X":
        raise _bad(f"ISBN {d} ends in X, which only an ISBN-10 may", text, expected, field)
    if len(d) == 13:
        if not d.startswith(("978", "979")) or d.startswith("9790"):
            raise _bad(
                f"ISBN {d} starts with {d[:4]}, expected 978 or 9791-9799",
                text,
                "an ISBN-13 starting 978 or 9791-9799 (9790 is an ISMN)",
                field,
            )
        _check("ISBN", text, d, d[12], isbn13_check(d[:12]), field)
        return d
    if len(d) == 10:
        _check("ISBN", text, d, d[9], isbn10_check(d[:9]), field)
        body = "978" + d[:9]
        return body + isbn13_check(body)
    raise _bad(
        f"ISBN {raw.strip()!r} has {len(d)} digits, expected 10 or 13", text, expected, field
    )


def _issn(raw: str, text: str, field: str) -> str:
    d = _compact(raw)
    if len(d) != 8 or not _digits(d[:7]) or d[7] not in "0123456789X":
        raise _bad(
            f"ISSN {raw.strip()!r} is not NNNN-NNNC (7 digits, then a check digit or X)",
            text,
            "NNNN-NNNC, C a digit or X",
            field,
        )
    shown = f"{d[:4]}-{d[4:]}"
    _check("ISSN", text, shown, d[7], issn_check(d[:7]), field)
    return shown


def _mod11_2(scheme: Scheme, raw: str, text: str, field: str) -> str:
    name = scheme.value.upper()
    d = _compact(raw)
    if len(d) != 16 or not _digits(d[:15]) or d[15] not in "0123456789X":
        raise _bad(
            f"{name} {raw.strip()!r} is not 15 digits followed by a check digit or X",
            text,
            "16 characters, the last a digit or X",
            field,
        )
    shown = d if scheme is Scheme.ISNI else "-".join(d[i : i + 4] for i in range(0, 16, 4))
    _check(name, text, shown, d[15], mod11_2_check(d[:15]), field)
    return shown


def _isni(raw: str, text: str, field: str) -> str:
    return _mod11_2(Scheme.ISNI, raw, text, field)


def _orcid(raw: str, text: str, field: str) -> str:
    r = raw.strip()
    if r.lower().startswith(("https://", "http://")):
        parts = _split(r, text, field)
        if (parts.hostname or "") not in _ORCID_HOSTS:
            raise _bad(
                f"ORCID {r!r} is not an orcid.org address",
                text,
                "0000-0000-0000-000X or https://orcid.org/0000-0000-0000-000X",
                field,
            )
        r = parts.path.strip("/")
    return _mod11_2(Scheme.ORCID, r, text, field)


def _iswc(raw: str, text: str, field: str) -> str:
    d = _compact(raw)
    if len(d) != 11 or d[0] != "T" or not _digits(d[1:]):
        raise _bad(
            f"ISWC {raw.strip()!r} is not T followed by 10 digits",
            text,
            "T-NNN.NNN.NNN-C",
            field,
        )
    _check("ISWC", text, d, d[10], iswc_check(d[1:10]), field)
    return d


_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}")
# ISO 3166-1 alpha-2, plus codes found on older recordings (AN, CS, YU) and the extra codes
# the International ISRC Agency allocated (BC, BK, BP, BX, CB, CP, DG, FX, GX, KS, QM, QN, QT,
# QZ, UK, XK, ZB, ZZ).
_ISO_3166_ALPHA2 = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW "
)
_ISRC_COUNTRIES = frozenset(
    f"{_ISO_3166_ALPHA2} AN CS YU BC BK BP BX CB CP DG FX GX KS QM QN QT QZ UK XK ZB ZZ".split()
)


def _isrc(raw: str, text: str, field: str) -> str:
    d = _compact(raw)
    if not _ISRC.fullmatch(d):
        raise _bad(
            f"ISRC {raw.strip()!r} is not CC-XXX-YY-NNNNN (12 characters)",
            text,
            "country code, 3 letters or digits, 2-digit year, 5 digits",
            field,
        )
    if d[:2] not in _ISRC_COUNTRIES:
        raise _bad(
            f"ISRC {d} has country code {d[:2]}, expected an ISO 3166 or ISRC-agency code",
            text,
            "an ISO 3166-1 alpha-2 or ISRC-agency country code",
            field,
        )
    return d


_DOI = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*/\S+")
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
_ORCID_HOSTS = frozenset({"orcid.org", "www.orcid.org"})
_ISNI_HOSTS = frozenset({"isni.org", "www.isni.org"})


def _doi(raw: str, text: str, field: str) -> str:
    d = raw.strip()
    if d.lower().startswith(("https://", "http://")):
        parts = _split(d, text, field)
        if (parts.hostname or "") not in _DOI_HOSTS:
            raise _bad(
                f"DOI {d!r} is not a doi.org address",
                text,
                "10.NNNN/suffix or https://doi.org/10.NNNN/suffix",
                field,
            )
        d = unquote(parts.path.lstrip("/"))
    if not _DOI.fullmatch(d) or not d.isprintable():
        raise _bad(
            f"DOI {raw.strip()!r} is not 10.<registrant>/<suffix>",
            text,
            "10.NNNN/suffix",
            field,
        )
    return d.lower()


# ISCC (ISO 24138): the structure check is registry/iscc.py's.
_ISCC_B32 = re.compile(r"[A-Z2-7]+")
_B32_TAIL = frozenset({0, 2, 4, 5, 7})  # base32 lengths mod 8 that end on a byte boundary


def _iscc(raw: str, text: str, field: str) -> str:
    d = unicodedata.normalize("NFKC", raw).strip().upper()
    if d.startswith("ISCC:"):
        d = d[5:].strip()
    d = d.replace("-", "")
    expected = "ISCC: followed by base32 (A-Z, 2-7) encoding a valid ISCC header and body"
    if not _ISCC_B32.fullmatch(d) or len(d) % 8 not in _B32_TAIL or len(d) < 16:
        raise _bad(
            f"ISCC {raw.strip()!r} is not a base32 ISCC code of at least 16 characters",
            text,
            expected,
            field,
        )
    data = base64.b32decode(d + "=" * (-len(d) % 8))
    reason = iscc_problem(data)
    if reason is not None:
        raise _bad(f"ISCC {d} {reason}", text, expected, field)
    return d


_HOST = re.compile(r"[a-z0-9._~%!$&'()*+,;=-]+")


def _split(s: str, text: str, field: str) -> SplitResult:
    try:
        parts = urlsplit(s)
        parts.port  # noqa: B018 - raises ValueError on a bad or out-of-range port
    except ValueError as e:
        raise _bad(f"URL {s!r} cannot be parsed: {e}", text, "an http(s) URL", field) from None
    return parts


def _url(raw: str, text: str, field: str) -> str:
    s = raw.strip()
    expected = "http://host/... or https://host/..."
    if " " in s or not s.isprintable():
        raise _bad(
            f"URL {s!r} contains a space, control or unassigned character", text, expected, field
        )
    parts = _split(s, text, field)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise _bad(f"URL {s!r} is not an http(s) URL with a host", text, expected, field)
    if parts.username is not None or parts.password is not None:
        raise _bad(
            f"URL {s!r} contains user information", text, "a URL without user:password@", field
        )
    host = parts.hostname.lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _bad(f"URL {s!r} has an invalid host name", text, expected, field) from None
    if ":" in host:
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            raise _bad(f"URL {s!r} has an invalid IPv6 host", text, expected, field) from None
    elif not _HOST.fullmatch(host):
        raise _bad(f"URL {s!r} has an invalid host name {host!r}", text, expected, field)
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


_CANONICALISE: dict[Scheme, Callable[[str, str, str], str]] = {
    Scheme.ISBN: _isbn,
    Scheme.ISSN: _issn,
    Scheme.ISNI: _isni,
    Scheme.ORCID: _orcid,
    Scheme.ISWC: _iswc,
    Scheme.ISRC: _isrc,
    Scheme.DOI: _doi,
    Scheme.ISCC: _iscc,
    Scheme.URL: _url,
}


# --- parsing any accepted form --------------------------------------------------------------

_LABELLED = re.compile(
    r"(?P<scheme>[a-z]+)(?P<variant>[-\s]?1[03])?\s*(?::|\s)\s*(?P<rest>.*)", re.I | re.S
)
_SCHEME_NAMES = frozenset(s.value for s in Scheme)
_ORCID_PATH = re.compile(r"/?\d{4}-?\d{4}-?\d{4}-?\d{3}[\dXx]/?")
_ISNI_PATH = re.compile(r"/?(?:isni/)?([\d\s]{15,19}[\dXx])/?", re.I)


def _from_web_address(s: str, text: str, field: str) -> Identifier:
    """doi.org, orcid.org and isni.org addresses of an identifier give that identifier."""
    parts = _split(s, text, field)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    if host in _DOI_HOSTS and path.lstrip("/").startswith("10."):
        return _make(Scheme.DOI, _doi(s, text, field))
    if host in _ORCID_HOSTS and _ORCID_PATH.fullmatch(path):
        return _make(Scheme.ORCID, _mod11_2(Scheme.ORCID, path.strip("/"), text, field))
    m = _ISNI_PATH.fullmatch(path) if host in _ISNI_HOSTS else None
    if m:
        return _make(Scheme.ISNI, _mod11_2(Scheme.ISNI, m.group(1), text, field))
    return _make(Scheme.URL, _url(s, text, field))


def parse_identifier(text: str, *, field: str = "identifier") -> Identifier:
    """Parse any accepted form into the canonical identifier, or raise IdentifierError.

    Never raises anything else, whatever ``text`` holds.
    """
    if not isinstance(text, str):
        raise IdentifierError(
            f"identifier must be text, got {type(text).__name__}",
            field=field,
            value=text,
            expected="scheme:value, e.g. isbn:9780007232833",
        )
    if len(text) > MAX_IDENTIFIER:
        raise IdentifierError(
            f"identifier has {len(text)} characters; the limit is {MAX_IDENTIFIER}",
            field=field,
            value=text[:ECHO] + "…",
            expected=f"at most {MAX_IDENTIFIER} characters",
            limit=MAX_IDENTIFIER,
        )
    if len(text) == 18 and _CANONICAL_ISBN13.fullmatch(text) and _isbn13_valid(text[5:]):
        return _make(Scheme.ISBN, text[5:])  # already canonical: what _parse would return
    ident = _PARSED.get(text)
    if ident is None:
        ident = _parse(text, field)
        stored = len(ident.value.encode("utf-8")) + len(ident.scheme.value) + 1
        if stored > MAX_IDENTIFIER:
            raise IdentifierError(
                f"identifier {text[:ECHO]!r}… is {stored} bytes in canonical form; the limit "
                f"is {MAX_IDENTIFIER}",
                field=field,
                value=text[:ECHO] + "…",
                expected=f"at most {MAX_IDENTIFIER} bytes as scheme:value (UTF-8)",
                limit=MAX_IDENTIFIER,
            )
        _PARSED.put(text, ident)
    return ident


# Decision (issue 8, bulk lookup): an ISBN-13 already in canonical form (``isbn:`` and 13
# ASCII digits, 978 or 9791-9799, a right check digit) is what most lookups send; it is
# recognised in ~1 us instead of ~8 us through _parse and the cache. Anything else, a wrong
# check digit included, takes the general path (which words the error).
_CANONICAL_ISBN13 = re.compile(r"isbn:97(?:8[0-9]|9[1-9])[0-9]{9}")


def _isbn13_valid(d: str) -> bool:
    """The check digit of 13 ASCII digits is right (the same sum as :func:`isbn13_check`)."""
    total = sum(map(int, d[0:12:2])) + 3 * sum(map(int, d[1:12:2]))
    return (10 - total % 10) % 10 == int(d[12])


# Memoised: bulk imports repeat the same party identifiers (errors are not cached). Bounded
# in bytes as well as entries: a bulk lookup of long unique URLs filled 65,536 entries of up
# to 2 KiB each (key, canonical value and the field) before.
_PARSED: BoundedCache[str, Identifier] = BoundedCache(
    "identifiers", max_entries=65536, max_bytes=16 * 1024 * 1024, max_key_bytes=512
)


def _parse(text: str, field: str) -> Identifier:
    s = text.strip()
    if not s:
        raise IdentifierError(
            "identifier is empty",
            field=field,
            value=text,
            expected="scheme:value, e.g. isbn:9780007232833",
        )
    low = s.lower()
    if low.startswith(("http://", "https://")):
        return _from_web_address(s, text, field)
    for urn, scheme in (("urn:isbn:", Scheme.ISBN), ("urn:issn:", Scheme.ISSN)):
        if low.startswith(urn):
            return _make(scheme, _CANONICALISE[scheme](s[len(urn) :], text, field))
    m = _LABELLED.fullmatch(s)
    if m and m.group("scheme").lower() in _SCHEME_NAMES:
        scheme = Scheme(m.group("scheme").lower())
        if m.group("variant") is None or scheme is Scheme.ISBN:
            if not m.group("rest").strip():
                raise IdentifierError(
                    f"{scheme.value} identifier {text!r} has no value",
                    field=field,
                    value=text,
                    expected=f"{scheme.value}:VALUE",
                )
            return _make(scheme, _CANONICALISE[scheme](m.group("rest"), text, field))
    bare = _compact(s)
    if _digits(bare) or (len(bare) == 10 and _digits(bare[:9]) and bare[9] == "X"):
        return _make(Scheme.ISBN, _isbn(s, text, field))
    if s.startswith("10.") and "/" in s:
        return _make(Scheme.DOI, _doi(s, text, field))
    raise IdentifierError(
        f"identifier {text!r} has no known scheme",
        field=field,
        value=text,
        expected="scheme:value with scheme one of "
        + ", ".join(x.value for x in Scheme)
        + ", an http(s) URL, or a bare ISBN",
    )


def try_parse_identifier(text: str) -> Identifier | None:
    """The identifier, or None when ``text`` is not one."""
    try:
        return parse_identifier(text)
    except IdentifierError:
        return None
