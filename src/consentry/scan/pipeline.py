"""The scan pipeline: shards -> documents -> matcher -> matches, and the one merge function.

A *matcher* is any callable from an iterable of documents to an iterator of matches. It is
injected, never imported here: executors receive a picklable :class:`MatcherFactory` and
build the matcher once per worker process (so a memory-mapped index is opened once per
process and never pickled). :func:`scan_shard` is the unit of work every executor schedules;
:func:`merge` is the only place results are combined, so local processes and Ray produce
byte-identical match files.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from consentry.errors import ScanError
from consentry.scan.model import Document, Match, MatchLevel
from consentry.scan.readers import ReadLog, ReadOptions, ReadProblem, Shard, iter_records

__all__ = [
    "EXAMPLES_PER_WORK",
    "Example",
    "IndexMatcher",
    "LiteralMatcher",
    "Matcher",
    "MatcherFactory",
    "ScanResult",
    "ShardResult",
    "file_sha256",
    "merge",
    "read_matches",
    "scan_shard",
    "write_match_lines",
    "write_matches",
]

Matcher = Callable[[Iterable[Document]], Iterator[Match]]
EXAMPLES_PER_WORK = 3  # example spans kept per work and shard for the report
_SNIPPET = 240  # characters of an example span kept
_TEXT_WINDOW = 256  # recent document texts kept while a shard is matched


class MatcherFactory(Protocol):
    """Builds a matcher inside a worker. Must be picklable (a frozen dataclass, say)."""

    def __call__(self) -> Matcher: ...

    def describe(self) -> dict[str, Any]:
        """What the report records about the matcher: index, spec, thresholds."""
        ...


@dataclass(frozen=True, slots=True)
class Example:
    doc: str
    work: str
    span: tuple[int, int]
    text: str


@dataclass(frozen=True, slots=True)
class ShardResult:
    """Everything one shard contributes: counts, matches, examples, bad records."""

    shard: str
    path: str
    size: int
    sha256: str
    documents: int
    chars: int
    matches: tuple[Match, ...]
    examples: tuple[Example, ...]
    bad_records: int
    problems: tuple[ReadProblem, ...]
    duplicate_ids: int = 0  # documents whose id an earlier document of the shard has
    # the match file's lines of ``matches`` (UTF-8 JSONL). scan_shard makes them in the worker
    # and leaves ``matches`` in file order (merge's order, duplicates dropped), so the parent
    # only concatenates; empty for a result made otherwise (merge then orders and writes)
    lines: bytes = b""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with each match as a plain tuple: results travel from every worker to the
        parent, whose one thread reads them all. A tuple unpickles in C, where a frozen
        dataclass runs Python code per field (measured: 0.26 s of the parent's CPU for the
        benchmark's 65,708 matches, a third of that as tuples)."""
        rows = tuple(
            [
                (
                    m.doc,
                    m.work,
                    m.words,
                    m.level.value,
                    m.spans,
                    m.similarity,
                    m.shard,
                    m.record,
                    m.doc_words,
                    m.group,
                )
                for m in self.matches
            ]
        )
        fields = (
            self.shard,
            self.path,
            self.size,
            self.sha256,
            self.documents,
            self.chars,
            rows,
            self.examples,
            self.bad_records,
            self.problems,
            self.duplicate_ids,
            self.lines,
        )
        return (_shard_result, fields)


_LEVELS = {level.value: level for level in MatchLevel}


def _shard_result(
    shard: str,
    path: str,
    size: int,
    sha256: str,
    documents: int,
    chars: int,
    rows: tuple[tuple[Any, ...], ...],
    examples: tuple[Example, ...],
    bad_records: int,
    problems: tuple[ReadProblem, ...],
    duplicate_ids: int,
    lines: bytes,
) -> ShardResult:
    """A :class:`ShardResult` from its pickled fields (matches as tuples)."""
    levels = _LEVELS
    matches = tuple(
        [
            Match(doc, work, words, levels[level], spans, sim, shard_, record, doc_words, group)
            for doc, work, words, level, spans, sim, shard_, record, doc_words, group in rows
        ]
    )
    return ShardResult(
        shard,
        path,
        size,
        sha256,
        documents,
        chars,
        matches,
        examples,
        bad_records,
        problems,
        duplicate_ids,
        lines,
    )


@dataclass(slots=True)
class ScanResult:
    """The merged result of a scan: shards in name order, matches in :func:`merge` order."""

    shards: list[ShardResult] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    lines: list[bytes] | None = None  # the match file in blocks (merge's), else from matches

    def match_lines(self) -> Iterator[bytes]:
        """The match file's bytes, in blocks: one per shard, or one per match."""
        if self.lines is not None:
            yield from self.lines
        else:
            for m in self.matches:
                yield m.to_json_bytes()

    @property
    def documents(self) -> int:
        return sum(s.documents for s in self.shards)

    @property
    def chars(self) -> int:
        return sum(s.chars for s in self.shards)

    @property
    def bad_records(self) -> int:
        return sum(s.bad_records for s in self.shards)


def file_sha256(path: str) -> tuple[int, str]:
    """Size and sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def scan_shard(
    shard: Shard, options: ReadOptions, matcher: Matcher, *, digest: bool = True
) -> ShardResult:
    """Read one shard, run the matcher over its documents, and keep example spans.

    Documents are keyed by their position in the shard, as the filter keys them: the matcher
    sees ``"<record>\t<id>"`` as the id and each match gets its id and ``record`` back, so
    two documents with the same id give two findings, never one. Ids seen more than once are
    counted (``duplicate_ids``) so the CLI and the report can warn.

    The shard's sha256 (for the report's corpus manifest) is computed on a thread while the
    shard is matched (``hashlib`` and file reads release the GIL); with ``digest=False``
    (no report asked for) it is not computed and ``sha256`` is empty.
    """
    if not digest:
        counts, matches, examples, log = _scan_documents(shard, options, matcher)
        size, sha256 = os.path.getsize(shard.path), ""
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="consentry-sha256") as hasher:
            hashed = hasher.submit(file_sha256, shard.path)
            counts, matches, examples, log = _scan_documents(shard, options, matcher)
            size, sha256 = hashed.result()
    # merge's order within the shard, in the worker: the parent only concatenates shards
    ordered = _ordered(matches)
    return ShardResult(
        shard=shard.name,
        path=shard.path,
        size=size,
        sha256=sha256,
        documents=counts[0],
        chars=counts[1],
        matches=tuple(ordered),
        examples=tuple(examples),
        bad_records=log.count,
        problems=tuple(log.problems),
        duplicate_ids=counts[2],
        lines=b"".join([m.to_json_bytes() for m in ordered]),
    )


def _scan_documents(
    shard: Shard, options: ReadOptions, matcher: Matcher
) -> tuple[list[int], list[Match], list[Example], ReadLog]:
    """:func:`scan_shard`'s read and match: counts (documents, characters, duplicate ids),
    matches, examples and the read log."""
    log = ReadLog()
    counts = [0, 0, 0]
    seen: set[int] = set()  # hashes of the ids read (a set of ints, not of the ids)
    # the texts of the last documents read, for example spans: a matcher may batch
    # documents, so keep a bounded window rather than only the current one
    texts: OrderedDict[int, str] = OrderedDict()

    def documents() -> Iterator[Document]:
        for r in iter_records(shard, options, log):
            doc = r.doc
            if doc is None:
                continue
            counts[0] += 1
            counts[1] += len(doc.text)
            key = hash(doc.id)
            if key in seen:
                counts[2] += 1
            seen.add(key)
            texts[r.number] = doc.text
            if len(texts) > _TEXT_WINDOW:
                texts.popitem(last=False)
            yield Document(f"{r.number}\t{doc.id}", doc.text, doc.shard)

    matches: list[Match] = []
    examples: list[Example] = []
    per_work: dict[str, int] = {}
    name = shard.name
    for m in matcher(documents()):
        number, _, doc_id = m.doc.partition("\t")
        record = int(number)
        # every field of the matcher's match, with the shard's id, name and record number
        # (built directly: dataclasses.replace costs about 6 us a match)
        match = Match(
            doc_id,
            m.work,
            m.words,
            m.level,
            m.spans,
            m.similarity,
            name,
            record,
            m.doc_words,
            m.group,
        )
        matches.append(match)
        text = texts.get(record)
        if text is not None and match.spans and per_work.get(match.work, 0) < EXAMPLES_PER_WORK:
            per_work[match.work] = per_work.get(match.work, 0) + 1
            a, b = match.spans[0]
            examples.append(Example(doc_id, match.work, (a, b), text[a : min(b, a + _SNIPPET)]))
    return counts, matches, examples, log


def merge(results: Iterable[ShardResult]) -> ScanResult:
    """The one merge function: shards by name, matches by ``Match.sort_key``, duplicates
    (the same match reported twice, e.g. by a retried task) dropped.

    A match names its shard and the sort key starts with it, so the merged order is each
    shard's matches in order, shard after shard: :func:`scan_shard` orders a shard's matches
    and writes their lines in the worker, and here they are concatenated. A result made
    otherwise (no ``lines``) is ordered here."""
    by_name: dict[str, ShardResult] = {}
    for r in results:
        if r.shard in by_name and by_name[r.shard] != r:
            raise ScanError(f"shard {r.shard!r} gave two different results", shard=r.shard)
        by_name[r.shard] = r
    shards = [by_name[name] for name in sorted(by_name)]
    matches: list[Match] = []
    lines: list[bytes] = []
    for s in shards:
        if s.lines or not s.matches:
            matches.extend(s.matches)
            lines.append(s.lines)
        else:
            ordered = _ordered(s.matches)
            matches.extend(ordered)
            lines.append(b"".join([m.to_json_bytes() for m in ordered]))
    return ScanResult(shards=shards, matches=matches, lines=lines)


def _ordered(matches: Iterable[Match]) -> list[Match]:
    """Matches in merge order, duplicates dropped."""
    return sorted(set(matches), key=_full_key)


def _full_key(m: Match) -> tuple[Any, ...]:
    return (*m.sort_key(), m.level.value, m.words, m.similarity)


def write_matches(matches: Iterable[Match], path: str | Path) -> int:
    """Write matches as JSONL, atomically (a temporary file renamed into place)."""
    # each line straight into the buffered file: orjson's results are freed at once (4,096 of
    # them held for one join took twice as long)
    return write_match_lines((m.to_json_bytes() for m in matches), path)


def write_match_lines(blocks: Iterable[bytes], path: str | Path) -> int:
    """Write a match file from its bytes (whole lines, in blocks: ``ScanResult.match_lines``),
    atomically (a temporary file renamed into place); the number of lines written."""
    from consentry.scan.workers import remove_stale_temp

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp([target.parent], recursive=False, of=target.name)  # of killed runs
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp"
    )
    n = 0
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            write = out.write
            for block in blocks:
                write(block)
                n += block.count(b"\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def read_matches(path: str | Path) -> list[dict[str, Any]]:
    """The lines of a match file, as dicts (for tests and reports of earlier scans)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# --------------------------------------------------------------------------- index matcher


@dataclass(frozen=True, slots=True)
class IndexMatcher:
    """The matcher factory for a fingerprint index file: each worker memory-maps the index
    once and runs :func:`consentry.scan.match.match_documents` over its documents.

    ``options`` are the matcher's ``MatchOptions`` (its thresholds); ``None`` means defaults.
    """

    index_path: str
    options: Any = None

    def _options(self) -> Any:
        from consentry.scan.options import MatchOptions

        return self.options if self.options is not None else MatchOptions()

    def __call__(self) -> Matcher:
        from consentry.fingerprints.index import Index
        from consentry.scan.match import match_documents

        index = Index(self.index_path)
        options = self._options()

        def match(docs: Iterable[Document]) -> Iterator[Match]:
            return match_documents(docs, index, options=options)

        return match

    def thresholds(self) -> dict[str, Any]:
        """The thresholds alone (what ``consentry scan`` prints before a run without a
        report): unlike :meth:`describe`, neither reads the index header nor hashes the file."""
        return dict(self._options().to_dict())

    def describe(self) -> dict[str, Any]:
        """The index file (path, size, sha256 of the whole file, works, fingerprints), the
        fingerprint spec and the thresholds, for reports and filter markers."""
        from consentry.fingerprints.index import Index

        info = Index(self.index_path, prefilter=False).describe()
        size, digest = file_sha256(self.index_path)
        spec = info.get("spec") or {}
        return {
            "matcher": "fingerprint",
            "index": {
                "path": self.index_path,
                "size": size,
                "sha256": digest,
                "works": info.get("works"),
                "fingerprints": info.get("fingerprints"),
                "guaranteed_words": info.get("guaranteed_words"),
                "texts": bool(info.get("texts")),
            },
            "spec": " ".join(f"{k}={v}" for k, v in spec.items()) if spec else None,
            "thresholds": self.thresholds(),
        }


# --------------------------------------------------------------------------- literal matcher


@dataclass(frozen=True, slots=True)
class LiteralMatcher:
    """A matcher factory that reports a work wherever its literal text occurs verbatim.

    Not a fingerprint matcher: it is the in-memory fake for tests and demos of the pipeline,
    the executors, the filter and the reports (every occurrence is one span; ``words`` is
    the literal's word count, ``doc_words`` that times its occurrences; ``similarity`` 1.0;
    level ``excerpt``).
    """

    literals: tuple[tuple[str, str], ...]  # (work id, literal text)

    def __post_init__(self) -> None:
        for work, lit in self.literals:
            if not lit:
                raise ScanError(f"literal for work {work!r} is empty", work=work)

    def __call__(self) -> Matcher:
        literals = self.literals

        def match(docs: Iterable[Document]) -> Iterator[Match]:
            for doc in docs:
                for work, lit in literals:
                    spans: list[tuple[int, int]] = []
                    start = doc.text.find(lit)
                    while start >= 0:
                        spans.append((start, start + len(lit)))
                        start = doc.text.find(lit, start + len(lit))
                    if spans:
                        words = len(lit.split())
                        yield Match(
                            doc.id,
                            work,
                            words,
                            MatchLevel.EXCERPT,
                            tuple(spans),
                            1.0,
                            doc_words=words * len(spans),
                        )

        return match

    def describe(self) -> dict[str, Any]:
        return {
            "matcher": "literal (test fake)",
            "works": sorted({w for w, _ in self.literals}),
            "thresholds": {},
        }
