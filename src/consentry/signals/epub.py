"""EPUB: TDMRep in the OPF package metadata (EPUB 2 and EPUB 3).

* EPUB 2: ``<meta name="tdm:reservation" content="1"/>``, ``<meta name="tdm:policy" .../>``.
* EPUB 3: ``<meta property="tdm:reservation">1</meta>``; the prefix may be any name declared
  for the TDMRep namespace in ``<package prefix="...">`` (``tdm:`` is always accepted).

The OPF is found through ``META-INF/container.xml`` (first rootfile), else the first
``*.opf`` in the zip. A bare OPF document (not a zip) is also accepted. Never raises.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import zipfile
import zlib

from lxml import etree

from consentry.signals.iptc import TDM_NAMESPACES
from consentry.signals.model import Carrier, ParsedSignal
from consentry.signals.tdmrep import tdm_signal
from consentry.signals.xmlnames import local_name

MAX_OPF = 8 * 1024 * 1024
# What zipfile raises on untrusted bytes (a reader must never crash on content): a broken
# archive, an unsupported or encrypted member (NotImplementedError, RuntimeError), a corrupt
# deflate/bzip2/lzma stream, a truncated member or header, a bad name encoding (ValueError).
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
    EOFError,
    KeyError,
    zlib.error,
    struct.error,
    lzma.LZMAError,
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)


def find_opf(data: bytes) -> tuple[bytes | None, list[str]]:
    if not data.startswith(b"PK"):
        if b"<package" in data[:4096]:
            return data, ["read as a bare OPF document"]
        return None, ["not an EPUB (zip) file"]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            path: str | None = None
            if "META-INF/container.xml" in names:
                try:
                    root = etree.fromstring(z.read("META-INF/container.xml")[:MAX_OPF], _parser())
                except etree.XMLSyntaxError:  # empty or not XML: fall back to the first .opf
                    root = None
                if root is not None:
                    for el in root.iter():
                        if local_name(el.tag) == "rootfile":
                            path = el.get("full-path")
                            break
            diags: list[str] = []
            if path is None or path not in names:
                opfs = [n for n in names if n.lower().endswith(".opf")]
                if not opfs:
                    return None, ["EPUB has no OPF package document"]
                diags.append("container.xml missing or broken; used the first .opf")
                path = opfs[0]
            info = z.getinfo(path)
            if info.file_size > MAX_OPF:
                return None, [f"OPF {path} is {info.file_size} bytes, over the {MAX_OPF} cap"]
            return z.read(path), diags
    except ZIP_ERRORS as e:
        return None, [f"EPUB zip not readable: {type(e).__name__}: {e}"]


def _tdm_prefixes(package: etree._Element) -> set[str]:
    prefixes = {"tdm"}
    decl = package.get("prefix") or ""
    for name, uri in re.findall(r"([A-Za-z_][\w.-]*):\s+(\S+)", decl):
        if uri in TDM_NAMESPACES:
            prefixes.add(name)
    return prefixes


def parse(content: bytes | str, *, source: str = "<memory>", agent: str = "*") -> ParsedSignal:
    data = content.encode("utf-8", errors="replace") if isinstance(content, str) else content
    opf, diags = find_opf(data)
    reservation: str | None = None
    policy: str | None = None
    if opf is not None:
        parser = _parser()
        try:
            root = etree.fromstring(opf, parser)
        except (etree.XMLSyntaxError, ValueError) as e:
            root = None
            diags.append(f"OPF not parseable: {e}")
        diags += [
            f"OPF malformed (line {e.line}: {e.message.strip()}); read what the parser recovered"
            for e in list(parser.error_log)[:1]
            if e.level >= etree.ErrorLevels.ERROR
        ]
        if root is not None:
            prefixes = _tdm_prefixes(root)
            version = root.get("version", "?")
            for el in root.iter():
                if local_name(el.tag) != "meta":
                    continue
                key = (el.get("property") or el.get("name") or "").strip()
                if ":" not in key:
                    continue
                prefix, local = key.split(":", 1)
                if prefix not in prefixes:
                    continue
                value = (
                    el.get("content") if el.get("name") else "".join(str(t) for t in el.itertext())
                )
                value = (value or "").strip()
                if local == "reservation":
                    reservation = value
                elif local == "policy":
                    policy = value or None
            if reservation is None and policy is None:
                diags.append(f"OPF (version {version}) has no tdm:reservation or tdm:policy")
    return tdm_signal(
        Carrier.EPUB,
        source,
        agent=agent,
        reservation=reservation,
        policy_url=policy,
        diagnostics=diags,
    )
