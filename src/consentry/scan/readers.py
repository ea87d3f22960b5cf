"""Corpus readers: files and folders of JSONL, Parquet, WARC, plain text and Hugging Face
datasets saved to disk, streamed as :class:`~consentry.scan.model.Document` values.

A corpus argument (a file or a folder) is split into *shards*, one per data file, in a
deterministic order; every executor schedules shards, never documents. Each reader streams
its shard (a line, a Parquet row batch, a WARC record or an Arrow record batch at a time), so
memory stays bounded whatever the corpus size.

Untrusted content never crashes a reader: a bad record (invalid JSON, a missing or non-text
field, undecodable bytes, a truncated file) is counted in a :class:`ReadLog` with its
``file:line`` location and the reader goes on. Only a corpus argument that names nothing
readable raises :class:`~consentry.errors.ScanError`.

Document ids are the ``--id-field`` value when the record has one, else
``"<shard>:<n>"`` with ``n`` the 1-based line (JSONL), row (Parquet, Arrow) or record (WARC)
number. A plain-text file is one document whose id is the shard name. Shard names are paths
relative to the parent of the corpus argument, so ids do not depend on the working directory.
In a folder, files and folders whose names start with ``.`` or ``_`` are skipped (hidden
files, and metadata such as ``_SUCCESS`` or the filter's ``_removals.jsonl``).
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
import zstandard

from consentry.errors import ScanError
from consentry.scan.model import MAX_RECORD_BYTES, NO_TEXT_COLUMN, STOPPED_EARLY, Document

__all__ = [
    "KINDS",
    "ReadLog",
    "ReadOptions",
    "ReadProblem",
    "Record",
    "Shard",
    "discover_shards",
    "html_to_text",
    "iter_records",
    "read_shard",
    "unsupported_files",
]

# Suffix -> shard kind. Longest suffixes are tried first.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".jsonl.gz", "jsonl"),
    (".jsonl.zst", "jsonl"),
    (".jsonl.zstd", "jsonl"),
    (".json.gz", "jsonl"),
    (".json.zst", "jsonl"),
    (".ndjson", "jsonl"),
    (".jsonl", "jsonl"),
    (".parquet", "parquet"),
    (".warc.gz", "warc"),
    (".warc", "warc"),
    (".arrow", "arrow"),
    (".txt", "text"),
)
KINDS: frozenset[str] = frozenset(kind for _, kind in _SUFFIXES)
_MAX_LOGGED = 100  # problems kept with their location per shard; the rest are only counted
_PARQUET_BATCH = 1024


@dataclass(frozen=True, slots=True)
class ReadOptions:
    text_field: str = "text"
    id_field: str = "id"
    # a record (JSONL line, WARC body, text file) over this is counted as bad and skipped
    # without being held whole: one broken line (a file without newlines) must not take the
    # worker's memory. Books are 1-5 MB of text.
    max_record_bytes: int = MAX_RECORD_BYTES

    def __post_init__(self) -> None:
        if self.max_record_bytes < 1:
            raise ScanError(
                f"max_record_bytes {self.max_record_bytes} is not positive, expected >= 1",
                field="max_record_bytes",
                value=self.max_record_bytes,
            )


@dataclass(frozen=True, slots=True)
class Shard:
    """One data file of a corpus: its path, its reader kind and its stable name."""

    path: str
    kind: str
    name: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScanError(
                f"shard kind {self.kind!r} is not one of {sorted(KINDS)}", kind=self.kind
            )


@dataclass(frozen=True, slots=True)
class ReadProblem:
    location: str  # "file:line"
    reason: str


@dataclass(slots=True)
class ReadLog:
    """Bad records of one or more shards: all counted, the first ones kept with locations."""

    count: int = 0
    problems: list[ReadProblem] = field(default_factory=list)

    def add(self, location: str, reason: str) -> None:
        self.count += 1
        if len(self.problems) < _MAX_LOGGED:
            self.problems.append(ReadProblem(location, reason))

    def extend(self, other: ReadLog) -> None:
        self.count += other.count
        room = _MAX_LOGGED - len(self.problems)
        if room > 0:
            self.problems.extend(other.problems[:room])


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a shard, as read: its 1-based number, its raw form and its document.

    ``raw`` is what a writer needs to copy the record through unchanged (the JSONL line
    bytes, the Parquet/Arrow row index); ``doc`` is ``None`` for a bad record.
    """

    number: int
    raw: Any
    doc: Document | None


# --------------------------------------------------------------------------- discovery


def _kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix, kind in _SUFFIXES:
        if name.endswith(suffix):
            return kind
    return None


def _hf_arrow_files(folder: Path) -> list[Path] | None:
    """The arrow files of a ``save_to_disk`` dataset folder, in their recorded order."""
    state = folder / "state.json"
    if not state.is_file() or not (folder / "dataset_info.json").is_file():
        return None
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
        files = [folder / str(entry["filename"]) for entry in data["_data_files"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScanError(
            f"{state}: not a Hugging Face dataset state file ({exc}); expected"
            ' {"_data_files": [{"filename": ...}, ...]}',
            path=str(state),
        ) from exc
    for f in files:
        if not f.is_file():
            raise ScanError(f"{state} lists {f.name}, which is missing", path=str(f))
    return files


def _walk(folder: Path, root: Path, out: list[Shard], seen: set[Path] | None = None) -> None:
    """Shards under ``folder``; a folder reached twice (a symlink loop, or two links to one
    folder) is read once."""
    seen = set() if seen is None else seen
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    hf = _hf_arrow_files(folder)
    if hf is not None:
        out.extend(Shard(str(p), "arrow", p.relative_to(root).as_posix()) for p in hf)
        return
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.name.startswith((".", "_")):  # hidden, or Hadoop-style metadata (_SUCCESS)
            continue
        if child.is_dir():
            _walk(child, root, out, seen)
        elif child.is_file():
            kind = _kind_of(child)
            if kind is not None:
                out.append(Shard(str(child), kind, child.relative_to(root).as_posix()))


def discover_shards(corpora: Sequence[str | Path]) -> list[Shard]:
    """Every data file under the corpus arguments, in a deterministic order.

    Raises :class:`ScanError` for a path that does not exist, a file of unknown type, a
    folder holding no readable file, or two shards with the same name.
    """
    shards: list[Shard] = []
    for corpus in corpora:
        path = Path(corpus)
        root = path.resolve().parent
        if path.is_file():
            kind = _kind_of(path)
            if kind is None:
                raise ScanError(
                    f"corpus file {str(path)!r} has an unknown type; expected one of "
                    + ", ".join(s for s, _ in _SUFFIXES),
                    path=str(path),
                )
            shards.append(Shard(str(path), kind, path.resolve().relative_to(root).as_posix()))
        elif path.is_dir():
            found: list[Shard] = []
            _walk(path.resolve(), root, found)
            if not found:
                raise ScanError(
                    f"corpus folder {str(path)!r} holds no readable file (JSONL, Parquet, "
                    "WARC, .txt, or a Hugging Face dataset saved to disk)",
                    path=str(path),
                )
            shards.extend(found)
        else:
            raise ScanError(f"corpus {str(path)!r} does not exist", path=str(path))
    seen: set[str] = set()
    for shard in shards:
        if shard.name in seen:
            raise ScanError(
                f"two corpus files share the shard name {shard.name!r}; pass them from "
                "folders with different names",
                shard=shard.name,
            )
        seen.add(shard.name)
    return shards


def unsupported_files(corpora: Sequence[str | Path]) -> list[str]:
    """Files under the corpus folders that are not read because their type is not
    supported (hidden and ``_`` files excluded), as paths relative to each corpus' parent."""
    found: list[str] = []
    for corpus in corpora:
        path = Path(corpus)
        if not path.is_dir():
            continue
        root = path.resolve().parent
        seen: set[Path] = set()
        stack = [path.resolve()]
        while stack:
            folder = stack.pop()
            if folder.resolve() in seen or _hf_arrow_files(folder) is not None:
                continue
            seen.add(folder.resolve())
            for child in folder.iterdir():
                if child.name.startswith((".", "_")):
                    continue
                if child.is_dir():
                    stack.append(child)
                elif child.is_file() and _kind_of(child) is None:
                    found.append(child.relative_to(root).as_posix())
    return sorted(found)


# --------------------------------------------------------------------------- helpers


def _field_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _field_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        return str(value)
    return None


_READ_BUFFER = 1 << 20  # lines are often longer than the default 8 KiB: fewer copies


def _open_binary(path: str) -> IO[bytes]:
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if lower.endswith((".zst", ".zstd")):
        raw = open(path, "rb")  # noqa: SIM115 - closed by the wrapping stream
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.BufferedReader(reader, _READ_BUFFER)
    return open(path, "rb", buffering=_READ_BUFFER)


_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "hr",
        "title",
        "dd",
        "dt",
        "dl",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
    ]
)


def html_to_text(data: bytes, charset: str | None = None) -> str:
    """Visible text of an HTML page: scripts and styles dropped, blocks on their own lines.

    ``charset`` is the HTTP header's; the bytes are decoded by
    :func:`consentry.charsets.decode_html` (BOM, header, ``<meta>``, detection) before
    parsing. Raises ``ValueError`` when the bytes hold no HTML document.
    """
    import lxml.etree
    import lxml.html

    from consentry.charsets import decode_html

    utf8 = decode_html(data, charset).encode("utf-8")
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        root = lxml.html.document_fromstring(utf8, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ValueError(f"no HTML document ({exc})") from exc
    bad: Any
    for bad in list(root.iter("script", "style", "noscript", "template")):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
    text = str(lxml.etree.tostring(root, method="text", encoding="unicode"))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- readers


def _json_loads(line: bytes) -> Any:
    """orjson (about 3x faster) and, for what it refuses, the standard library, which is more
    lenient (lone surrogate escapes, NaN): the records accepted are exactly the standard
    library's. orjson accepts integers beyond 64 bits as floats: ``_jsonl`` re-reads a line
    whose id is a float with the standard library."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def _jsonl(shard: Shard, options: ReadOptions, log: ReadLog) -> Iterator[Record]:
    n = 0
    limit = options.max_record_bytes
    try:
        with _open_binary(shard.path) as stream:
            while line := stream.readline(limit + 1):
                n += 1
                if len(line) > limit and not line.endswith(b"\n"):
                    size = len(line) + _skip_line(stream)
                    log.add(f"{shard.name}:{n}", _too_large(size, limit))
                    yield Record(n, b"", None)
                    continue
                if line.isspace():  # blank (every line ends in b"\n" but perhaps the last)
                    continue
                try:
                    obj = _json_loads(line)
                except (ValueError, RecursionError) as exc:
                    where = f"{shard.name}:{n}"
                    log.add(where, f"not valid JSON ({type(exc).__name__})")
                    yield Record(n, line, None)
                    continue
                if not isinstance(obj, dict):
                    where = f"{shard.name}:{n}"
                    log.add(where, f"expected a JSON object, got {type(obj).__name__}")
                    yield Record(n, line, None)
                    continue
                if isinstance(obj.get(options.id_field), float):
                    # orjson reads an integer beyond 64 bits as a float (the standard library
                    # keeps it exact): an id must not depend on which parser read it
                    obj = json.loads(line)
                text = _field_text(obj.get(options.text_field))
                if text is None:
                    got = obj.get(options.text_field)
                    log.add(
                        f"{shard.name}:{n}",
                        f"field {options.text_field!r} is missing"
                        if got is None
                        else f"field {options.text_field!r} is {type(got).__name__}, "
                        "expected a string",
                    )
                    yield Record(n, line, None)
                    continue
                doc_id = _field_id(obj.get(options.id_field)) or f"{shard.name}:{n}"
                yield Record(n, line, Document(doc_id, text, shard.name))
    except (OSError, EOFError, zlib.error, ValueError, zstandard.ZstdError) as exc:
        # truncated or corrupt compressed stream: keep what was read, note where it stopped
        log.add(f"{shard.name}:{n + 1}", f"{STOPPED_EARLY} ({exc})")


def _skip_line(stream: IO[bytes]) -> int:
    """Read past the rest of a line, a block at a time; the bytes read."""
    skipped = 0
    while block := stream.readline(1 << 20):
        skipped += len(block)
        if block.endswith(b"\n"):
            break
    return skipped


def _too_large(size: int, limit: int) -> str:
    return f"record of {size:,} bytes is over the {limit:,}-byte limit; not examined"


def _table_batches(shard: Shard, options: ReadOptions) -> Iterator[Any]:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    if shard.kind == "parquet":
        pf = pq.ParquetFile(shard.path)
        names = set(pf.schema_arrow.names)
        cols = [c for c in (options.text_field, options.id_field) if c in names]
        yield names
        yield from pf.iter_batches(batch_size=_PARQUET_BATCH, columns=cols)
        return
    source = pa.memory_map(shard.path, "r")
    try:
        reader: Any = pa.ipc.open_stream(source)
    except pa.ArrowInvalid:
        reader = pa.ipc.open_file(source)
        yield set(reader.schema.names)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
        return
    yield set(reader.schema.names)
    yield from reader


def _table(shard: Shard, options: ReadOptions, log: ReadLog) -> Iterator[Record]:
    import pyarrow as pa

    row = 0
    try:
        batches = _table_batches(shard, options)
        names = next(batches)
        if options.text_field not in names:
            log.add(
                f"{shard.name}:0",
                f"{NO_TEXT_COLUMN} {options.text_field!r}; columns are {sorted(names)}",
            )
            return
        has_id = options.id_field in names
        for batch in batches:
            texts = batch.column(options.text_field).to_pylist()
            ids = batch.column(options.id_field).to_pylist() if has_id else None
            for i, text in enumerate(texts):
                row += 1
                where = f"{shard.name}:{row}"
                if not isinstance(text, str):
                    log.add(where, f"column {options.text_field!r} is not text here ({text!r:.40})")
                    yield Record(row, row - 1, None)
                    continue
                doc_id = (_field_id(ids[i]) if ids is not None else None) or where
                yield Record(row, row - 1, Document(doc_id, text, shard.name))
    except (OSError, pa.ArrowException, ValueError, KeyError) as exc:
        log.add(f"{shard.name}:{row + 1}", f"{STOPPED_EARLY} ({exc})")


def _warc(shard: Shard, options: ReadOptions, log: ReadLog) -> Iterator[Record]:
    from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

    from consentry.charsets import charset_of, decode_text

    n = 0
    try:
        with open(shard.path, "rb") as stream:
            for record in ArchiveIterator(stream):
                n += 1
                where = f"{shard.name}:{n}"
                if record.rec_type not in ("response", "resource"):
                    continue
                if record.rec_type == "response" and record.http_headers is not None:
                    ctype = record.http_headers.get_header("Content-Type") or ""
                else:
                    ctype = record.rec_headers.get_header("Content-Type") or ""
                ctype = ctype.lower()
                if "html" not in ctype and not ctype.startswith("text/"):
                    continue  # images, scripts, dns records: not documents
                body = record.content_stream().read(options.max_record_bytes + 1)
                if len(body) > options.max_record_bytes:
                    log.add(where, _too_large(len(body), options.max_record_bytes) + " (at least)")
                    yield Record(n, None, None)
                    continue
                try:  # charset by BOM, HTTP header, <meta>, detection (consentry.charsets)
                    if "html" in ctype:
                        text = html_to_text(body, charset_of(ctype))
                    else:
                        text = decode_text(body, charset_of(ctype))
                except (ValueError, LookupError) as exc:
                    log.add(where, f"{ctype or 'body'} not decodable ({exc})")
                    yield Record(n, None, None)
                    continue
                header_id = record.rec_headers.get_header(options.id_field)
                yield Record(n, None, Document(header_id or where, text, shard.name))
    except Exception as exc:  # warcio raises bare Exception subclasses on bad framing
        log.add(f"{shard.name}:{n + 1}", f"{STOPPED_EARLY} ({exc})")


def _text(shard: Shard, options: ReadOptions, log: ReadLog) -> Iterator[Record]:
    try:
        size = Path(shard.path).stat().st_size
        if size > options.max_record_bytes:
            log.add(f"{shard.name}:1", _too_large(size, options.max_record_bytes))
            yield Record(1, None, None)
            return
        data = Path(shard.path).read_bytes()
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        log.add(f"{shard.name}:1", f"not readable as UTF-8 text ({exc})")
        yield Record(1, None, None)
        return
    yield Record(1, None, Document(shard.name, text, shard.name))


_READERS = {"jsonl": _jsonl, "parquet": _table, "arrow": _table, "warc": _warc, "text": _text}


def iter_records(shard: Shard, options: ReadOptions, log: ReadLog) -> Iterator[Record]:
    """Every record of ``shard``, good (``doc`` set) or bad (counted in ``log``)."""
    return _READERS[shard.kind](shard, options, log)


def read_shard(shard: Shard, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    """The documents of ``shard``, streamed; bad records are counted in ``log``."""
    for record in iter_records(shard, options, log):
        if record.doc is not None:
            yield record.doc
