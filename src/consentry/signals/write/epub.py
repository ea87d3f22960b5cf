"""EPUB: TDMRep written into the OPF package metadata of a given ``.epub`` (EPUB 2 and 3).

* EPUB 3 (``<package version="3.x">``): ``tdm:`` prefix declared on ``<package prefix>``
  (``http://www.w3.org/ns/tdmrep#``), ``<meta property="tdm:reservation">1</meta>`` and
  ``<meta property="tdm:policy">``.
* EPUB 2: ``<meta name="tdm:reservation" content="1"/>`` and ``<meta name="tdm:policy"/>``.

Old TDMRep metas are removed first. The zip is rebuilt safely: ``mimetype`` first and
stored, every other entry copied with its own compression and timestamps; encrypted entries,
absolute or ``..`` paths and duplicate names are refused with a SignalError.

Bounded like the readers (``consentry.signals.epub``): the OPF at most :data:`MAX_OPF`
(8 MiB), the whole archive at most :data:`MAX_TOTAL` uncompressed bytes and no entry
inflating more than :data:`MAX_RATIO` times its compressed size. The declared sizes are
checked before anything is inflated (a zip bomb is refused in milliseconds), and the bytes
actually inflated are counted while entries are copied a block at a time (never one whole
entry in memory), so an archive that lies about its sizes stops at the cap too.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from lxml import etree

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals.epub import MAX_OPF
from consentry.signals.write.options import WriteOptions, tdm_reservation

OPF_NS = "http://www.idpf.org/2007/opf"
TDM_EPUB_NS = "http://www.w3.org/ns/tdmrep#"
MAX_TOTAL = 256 * 1024 * 1024  # as signals.read.MAX_FILE
MAX_ENTRIES = 100_000
MAX_RATIO = 200  # real EPUB text and XML deflate 3-20x; zip bombs ~1,000x
BLOCK = 1024 * 1024


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
            raise _refuse(
                f"EPUB unpacks to {total} bytes, over the {MAX_TOTAL}-byte cap",
                f"at most {MAX_TOTAL} bytes uncompressed",
            )
        for i in infos:
            if i.flag_bits & 0x1:
                raise _refuse(f"EPUB entry {i.filename!r} is encrypted", "unencrypted entries")
            if i.filename.startswith("/") or ".." in i.filename.split("/"):
                raise _refuse(f"EPUB entry name {i.filename!r} is unsafe", "relative paths")
            if i.file_size > MAX_RATIO * max(i.compress_size, 1024):
                raise _refuse(
                    f"EPUB entry {i.filename!r} inflates {i.compress_size} bytes to "
                    f"{i.file_size} (a zip bomb?)",
                    f"entries that inflate at most {MAX_RATIO} times",
                )
        opf_path = _opf_path(zin)
        opf_size = zin.getinfo(opf_path).file_size
        if opf_size > MAX_OPF:
            raise _refuse(
                f"OPF {opf_path} is {opf_size} bytes, over the {MAX_OPF}-byte cap",
                f"an OPF of at most {MAX_OPF} bytes",
            )
        budget = _Budget(MAX_TOTAL)
        out = io.BytesIO()
        try:
            with zipfile.ZipFile(out, "w") as zout:
                if "mimetype" in names:
                    zout.writestr(
                        zipfile.ZipInfo("mimetype", date_time=zin.getinfo("mimetype").date_time),
                        budget.read(zin, zin.getinfo("mimetype"), 1024),
                        compress_type=zipfile.ZIP_STORED,
                    )
                for info in infos:
                    if info.filename == "mimetype":
                        continue
                    if info.filename == opf_path:
                        body = rewrite_opf(budget.read(zin, info, MAX_OPF), terms, options)
                        zout.writestr(info, body, compress_type=info.compress_type)
                        continue
                    with zin.open(info) as src, zout.open(_copy_info(info), "w") as dst:
                        while block := src.read(BLOCK):
                            budget.take(len(block))
                            dst.write(block)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, zlib.error) as e:
            raise _refuse(f"EPUB entry not readable: {e}", "a readable EPUB") from None
        return out.getvalue()


class _Budget:
    """The uncompressed bytes an EPUB may still inflate: counted while inflating."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.read_bytes = 0  # what was inflated so far (tests check it stops at the cap)

    def take(self, n: int) -> None:
        self.read_bytes += n
        self.left -= n
        if self.left < 0:
            raise _refuse(
                f"EPUB inflates to more than {MAX_TOTAL} bytes (its sizes were wrong)",
                f"at most {MAX_TOTAL} bytes uncompressed",
            )

    def read(self, z: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
        with z.open(info) as src:
            data = src.read(cap + 1)
        self.take(len(data))
        if len(data) > cap:
            raise _refuse(
                f"EPUB entry {info.filename!r} inflates to more than {cap} bytes",
                f"at most {cap} bytes",
            )
        return data


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The entry's name, time, attributes and compression, for writing it again."""
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    copy.extra = info.extra
    copy.file_size = info.file_size  # so zipfile knows up front whether it needs ZIP64
    return copy
