"""Writers that rewrite a given file (EPUB, PDF, image) never crash on bad input: they either
return a file or raise SignalError naming what was wrong. Options are validated too."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.signals.test_write_roundtrip import make_epub, make_jpeg, make_pdf, make_png

from consentry.errors import SignalError
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import TermsSet
from consentry.signals import epub, iptc
from consentry.signals.write import WriteOptions, write

TERMS = TermsSet.from_statuses({Purpose.SEARCH: Status.ALLOWED})
SAMPLES = {
    "epub": make_epub("3.0"),
    "pdf": make_pdf(),
    "image": make_png(),
}


def write_or_refuse(fmt: str, data: bytes) -> bytes | None:
    try:
        return write(TERMS, fmt, data=data)
    except SignalError as e:
        assert e.message and e.field == "in"
        return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(SAMPLES)), data=st.binary(max_size=400))
def test_random_bytes_never_crash(fmt: str, data: bytes) -> None:
    write_or_refuse(fmt, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from([*sorted(SAMPLES), "jpeg"]),
    cut=st.integers(min_value=0, max_value=4000),
    flip=st.integers(min_value=0, max_value=4000),
)
def test_truncated_or_corrupted_real_files_never_crash(fmt: str, cut: int, flip: int) -> None:
    base = make_jpeg() if fmt == "jpeg" else SAMPLES[fmt]
    data = bytearray(base[: max(1, cut % (len(base) + 1))])
    if data:
        data[flip % len(data)] ^= 0xFF
    out = write_or_refuse("image" if fmt == "jpeg" else fmt, bytes(data))
    if out is not None and fmt == "epub":
        assert epub.parse(out).purposes[Purpose.AI_TRAIN].value == "disallowed"
    if out is not None and fmt in ("image", "jpeg"):
        assert iptc.parse(out).purposes[Purpose.AI_TRAIN].value == "disallowed"


def zipped(entries: list[tuple[str, bytes]], *, encrypt_flag: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in entries:
            z.writestr(name, body)
    data = bytearray(buf.getvalue())
    if encrypt_flag:  # set the "encrypted" bit in the local and central headers
        for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            pos = data.find(sig)
            data[pos + off] |= 0x1
    return bytes(data)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("mimetype", b"application/epub+zip")], "no OPF package document"),
        ([("../evil.opf", b"<package/>")], "unsafe"),
        ([("/abs/content.opf", b"<package/>")], "unsafe"),
        ([("content.opf", b"<package><metadata/>")], "OPF is not XML"),
        ([("content.opf", b"<root/>")], "OPF root is <root>"),
        ([("content.opf", b'<package version="3.0"/>')], "no <metadata>"),
    ],
)
def test_epub_refusals_say_why(entries: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(SignalError, match=message):
        write(TERMS, "epub", data=zipped(entries))


def test_encrypted_epub_entry_is_refused() -> None:
    data = zipped([("content.opf", b"<package/>")], encrypt_flag=True)
    with pytest.raises(SignalError, match="encrypted"):
        write(TERMS, "epub", data=data)


def test_opf_entities_are_not_expanded() -> None:
    opf = (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata>'
        b"<title>&x;</title></metadata></package>"
    )
    out = write(TERMS, "epub", data=zipped([("content.opf", opf)]))
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        assert b"root:" not in z.read("content.opf")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"site_url": "example.org"}, "site-url 'example.org' is not an absolute http"),
        ({"policy_url": "ftp://x/y"}, "policy-url 'ftp://x/y'"),
        ({"contact": "a@b\r\nX-Evil: 1"}, "line break"),
    ],
)
def test_options_are_validated(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(SignalError, match=message):
        WriteOptions(**kwargs)


def test_standalone_formats_refuse_an_input_file() -> None:
    with pytest.raises(SignalError, match="takes no input file"):
        write(TERMS, "robots", data=b"x")


def test_gif_is_refused_with_the_formats_named() -> None:
    with pytest.raises(SignalError, match="neither JPEG nor PNG"):
        write(TERMS, "image", data=b"GIF89a....")


def test_writers_and_lint_do_no_io() -> None:
    """The writers and lint are pure (bytes in, bytes out); only check.py and the CLI do I/O."""
    import ast
    from pathlib import Path

    import consentry.signals.write as write_pkg

    banned = {"httpx", "socket", "urllib.request", "requests", "subprocess", "os", "pathlib"}
    src = Path(write_pkg.__file__).parent
    paths = [*sorted(src.glob("*.py")), src.parent / "lint.py"]
    assert len(paths) == 13
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not set(names) & banned, f"{path.name} imports {names}"
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                member = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                if member and func.value.id in ("z", "zin", "zout") and called == "open":  # type: ignore[union-attr]
                    continue  # a member of an in-memory zip (epub.py streams entries)
                assert called not in ("open", "read_bytes", "read_text", "write_bytes"), path.name
