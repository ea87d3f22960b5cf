"""EPUB: TDMRep written into the OPF package metadata of a given ``.epub`` (EPUB 2 and 3).

* EPUB 3 (``<package version="3.x">``): ``tdm:`` prefix declared on ``<package prefix>``
  (``http://www.w3.org/ns/tdmrep#``), ``<meta property="tdm:reservation">1</meta>`` and
  ``<meta property="tdm:policy">``.
* EPUB 2: ``<meta name="tdm:reservation" content="1"/>`` and ``<meta name="tdm:policy"/>``.

Old TDMRep metas are removed first. The zip is rebuilt safely: ``mimetype`` first and
stored, every other entry copied with its own compression and timestamps; encrypted entries,
absolute or ``..`` paths, duplicate names and more than :data:`MAX_TOTAL` uncompressed bytes
are refused with a SignalError.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from lxml import etree

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals.write.options import WriteOptions, tdm_reservation

OPF_NS = "http://www.idpf.org/2007/opf"
TDM_EPUB_NS = "http://www.w3.org/ns/tdmrep#"
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_ENTRIES = 100_000


def _refuse(message: str, expected: str) -> SignalError:
    return SignalError(message, field="in", expected=expected)


def _opf_path(z: zipfile.ZipFile) -> str:
    names = z.namelist()
    if "META-INF/container.xml" in names:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(z.read("META-INF/container.xml"), parser)
        except etree.XMLSyntaxError as e:
            raise _refuse(f"META-INF/container.xml is not XML: {e}", "a valid EPUB") from None
        for el in root.iter():
            if isinstance(el.tag, str) and etree.QName(el).localname == "rootfile":
                path = el.get("full-path")
                if path in names:
                    return str(path)
    opfs = [n for n in names if n.lower().endswith(".opf")]
    if not opfs:
        raise _refuse("EPUB has no OPF package document", "an EPUB with an OPF file")
    return opfs[0]


def rewrite_opf(opf: bytes, terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    opts = options or WriteOptions()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(opf, parser)
    except etree.XMLSyntaxError as e:
        raise _refuse(f"OPF is not XML: {e}", "a well-formed OPF package document") from None
    if etree.QName(root).localname != "package":
        raise _refuse(f"OPF root is <{etree.QName(root).localname}>", "<package>")
    ns = etree.QName(root).namespace
    q = (lambda n: f"{{{ns}}}{n}") if ns else (lambda n: n)
    metadata = next(
        (e for e in root if isinstance(e.tag, str) and etree.QName(e).localname == "metadata"),
        None,
    )
    if metadata is None:
        raise _refuse("OPF has no <metadata>", "an OPF with <metadata>")
    for el in list(metadata):
        if not isinstance(el.tag, str) or etree.QName(el).localname != "meta":
            continue
        key = (el.get("property") or el.get("name") or "").strip()
        if key.startswith("tdm:") and key[4:] in ("reservation", "policy"):
            metadata.remove(el)
    value, with_policy = tdm_reservation(terms)
    policy = opts.tdm_policy_url() if with_policy else None
    epub3 = root.get("version", "2.0").strip().startswith("3")
    if epub3:
        prefix = root.get("prefix") or ""
        if not re.search(r"(^|\s)tdm:\s+\S+", prefix):
            root.set("prefix", (prefix + " " if prefix else "") + f"tdm: {TDM_EPUB_NS}")
        for name, text in (("reservation", str(value)), ("policy", policy)):
            if text is not None:
                m = etree.SubElement(metadata, q("meta"), property=f"tdm:{name}")
                m.text = text
    else:
        for name, text in (("reservation", str(value)), ("policy", policy)):
            if text is not None:
                etree.SubElement(metadata, q("meta"), name=f"tdm:{name}", content=text)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def write_epub(data: bytes, terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    try:
        return _write_epub(data, terms, options)
    except SignalError:
        raise
    except Exception as e:
        # zipfile and zlib on untrusted archives raise many kinds (ValueError on a negative
        # seek, struct.error, zlib.error, EOFError, ...): refuse, never crash.
        raise _refuse(f"EPUB not readable: {type(e).__name__}: {e}", "a readable EPUB") from None


def _write_epub(data: bytes, terms: TermsSet, options: WriteOptions | None) -> bytes:
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as e:
        raise _refuse(f"not an EPUB (zip): {e}", "an .epub file") from None
    with zin:
        infos = zin.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _refuse(f"EPUB has {len(infos)} entries", f"at most {MAX_ENTRIES}")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise _refuse("EPUB has duplicate entry names", "unique zip entry names")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL:
            raise _refuse(f"EPUB unpacks to {total} bytes", f"at most {MAX_TOTAL} bytes")
        for i in infos:
            if i.flag_bits & 0x1:
                raise _refuse(f"EPUB entry {i.filename!r} is encrypted", "unencrypted entries")
            if i.filename.startswith("/") or ".." in i.filename.split("/"):
                raise _refuse(f"EPUB entry name {i.filename!r} is unsafe", "relative paths")
        opf_path = _opf_path(zin)
        out = io.BytesIO()
        try:
            with zipfile.ZipFile(out, "w") as zout:
                if "mimetype" in names:
                    zout.writestr(
                        zipfile.ZipInfo("mimetype", date_time=zin.getinfo("mimetype").date_time),
                        zin.read("mimetype"),
                        compress_type=zipfile.ZIP_STORED,
                    )
                for info in infos:
                    if info.filename == "mimetype":
                        continue
                    body = zin.read(info)
                    if info.filename == opf_path:
                        body = rewrite_opf(body, terms, options)
                    zout.writestr(info, body, compress_type=info.compress_type)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, zlib.error) as e:
            raise _refuse(f"EPUB entry not readable: {e}", "a readable EPUB") from None
        return out.getvalue()
