"""Bulk import from ONIX for Books: products become :class:`ParsedRecord` drafts.

Reads ONIX 3.0/3.1 (reference names or short tags) and ONIX 2.1, with or without an XML
namespace, streaming with ``lxml.etree.iterparse`` and clearing each ``<Product>`` once read,
so memory stays flat however many products a file holds. No DTD or external entity is ever
loaded and no network is used.

Mapping (the full table is in ``docs/import.md``):

* ``ProductIdentifier``: ``ProductIDType`` 15 (ISBN-13), 02 (ISBN-10) and 03 (GTIN-13 with a
  978/979 prefix) give ``isbn:``; 06 (DOI) and 26 (ISBN-A, itself a DOI) give ``doi:``; other
  types are left out. A wrong check digit rejects the record.
* Title: ``TitleDetail`` (3.x) or ``Title`` (2.1) of ``TitleType`` 01 first, element level
  01 first: ``TitleText`` or ``TitlePrefix`` + ``TitleWithoutPrefix``, then ``: Subtitle``.
* ``Contributor``: roles from code list 17 (:data:`CONTRIBUTOR_ROLES`; other codes are
  left out with a note), names from ``PersonName``, ``NamesBeforeKey`` + ``KeyNames``,
  ``PersonNameInverted`` or ``CorporateName``; ISNI (name ID type 16) and ORCID (21).
* The first ``Publisher`` with ``PublishingRole`` 01 (or none) and a ``PublisherName`` holds
  the ``publishing`` right at 100%. Authors' shares are unknown from ONIX, so they are
  contributors (whose own consent counts), not holders.
* ``EpubUsageConstraint`` with ``EpubUsageType`` 11 (text and data mining): status 03
  (prohibited) declares ``tdm``, ``ai-train``, ``ai-input``, ``ai-index`` (and ``search``,
  which ONIX does not speak to) ``reserved``; 02 (permitted subject to limit) declares the
  four ``licence``; 01 (permitted) declares them ``allowed``. No type 11 constraint: no
  terms (``terms=None``; the default reservation holds). Types 13/14 (Issue 73, AI use by
  the reseller's private instance) are narrower than any consentry purpose; they are noted.

Decisions: a message without ``<Header>`` or without its sender (``<Sender>`` in 3.x;
``FromCompany``/``FromEANNumber``/``FromSAN``/``SenderIdentifier`` in 2.1) is refused as a
whole, as is XML that is not well-formed. A product with no title is imported under the
placeholder title ``(untitled) <identifier>`` (ONIX 3.0 lets a record omit
``DescriptiveDetail``) unless ``require_title=True``. A product with no ISBN/DOI but a
``RecordReference`` is imported, keyed by that reference. ``NotificationType`` 05 (delete)
products are skipped with a note: an import never deletes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from consentry.errors import ConsentryError, ValidationError
from consentry.registry.identifiers import parse_identifier
from consentry.registry.importing import ParsedRecord
from consentry.registry.onix_codes import (
    AI_RESELLER_USAGE_TYPES,
    CONTRIBUTOR_ROLES,
    NAME_ID_TYPES,
    PRODUCT_ID_TYPES,
    SHORT_TAGS,
    TDM_PURPOSES,
    TDM_STATUS,
    TDM_USAGE_TYPE,
)
from consentry.registry.purposes import ALL_PURPOSES, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

_STRICTNESS = {Status.ALLOWED: 0, Status.LICENCE: 1, Status.RESERVED: 2}

PUBLISHING_RIGHT = "publishing"
EXTERNAL_PREFIX = "onix:"
MAX_EXTERNAL_ID = 200
MAX_TITLE = 1000
MAX_NAME = 500
SENDER_ELEMENTS = ("Sender", "SenderIdentifier", "FromCompany", "FromEANNumber", "FromSAN")
_EVENT_TAGS = ("{*}Product", "{*}product", "{*}Header", "{*}header")

_Note = Callable[[str], None]


class _RecordError(Exception):
    """One product cannot be read; becomes its record's error (never leaves this module)."""


_NAMES: dict[str, str] = {}


def _name(tag: str) -> str:
    """Reference name of a tag: namespace dropped, short tag translated (memoised)."""
    name = _NAMES.get(tag)
    if name is None:
        local = tag.rpartition("}")[2]
        name = SHORT_TAGS.get(local, local)
        if len(_NAMES) < 10_000:  # bounded: a hostile file cannot grow it without end
            _NAMES[tag] = name
    return name


def _kids(el: etree._Element) -> dict[str, list[etree._Element]]:
    out: dict[str, list[etree._Element]] = {}
    names = _NAMES
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = names.get(tag) or _name(tag)
        found = out.get(name)
        if found is None:
            out[name] = [child]
        else:
            found.append(child)
    return out


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    text = el.text if len(el) == 0 else "".join(str(t) for t in el.itertext())
    return " ".join(text.split()) if text else ""


def _first_text(kids: dict[str, list[etree._Element]], name: str) -> str:
    found = kids.get(name)
    return _text(found[0]) if found else ""


@dataclass(slots=True)
class _Message:
    name: str
    release: str = ""
    root: etree._Element | None = None
    header_seen: bool = False


def parse_onix(
    path: Path | str,
    *,
    notes: list[str] | None = None,
    require_title: bool = False,
    filename: str | None = None,
) -> Iterator[ParsedRecord]:
    """Yield one record per top-level ``<Product>`` (numbered from 1 in file order).

    File-level problems raise :class:`ValidationError` naming the file. ``notes`` (when
    given) collects what was read but not imported (unmapped role codes, skipped deletes).
    """
    path = Path(path)
    msg = _Message(filename or path.name)
    number = 0
    events = _events(path, msg.name)
    for el in events:
        if msg.root is None:
            msg.root = _root_of(el, msg)
        if el.getparent() is not msg.root:
            continue  # a Header/Product nested elsewhere is not ours
        if _name(el.tag) == "Header":
            _check_header(el, msg)
            msg.header_seen = True
        else:
            if not msg.header_seen:
                raise _refused(msg, "missing Header (with its Sender) before the first Product")
            number += 1
            record = _product(el, number, msg, notes, require_title)
            if record is not None:
                yield record
        el.clear()
        while el.getprevious() is not None:
            del msg.root[0]
    if msg.root is None:
        if events.root is not None:
            _root_of(events.root, msg)
        raise _refused(msg, "missing Header (with its Sender)")
    if not msg.header_seen:
        raise _refused(msg, "missing Header (with its Sender)")


def onix_record_count(path: Path | str) -> int:
    """How many records :func:`parse_onix` will read (a quick pass, for progress bars)."""
    name = Path(path).name
    count = 0
    root: etree._Element | None = None
    for el in _events(Path(path), name):
        if root is None:
            root = _top(el)
        if el.getparent() is root and _name(el.tag) == "Product":
            count += 1
        el.clear()
        while el.getprevious() is not None:
            del root[0]
    return count


def _top(el: etree._Element) -> etree._Element:
    parent = el.getparent()
    while parent is not None:
        el, parent = parent, parent.getparent()
    return el


class _Events:
    """``iterparse`` over Header and Product end events, with errors named for the file.

    The file is opened here and closed when iteration ends, fails or is abandoned.
    """

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.root: etree._Element | None = None

    def __iter__(self) -> Iterator[etree._Element]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise ValidationError(
                f"{self.path}: cannot be read ({exc.strerror or exc})",
                field="file",
                value=str(self.path),
                expected="a readable ONIX file",
            ) from None
        with fh:
            it = etree.iterparse(
                fh,
                events=("end",),
                tag=_EVENT_TAGS,
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            while True:
                try:
                    _, el = next(it)
                except StopIteration:
                    self.root = it.root
                    return
                except etree.XMLSyntaxError as exc:
                    line = exc.lineno if exc.lineno else "?"
                    raise ValidationError(
                        f"{self.name}: not well-formed XML at line {line}: {exc.msg}",
                        field="file",
                        value=self.name,
                        expected="a well-formed ONIX XML file",
                        line=exc.lineno,
                    ) from None
                yield el


def _events(path: Path, name: str) -> _Events:
    return _Events(path, name)


def _root_of(el: etree._Element, msg: _Message) -> etree._Element:
    root = _top(el)
    local = _name(root.tag) if isinstance(root.tag, str) else str(root.tag)
    if local != "ONIXMessage":
        raise ValidationError(
            f"{msg.name}: root element <{local}> is not <ONIXMessage>, "
            "expected an ONIX for Books message",
            field="file",
            value=local,
            expected="<ONIXMessage> (ONIX for Books 3.x or 2.1)",
        )
    msg.release = root.get("release") or ("3" if "/onix/3." in root.tag else "2.1")
    msg.root = root
    return root


def _refused(msg: _Message, reason: str) -> ValidationError:
    return ValidationError(
        f"{msg.name}: {reason}; the ONIX message is refused as a whole",
        field="Header",
        value=msg.name,
        expected="an ONIX Header naming its Sender",
    )


def _check_header(el: etree._Element, msg: _Message) -> None:
    kids = _kids(el)
    if msg.release.startswith("3"):
        if "Sender" not in kids:
            raise _refused(msg, "missing Sender in Header")
    elif not any(k in kids for k in SENDER_ELEMENTS):
        raise _refused(msg, "missing sender (FromCompany, FromEANNumber or FromSAN) in Header")


def _product(
    el: etree._Element,
    number: int,
    msg: _Message,
    notes: list[str] | None,
    require_title: bool,
) -> ParsedRecord | None:
    kids = _kids(el)
    ref = _first_text(kids, "RecordReference")
    key = ref or None

    def note(text: str) -> None:
        if notes is not None:
            notes.append(f"record {number} ({key or '?'}): {text}")

    if _first_text(kids, "NotificationType") == "05":
        note("NotificationType 05 (delete) skipped: an import never deletes")
        return None
    try:
        identifiers = _identifiers(kids)
        key = key or (identifiers[0] if identifiers else None)
        if not identifiers and not ref:
            raise _RecordError("no ISBN or DOI and no RecordReference, expected at least one")
        if not identifiers:
            note("no ISBN or DOI; imported under its RecordReference only")
        desc_list = kids.get("DescriptiveDetail")
        desc = _kids(desc_list[0]) if desc_list else kids
        title = _record_title(
            desc, kids, identifiers[0] if identifiers else ref, require_title, note
        )
        contributors = tuple(c for c in _contributors(desc.get("Contributor", []), note))
        pub_list = kids.get("PublishingDetail")
        pubs = _kids(pub_list[0]) if pub_list else kids
        holders = _holders(pubs, kids, note)
        terms = _terms(desc.get("EpubUsageConstraint", []), note)
        if "EpubLicense" in desc:
            note("EpubLicense (licence expression link) read but not imported")
        external = f"{EXTERNAL_PREFIX}{ref}" if ref else None
        if external is not None and len(external) > MAX_EXTERNAL_ID:
            raise _RecordError(
                f"RecordReference is {len(ref)} characters, expected at most "
                f"{MAX_EXTERNAL_ID - len(EXTERNAL_PREFIX)}"
            )
    except (_RecordError, ConsentryError) as exc:
        return ParsedRecord(number, None, str(exc), key)
    draft = WorkDraft(
        kind=_kind(desc),
        title=title,
        identifiers=tuple(identifiers),
        contributors=contributors,
        holders=holders,
        external_id=external,
        terms=terms,
        source=f"onix:{msg.name}:{ref or number}",
    )
    return ParsedRecord(number, draft, None, key)


def _record_title(
    desc: dict[str, list[etree._Element]],
    kids: dict[str, list[etree._Element]],
    fallback: str | None,
    require_title: bool,
    note: Callable[[str], None],
) -> str:
    """The product's title, or (unless one is required) ``(untitled) <first id>``, noted."""
    title = _title(desc) or _first_text(kids, "DistinctiveTitle")
    if not title:
        if require_title:
            raise _RecordError("no title (TitleDetail/TitleText), expected one")
        title = f"(untitled) {fallback}"
        note(f"no title; imported as {title!r}")
    if len(title) > MAX_TITLE:
        raise _RecordError(f"title is {len(title)} characters, expected at most {MAX_TITLE}")
    return title


def _identifiers(kids: dict[str, list[etree._Element]]) -> list[str]:
    out: dict[str, None] = {}
    raw: set[tuple[str, str]] = set()
    for pid in kids.get("ProductIdentifier", []):
        p = _kids(pid)
        id_type = _first_text(p, "ProductIDType")
        value = _first_text(p, "IDValue")
        scheme = PRODUCT_ID_TYPES.get(id_type)
        if scheme is None or not value or (scheme, value) in raw:
            continue
        raw.add((scheme, value))
        if id_type == "03" and not value.startswith(("978", "979")):
            continue  # a GTIN-13 that is not an ISBN (no consentry scheme for GTINs)
        try:
            out[str(parse_identifier(f"{scheme}:{value}", field="ProductIdentifier"))] = None
        except ConsentryError as exc:
            raise _RecordError(f"ProductIdentifier (ProductIDType {id_type}): {exc}") from None
    return list(out)


def _title(desc: dict[str, list[etree._Element]]) -> str:
    candidates: list[tuple[bool, list[etree._Element]]] = []
    for detail in desc.get("TitleDetail", []):  # 3.x
        d = _kids(detail)
        levels = sorted(
            d.get("TitleElement", []),
            key=lambda e: _first_text(_kids(e), "TitleElementLevel") not in ("", "01"),
        )
        candidates.append((_first_text(d, "TitleType") == "01", levels))
    for title in desc.get("Title", []):  # 2.1
        candidates.append((_first_text(_kids(title), "TitleType") in ("", "01"), [title]))
    candidates.sort(key=lambda c: not c[0])
    for _, elements in candidates:
        for element in elements:
            text = _title_text(_kids(element))
            if text:
                return text
    return ""


def _title_text(t: dict[str, list[etree._Element]]) -> str:
    text = _first_text(t, "TitleText")
    if not text:
        without = _first_text(t, "TitleWithoutPrefix")
        text = " ".join(p for p in (_first_text(t, "TitlePrefix"), without) if p) if without else ""
    subtitle = _first_text(t, "Subtitle")
    if text and subtitle:
        text = f"{text} {subtitle}" if text[-1] in ".:;?!" else f"{text}: {subtitle}"
    return text


def _person_name(c: dict[str, list[etree._Element]]) -> str:
    name = _first_text(c, "PersonName")
    if name:
        return name
    parts = [_first_text(c, n) for n in ("NamesBeforeKey", "PrefixToKey", "KeyNames")]
    if parts[2]:
        name = " ".join(p for p in parts if p)
        suffix = _first_text(c, "SuffixToKey")
        return f"{name} {suffix}" if suffix else name
    for inverted in ("PersonNameInverted", "CorporateNameInverted"):
        text = _first_text(c, inverted)
        if text:
            last, sep, first = text.partition(",")
            return f"{first.strip()} {last.strip()}".strip() if sep else text
    return _first_text(c, "CorporateName")


def _name_identifiers(c: dict[str, list[etree._Element]], who: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for ident in c.get("NameIdentifier", []) + c.get("PersonNameIdentifier", []):
        i = _kids(ident)
        id_type = _first_text(i, "NameIDType") or _first_text(i, "PersonNameIDType")
        scheme = NAME_ID_TYPES.get(id_type)
        value = _first_text(i, "IDValue")
        if scheme is None or not value:
            continue
        try:
            out[str(parse_identifier(f"{scheme}:{value}", field="NameIdentifier"))] = None
        except ConsentryError as exc:
            raise _RecordError(f"Contributor {who!r}: NameIdentifier: {exc}") from None
    return tuple(out)


def _contributors(
    elements: list[etree._Element], note: _Note
) -> list[tuple[PartyRef, ContributorRole]]:
    out: list[tuple[PartyRef, ContributorRole]] = []
    for element in elements:
        c = _kids(element)
        name = _person_name(c)
        codes = [_text(r).upper() for r in c.get("ContributorRole", [])]
        if not name:
            note(f"contributor with role {', '.join(codes) or '?'} has no name; left out")
            continue
        if len(name) > MAX_NAME:
            raise _RecordError(
                f"Contributor name is {len(name)} characters, expected at most {MAX_NAME}"
            )
        ref = PartyRef(name=name, identifiers=_name_identifiers(c, name))
        for code in codes:
            role = CONTRIBUTOR_ROLES.get(code)
            if role is None:
                note(f"contributor role {code} ({name}) has no consentry role; left out")
                continue
            if (ref, role) not in out:
                out.append((ref, role))
    return out


def _holders(
    pubs: dict[str, list[etree._Element]],
    product: dict[str, list[etree._Element]],
    note: _Note,
) -> tuple[tuple[PartyRef, str, Decimal, str], ...]:
    chosen: PartyRef | None = None
    for element in pubs.get("Publisher", []):
        p = _kids(element)
        role = _first_text(p, "PublishingRole")
        name = _first_text(p, "PublisherName")
        if not name:
            note("Publisher without PublisherName (code only) left out")
            continue
        if role not in ("", "01") or chosen is not None:
            note(f"publisher {name!r} (PublishingRole {role or '-'}) is not a holder")
            continue
        if len(name) > MAX_NAME:
            raise _RecordError(
                f"PublisherName is {len(name)} characters, expected at most {MAX_NAME}"
            )
        idents: dict[str, None] = {}
        for pid in p.get("PublisherIdentifier", []):
            i = _kids(pid)
            scheme = NAME_ID_TYPES.get(_first_text(i, "PublisherIDType"))
            value = _first_text(i, "IDValue")
            if scheme and value:
                try:
                    idents[str(parse_identifier(f"{scheme}:{value}", field="Publisher"))] = None
                except ConsentryError as exc:
                    raise _RecordError(f"Publisher {name!r}: PublisherIdentifier: {exc}") from None
        chosen = PartyRef(name=name, identifiers=tuple(idents))
    if chosen is None:
        legacy = _first_text(product, "PublisherName")  # ONIX 2.1 product-level name
        if legacy and len(legacy) <= MAX_NAME:
            chosen = PartyRef(name=legacy)
    if chosen is None:
        return ()
    return ((chosen, "publisher", Decimal(100), PUBLISHING_RIGHT),)


def _terms(constraints: list[etree._Element], note: _Note) -> tuple[tuple[str, str], ...] | None:
    status: Status | None = None
    for element in constraints:
        c = _kids(element)
        usage = _first_text(c, "EpubUsageType")
        code = _first_text(c, "EpubUsageStatus")
        if usage in AI_RESELLER_USAGE_TYPES:
            note(
                f"EpubUsageType {usage} (TDM for AI to enhance the "
                f"{AI_RESELLER_USAGE_TYPES[usage]}) status {code or '-'}: narrower than any "
                "consentry purpose; not imported"
            )
            continue
        if usage != TDM_USAGE_TYPE:
            continue
        found = TDM_STATUS.get(code)
        if found is None:
            raise _RecordError(
                f"EpubUsageStatus {code!r} for EpubUsageType 11 (text and data mining) is not "
                "a code of list 146, expected 01, 02 or 03"
            )
        if status is None or _STRICTNESS[found] > _STRICTNESS[status]:
            status = found
    if status is None:
        return None
    return tuple(
        (p.value, (status if p in TDM_PURPOSES else Status.RESERVED).value) for p in ALL_PURPOSES
    )


def _kind(desc: dict[str, list[etree._Element]]) -> WorkKind:
    form = _first_text(desc, "ProductForm").upper()
    if not form or form == "00" or form[0] in "BDEM":
        return WorkKind.BOOK
    if form[0] == "A":
        return WorkKind.RECORDING
    if form[0] in "CF":
        return WorkKind.IMAGE
    return WorkKind.OTHER
