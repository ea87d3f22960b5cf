"""EPUB, PDF and image writing have the readers' limits: a zip bomb is refused from its
declared sizes before anything is inflated, an OPF over 8 MiB and an XMP packet over 4 MiB
are refused, and a Flate bomb in a PDF's metadata stops at the cap. Memory is measured with
tracemalloc (no wall-clock asserts)."""

from __future__ import annotations

import base64
import io
import os
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest
from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject
from tests.signals.test_write_roundtrip import make_epub, make_png

from consentry.errors import SignalError
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import TermsSet
from consentry.signals.write import write

TERMS = TermsSet.from_statuses({Purpose.AI_TRAIN: Status.RESERVED})
MiB = 1024 * 1024


def peak_bytes(work: Callable[[], object]) -> tuple[int, BaseException | None]:
    """The peak of memory allocated while ``work`` runs, and what it raised."""
    tracemalloc.start()
    raised: BaseException | None = None
    try:
        work()
    except BaseException as e:  # the caller checks what was raised
        raised = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, raised


def with_entry(name: str, size: int, *, chunk: bytes = b"\0" * MiB) -> bytes:
    """A valid EPUB plus one deflated entry of ``size`` bytes, written a block at a time."""
    buf = io.BytesIO(make_epub("3.0"))
    with zipfile.ZipFile(buf, "a") as z:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            left = size
            while left > 0:
                f.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return buf.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    bomb = with_entry("OEBPS/bomb.xhtml", 1024 * MiB)  # 1 GiB of zeros
    assert len(bomb) < 1.5 * MiB
    return bomb


def test_a_1_mb_zip_bomb_is_refused_before_inflating(zip_bomb: bytes) -> None:
    peak, raised = peak_bytes(lambda: write(TERMS, "epub", data=zip_bomb))
    assert isinstance(raised, SignalError), raised
    assert "cap" in raised.message and str(256 * MiB) in raised.message
    assert peak < 4 * MiB, peak  # nothing inflated (the old writer inflated it whole)


def test_an_entry_inflating_like_a_bomb_is_refused() -> None:
    bomb = with_entry("OEBPS/bomb.xhtml", 64 * MiB)  # under the total cap, ~1,000x
    peak, raised = peak_bytes(lambda: write(TERMS, "epub", data=bomb))
    assert isinstance(raised, SignalError), raised
    assert "zip bomb" in raised.message
    assert peak < 4 * MiB, peak


def test_large_real_entries_are_copied_a_block_at_a_time() -> None:
    noise = base64.b64encode(os.urandom(3 * MiB // 4))  # 1 MiB that deflates ~1.3x
    epub = with_entry("OEBPS/images/big.bin", 24 * MiB, chunk=noise)
    peak, raised = peak_bytes(lambda: write(TERMS, "epub", data=epub))
    assert raised is None, raised
    # the input and the output (~18 MiB each) are held; no entry is held inflated whole
    assert peak < 2.5 * len(epub), (peak, len(epub))


def test_an_opf_over_8_mib_is_refused() -> None:
    noise = base64.b64encode(os.urandom(7 * MiB)).decode()  # ~9.3 MiB of text
    opf = f'<?xml version="1.0"?><package version="3.0"><!-- {noise} --><metadata/></package>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("content.opf", opf, compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(SignalError, match=r"OPF content\.opf is .* bytes, over the 8388608-byte"):
        write(TERMS, "epub", data=buf.getvalue())


def pdf_with_metadata(xmp_deflated: bytes) -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=100, height=100)
    stream = StreamObject()
    stream._data = xmp_deflated
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    w._root_object[NameObject("/Metadata")] = w._add_object(stream)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_a_flate_bomb_in_pdf_metadata_stops_at_the_cap() -> None:
    z = zlib.compressobj(9)
    bomb = b"".join(z.compress(b" " * MiB) for _ in range(200)) + z.flush()  # 200 MiB
    pdf = pdf_with_metadata(bomb)
    peak, raised = peak_bytes(lambda: write(TERMS, "pdf", data=pdf))
    assert isinstance(raised, SignalError), raised
    assert "XMP metadata inflates to more than 4194304 bytes" in raised.message
    assert peak < 24 * MiB, peak  # pypdf alone inflated up to 75 MB before


def test_a_pdf_with_small_deflated_metadata_is_rewritten() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    out = write(TERMS, "pdf", data=pdf_with_metadata(zlib.compress(xmp)))
    assert out.startswith(b"%PDF")


def test_an_image_xmp_packet_over_4_mib_is_refused() -> None:
    png = make_png()
    body = b"XML:com.adobe.xmp\0\0\0\0\0" + b"<x:xmpmeta>" + b" " * (5 * MiB) + b"</x:xmpmeta>"
    chunk = (
        struct.pack(">I", len(body))
        + b"iTXt"
        + body
        + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    )
    big = png[:33] + chunk + png[33:]
    with pytest.raises(SignalError, match="over the 4194304-byte cap"):
        write(TERMS, "image", data=big)
