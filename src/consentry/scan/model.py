"""Values every scan stage shares: the documents that flow in and the matches that flow out.

Every stage has one signature over iterators of :class:`Document`; executors (local
processes, Ray) differ only in scheduling and produce :class:`Match` values that one merge
function orders, so the same corpus gives byte-identical match files on every executor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from consentry.text import is_utf8

# The default largest record a reader takes (JSONL line, WARC body, text file); one over it
# is a bad record, skipped without being held whole. Here (not in ``readers``, which loads
# orjson and zstandard) so the command line can show it in ``--help`` cheaply.
MAX_RECORD_BYTES = 64 << 20
# Reasons of shard-level read problems start with these, so reports can tell them from bad
# records: the rest of a file was not examined, or a table had no text column.
STOPPED_EARLY = "unreadable from here on"
NO_TEXT_COLUMN = "no column"


def json_text(value: Any, **kw: Any) -> str:
    """``json.dumps`` with non-ASCII characters written as they are, unless a string holds a
    lone surrogate: then every non-ASCII character is escaped. A JSONL corpus may spell one
    (``"\\ud800"``), the reader keeps it as the standard library does, and UTF-8 cannot
    encode it; the escaped form is valid UTF-8 and reads back to the same value."""
    text = json.dumps(value, ensure_ascii=False, **kw)
    return text if is_utf8(text) else json.dumps(value, ensure_ascii=True, **kw)


def _orjson() -> Any:
    """orjson, imported on first use: the command line imports this module for --help."""
    import orjson

    return orjson


@dataclass(frozen=True, slots=True)
class Document:
    id: str  # the id field, else "file:line" (or "file:record" for WARC/Parquet)
    text: str
    shard: str = ""  # the corpus file (shard) it came from, for per-shard counts


class MatchLevel(StrEnum):
    EVIDENCE = "evidence"
    EXCERPT = "excerpt"
    SUBSTANTIAL = "substantial"
    COPY = "copy"


@dataclass(frozen=True, slots=True)
class Match:
    """One (document, work) found: the work's words it covers, its spans and similarity."""

    doc: str
    work: str
    # the work's words the document covers (distinct work positions; levels are measured
    # on these, so a passage repeated in the document counts once)
    words: int
    level: MatchLevel
    spans: tuple[tuple[int, int], ...]  # character offsets into the document's original text
    similarity: float  # 0..1, from aligning the original texts
    shard: str = ""
    # 1-based position of the document in its shard (0: unknown); with the shard it tells
    # apart documents that share an id, as the filter's removal manifest does
    record: int = 0
    # the document's words matched (its side of the evidence: a repeated passage counts
    # each time); None when the matcher did not count them apart (then the same as words)
    doc_words: int | None = None
    # every registered work sharing this work's text (identical or near-identical), this
    # one included, by id; empty when it shares its text with none
    group: tuple[str, ...] = ()

    def to_json_line(self) -> str:
        """The match file's line for this match (without its newline)."""
        return self.to_json_bytes()[:-1].decode()

    def to_json_bytes(self) -> bytes:
        """The match file's line as UTF-8, newline included: orjson's compact output (the
        same bytes as ``json_text`` with ``separators=(",", ":")``, about 10x faster: a scan
        writes many), or for an id holding a lone surrogate, ``json_text``'s escaped line."""
        line: dict[str, Any] = {
            "doc": self.doc,
            "shard": self.shard,
            "record": self.record,
            "work": self.work,
            "words": self.words,
            "doc_words": self.words if self.doc_words is None else self.doc_words,
            "level": self.level.value,
            "spans": self.spans,  # tuples are written as arrays
            "similarity": round(self.similarity, 4),
        }
        if self.group:
            line["group"] = self.group
        orjson = _orjson()
        try:
            out: bytes = orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
            return out
        except TypeError:  # a lone surrogate in an id: json_text escapes the line
            return (json_text(line, separators=(",", ":")) + "\n").encode("utf-8")

    def sort_key(self) -> tuple[str, str, str, tuple[tuple[int, int], ...], int]:
        return (self.shard, self.doc, self.work, self.spans, self.record)
