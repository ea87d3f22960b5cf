"""Filter a corpus: write it again without the matched documents (``drop``) or with the
matched spans removed (``redact``), plus a removal manifest.

Per shard, three steps: the matcher runs over the shard's documents; the shard is read again
and every record is copied, dropped or redacted; the output shard, its part of the removal
manifest and a completed-shard marker are each written atomically (temporary file, then
rename), the marker last. A restarted run skips shards whose marker matches the same input
file (sha256), mode, purpose and matcher, so an interrupted filter resumes per shard.
Shards run on the executors ``scan`` uses (:mod:`consentry.scan.executors`, ``local`` or
``ray``) as :class:`FilterWork`; the manifest is assembled from the shards' parts in the
driver, so every engine writes the same bytes.

Output formats: JSONL shards keep their format and compression with every field of every
kept record (only the text field changes when redacted); Parquet shards stay Parquet with
their schema; ``.txt`` files stay text files (a dropped file is not written). WARC and Arrow
(Hugging Face) shards are written as JSONL with the id and text fields.

Redaction replaces each matched span by one space, then scans the document again; if a match
remains after three rounds the document is dropped. Unreadable records are never examined,
so they are never copied: they are left out and listed in the manifest. A second scan of the
output with the same index therefore finds nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from consentry.errors import ScanError
from consentry.scan.executors import ENGINES, execute
from consentry.scan.model import Document, Match, json_text
from consentry.scan.pipeline import Matcher, MatcherFactory, file_sha256
from consentry.scan.readers import ReadLog, ReadOptions, Shard, iter_records
from consentry.scan.workers import remove_stale_temp

__all__ = [
    "MODES",
    "FilterResult",
    "FilterWork",
    "ShardFilterResult",
    "filter_corpus",
    "filter_shard",
]

MODES = ("drop", "redact")
STATE_DIR = ".consentry-filter"
MANIFEST = "_removals.jsonl"  # "_": corpus discovery skips it
_REDACT_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class ShardFilterResult:
    shard: str
    output: str | None  # path of the written shard, relative to the output folder
    documents: int
    kept: int
    dropped: int
    redacted: int
    unreadable: int
    skipped: bool = False  # True when a completed-shard marker let a restarted run skip it


@dataclass(frozen=True, slots=True)
class FilterResult:
    shards: tuple[ShardFilterResult, ...]
    manifest: str

    def total(self, name: str) -> int:
        return sum(int(getattr(s, name)) for s in self.shards)


# --------------------------------------------------------------------------- helpers


def _atomic_target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = _atomic_target(path)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _ReproducibleGzip(gzip.GzipFile):
    """A gzip writer whose bytes depend only on what is written.

    ``gzip.open`` stores the time of writing and the name of the file being written (here
    the temporary name, with a process id) in the header, so a resumed filter's output
    differed from a fresh run's. This stores time 0 and the final name, and owns the file.
    """

    def __init__(self, path: Path, stored_name: str) -> None:
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        super().__init__(filename=stored_name, mode="wb", fileobj=self._raw, mtime=0)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def _open_out(path: Path, like: Path) -> IO[bytes]:
    """Open ``path`` for writing, compressed as the name of ``like`` says."""
    name = like.name.lower()
    if name.endswith(".gz"):
        return _ReproducibleGzip(path, like.name)  # type: ignore[return-value]
    if name.endswith((".zst", ".zstd")):
        import zstandard

        raw = open(path, "wb")  # noqa: SIM115 - closed by the writer (closefd)
        return zstandard.ZstdCompressor().stream_writer(raw, closefd=True)
    return open(path, "wb")


def _merge_spans(matches: Sequence[Match]) -> list[tuple[int, int]]:
    spans = sorted(s for m in matches for s in m.spans)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _cut(text: str, spans: Sequence[tuple[int, int]]) -> str:
    parts, pos = [], 0
    for a, b in spans:
        a, b = max(a, pos), min(b, len(text))
        if a >= b:
            continue
        parts.append(text[pos:a])
        parts.append(" ")
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def _marker_key(shard: Shard, sha256: str, mode: str, purpose: str, matcher: str) -> str:
    return json.dumps(
        {
            "shard": shard.name,
            "input_sha256": sha256,
            "mode": mode,
            "purpose": purpose,
            "matcher": matcher,
        },
        sort_keys=True,
    )


def _state_name(shard: Shard) -> str:
    return hashlib.sha256(shard.name.encode()).hexdigest()[:20]


def _output_name(shard: Shard) -> str:
    if shard.kind in ("warc", "arrow"):
        return shard.name + ".jsonl"
    return shard.name


# --------------------------------------------------------------------------- one shard


@dataclass(slots=True)
class _Decision:
    matches: list[Match]
    text: str | None = None  # redacted text; None means drop
    reason: str = ""


def _decide(
    doc: Document, matches: list[Match], matcher: Matcher, mode: str, purpose: str
) -> _Decision:
    works = ", ".join(sorted({m.work for m in matches}))
    if mode == "drop":
        return _Decision(matches, None, f"matched {works}; reserved for {purpose}; dropped")
    text = doc.text
    found = matches
    for _ in range(_REDACT_ROUNDS):
        text = _cut(text, _merge_spans(found))
        found = list(matcher([Document(doc.id, text, doc.shard)]))
        if not found:
            return _Decision(
                matches, text, f"matched {works}; reserved for {purpose}; spans redacted"
            )
    return _Decision(
        matches,
        None,
        f"matched {works}; reserved for {purpose}; a match "
        f"remained after {_REDACT_ROUNDS} redactions; dropped",
    )


def filter_shard(
    shard: Shard,
    options: ReadOptions,
    matcher: Matcher,
    out_dir: Path,
    *,
    mode: str,
    purpose: str,
    matcher_id: str,
) -> ShardFilterResult:
    """Filter one shard into ``out_dir`` (skipped when its completed marker matches)."""
    state = out_dir / STATE_DIR
    marker = state / f"{_state_name(shard)}.done"
    part = state / f"{_state_name(shard)}.removals.jsonl"
    _, sha = file_sha256(shard.path)
    key = _marker_key(shard, sha, mode, purpose, matcher_id)
    done = _completed(marker, part, key)
    if done is not None:
        return done
    # 1. match, 2. decide and copy, 3. the manifest part, then the marker (last)
    copy = _ShardCopy(shard, options, matcher, mode, purpose, _match(shard, options, matcher))
    out_name = _output_name(shard)
    wrote = _write_output(copy, out_dir / out_name)
    _atomic_write_text(part, "".join(line + "\n" for line in copy.removal_lines()))
    result = ShardFilterResult(
        shard.name,
        out_name if wrote else None,
        documents=copy.counts["documents"],
        kept=copy.counts["kept"],
        dropped=copy.counts["dropped"],
        redacted=copy.counts["redacted"],
        unreadable=copy.counts["unreadable"],
    )
    fields = {k: getattr(result, k) for k in ShardFilterResult.__slots__ if k != "skipped"}
    _atomic_write_text(marker, json.dumps({"key": key, "result": fields}, sort_keys=True))
    return result


def _completed(marker: Path, part: Path, key: str) -> ShardFilterResult | None:
    """The result a previous run recorded for the same input and settings, if any."""
    if not marker.is_file():
        return None
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if saved.get("key") == key and part.is_file():
        return ShardFilterResult(**saved["result"], skipped=True)
    return None


def _match(shard: Shard, options: ReadOptions, matcher: Matcher) -> dict[int, list[Match]]:
    """The shard's matches by record number (documents carry their record number as id, so
    duplicate ids cannot collide)."""
    by_record: dict[int, list[Match]] = {}
    numbered = (
        Document(str(r.number), r.doc.text, shard.name)
        for r in iter_records(shard, options, ReadLog())
        if r.doc is not None
    )
    for m in matcher(numbered):
        by_record.setdefault(int(m.doc), []).append(m)
    return by_record


def _removal(shard: Shard, doc: str, record: int | None, reason: str, **match: Any) -> str:
    """One line of the removal manifest."""
    return json_text(
        {
            "doc": doc,
            "shard": shard.name,
            "record": record,
            "work": match.get("work"),
            "spans": match.get("spans", []),
            "level": match.get("level"),
            "words": match.get("words", 0),
            "doc_words": match.get("doc_words", match.get("words", 0)),
            "reason": reason,
        },
    )


class _ShardCopy:
    """The second read of a shard: each record with its decision, counted as it goes."""

    def __init__(
        self,
        shard: Shard,
        options: ReadOptions,
        matcher: Matcher,
        mode: str,
        purpose: str,
        by_record: dict[int, list[Match]],
    ) -> None:
        self.shard = shard
        self.options = options
        self.matcher = matcher
        self.mode = mode
        self.purpose = purpose
        self.by_record = by_record
        self.counts = {"documents": 0, "kept": 0, "dropped": 0, "redacted": 0, "unreadable": 0}
        self.decisions: dict[int, _Decision] = {}
        self.removals: list[str] = []
        self.unreadable: list[int] = []
        self.examined: set[int] = set()  # record numbers read as documents
        self.not_copied: list[tuple[int, str]] = []  # kept records the writer could not copy
        self.log = ReadLog()

    def records(self) -> Iterator[tuple[Any, Document | None, _Decision | None]]:
        """``(raw record, document or None when unreadable, decision or None to keep)``."""
        shard = self.shard
        for r in iter_records(shard, self.options, self.log):
            if r.doc is None:
                self.counts["unreadable"] += 1
                self.unreadable.append(r.number)
                yield r.raw, None, None
                continue
            self.counts["documents"] += 1
            self.examined.add(r.number)
            found = self.by_record.get(r.number)
            decision = (
                _decide(r.doc, found, self.matcher, self.mode, self.purpose) if found else None
            )
            if decision is None:
                self.counts["kept"] += 1
                yield r.raw, r.doc, None
                continue
            self.decisions[r.number] = decision
            self.counts["dropped" if decision.text is None else "redacted"] += 1
            for m in decision.matches:
                self.removals.append(
                    _removal(
                        shard,
                        r.doc.id,
                        r.number,
                        decision.reason,
                        work=m.work,
                        spans=[list(s) for s in m.spans],
                        level=m.level.value,
                        words=m.words,
                        doc_words=m.words if m.doc_words is None else m.doc_words,
                    )
                )
            yield r.raw, r.doc, decision

    def removal_lines(self) -> list[str]:
        """The manifest part: the removals, then unreadable records and shard problems."""
        shard = self.shard
        lines = list(self.removals)
        for number in self.unreadable:
            where = f"{shard.name}:{number}"
            lines.append(
                _removal(shard, where, number, "unreadable record, not examined; left out")
            )
        if self.log.count > self.counts["unreadable"]:  # a shard-level problem (no text column)
            for p in self.log.problems:
                lines.append(
                    _removal(shard, p.location, None, f"{p.reason}; not examined; left out")
                )
        for number, why in self.not_copied:
            where = f"{shard.name}:{number}"
            lines.append(_removal(shard, where, number, f"{why}; left out"))
        return lines

    def lose(self, number: int, why: str) -> None:
        """A record the writer could not copy: it is left out, and the counts say so."""
        decision = self.decisions.get(number)
        if decision is not None and decision.text is None:
            return  # dropped anyway
        self.counts["redacted" if decision is not None else "kept"] -= 1
        self.counts["unreadable"] += 1
        self.not_copied.append((number, why))


def _write_output(copy: _ShardCopy, target: Path) -> bool:
    """Write the filtered shard atomically; False when nothing is left to write (text)."""
    shard, options = copy.shard, copy.options
    tmp = _atomic_target(target)
    wrote = True
    try:
        if shard.kind == "jsonl":
            with _open_out(tmp, target) as out:
                for raw, doc, decision in copy.records():
                    if doc is None or (decision is not None and decision.text is None):
                        continue
                    if decision is None:
                        out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                    else:
                        obj = json.loads(raw)
                        obj[options.text_field] = decision.text
                        out.write(json_text(obj).encode() + b"\n")
        elif shard.kind in ("warc", "arrow"):
            with open(tmp, "wb") as out:
                for _, doc, decision in copy.records():
                    if doc is None or (decision is not None and decision.text is None):
                        continue
                    text = doc.text if decision is None else decision.text
                    line = {options.id_field: doc.id, options.text_field: text}
                    out.write(json_text(line).encode() + b"\n")
        elif shard.kind == "text":
            texts = [(doc, d) for _, doc, d in copy.records() if doc is not None]
            kept = [doc.text if d is None else d.text for doc, d in texts]
            if kept and kept[0] is not None:
                tmp.write_text(kept[0], encoding="utf-8")
            else:
                wrote = False
        else:  # parquet: decide first (sparse), then copy row batches with the decisions
            for _ in copy.records():
                pass
            wrote = _write_parquet(copy, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if wrote:
        os.replace(tmp, target)
    else:
        target.unlink(missing_ok=True)
    return wrote


def _write_parquet(copy: _ShardCopy, tmp: Path) -> bool:
    """Copy the rows that were read as documents and kept (redacted ones with their new
    text); rows never examined (null text, no text column, unreadable) are left out, as the
    manifest says. False when the file cannot be opened at all (then nothing is written)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    decisions, options = copy.decisions, copy.options
    wanted = sorted(k for k in copy.examined if not (k in decisions and decisions[k].text is None))
    try:
        pf = pq.ParquetFile(copy.shard.path)
        schema = pf.schema_arrow
    except (OSError, pa.ArrowException, ValueError) as exc:
        for k in wanted:  # the reader read it, the writer cannot: never pass on silently
            copy.lose(k, f"could not be copied ({exc})")
        return False
    row = 0
    with pq.ParquetWriter(str(tmp), schema) as writer:
        try:
            for batch in pf.iter_batches(batch_size=1024):
                n = batch.num_rows
                numbers = range(row + 1, row + n + 1)
                keep = [
                    k in copy.examined and not (k in decisions and decisions[k].text is None)
                    for k in numbers
                ]
                if any(k in decisions for k in numbers) and options.text_field in schema.names:
                    col = schema.names.index(options.text_field)
                    texts = batch.column(col).to_pylist()
                    for i, k in enumerate(numbers):
                        if k in decisions and decisions[k].text is not None:
                            texts[i] = decisions[k].text
                    batch = batch.set_column(
                        col, options.text_field, pa.array(texts, type=schema.field(col).type)
                    )
                writer.write_batch(batch.filter(pa.array(keep, type=pa.bool_())))
                row += n
        except (OSError, pa.ArrowException, ValueError) as exc:
            for k in wanted:
                if k > row:
                    copy.lose(k, f"could not be copied ({exc})")
    return True


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True, slots=True)
class FilterWork:
    """``filter`` as per-shard work for :func:`consentry.scan.executors.execute`: each
    shard through :func:`filter_shard` into ``out`` (picklable; one matcher per worker)."""

    factory: MatcherFactory
    options: ReadOptions
    out: Path
    mode: str
    purpose: str
    matcher_id: str

    def start(self) -> Callable[[Shard], ShardFilterResult]:
        matcher = self.factory()

        def run(shard: Shard) -> ShardFilterResult:
            return filter_shard(
                shard,
                self.options,
                matcher,
                self.out,
                mode=self.mode,
                purpose=self.purpose,
                matcher_id=self.matcher_id,
            )

        return run

    def died(self, exc: BaseException) -> ScanError:
        return ScanError(
            f"a filter worker process died ({exc}); completed shards are kept and "
            "a rerun resumes after them",
            out=str(self.out),
        )


def filter_corpus(
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    out_dir: str | Path,
    *,
    mode: str = "drop",
    purpose: str = "ai-train",
    workers: int = 1,
    engine: str = "local",
    on_shard: Callable[[ShardFilterResult], None] | None = None,
) -> FilterResult:
    """Filter every shard into ``out_dir`` on ``engine`` (``local`` or ``ray``, the
    executors ``scan`` uses) and write the removal manifest (``out_dir/_removals.jsonl``,
    the shards' parts in shard-name order)."""
    out = Path(out_dir)
    _check_arguments(shards, out, mode, workers, engine)
    matcher_id = json.dumps(factory.describe(), sort_keys=True, default=str)
    remove_stale_temp([out])  # left by a killed run's workers (.NAME.tmpPID)
    work = FilterWork(factory, options, out, mode, purpose, matcher_id)
    results = execute(engine, shards, work, workers=workers, on_result=on_shard)
    results.sort(key=lambda r: r.shard)
    return FilterResult(tuple(results), str(_write_manifest(shards, out)))


def _check_arguments(
    shards: Sequence[Shard], out: Path, mode: str, workers: int, engine: str
) -> None:
    if mode not in MODES:
        raise ScanError(f"filter mode {mode!r} is not one of {list(MODES)}", mode=mode)
    if engine not in ENGINES:
        raise ScanError(f"engine {engine!r} is not one of {list(ENGINES)}", engine=engine)
    if workers < 1:
        raise ScanError(f"workers is {workers}, expected 1 or more", workers=workers)
    for shard in shards:
        if Path(shard.path).resolve().is_relative_to(out.resolve()):
            raise ScanError(
                f"corpus file {shard.path!r} is inside the output folder {str(out)!r}",
                path=shard.path,
            )


def _write_manifest(shards: Sequence[Shard], out: Path) -> Path:
    """The shards' manifest parts, in shard-name order, as one file (atomically)."""
    manifest = out / MANIFEST
    tmp = _atomic_target(manifest)
    with open(tmp, "wb") as f:
        for shard in sorted(shards, key=lambda s: s.name):
            f.write((out / STATE_DIR / f"{_state_name(shard)}.removals.jsonl").read_bytes())
    os.replace(tmp, manifest)
    return manifest
