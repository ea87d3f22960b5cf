"""The ``canon-v1`` and ``canon-v2`` fingerprint specs and their pure-Python reference.

This module *defines* the spec (``docs/fingerprint-spec.md`` describes it in prose with test
vectors); :mod:`consentry.fingerprints.kernel` is the fast numpy implementation that must give
identical fingerprints. Pure: no I/O, no clock, no randomness.

canon-v1, in order:

1. **Hyphenated line breaks.** A ``-`` whose previous code point is a word character, followed
   by spaces or tabs, one line break (``\\n`` or ``\\r\\n``) and any whitespace, then a word
   character, is deleted together with that whitespace (``ex-\\n  ample`` -> ``example``).
2. **Per code point fold.** Every remaining code point ``c`` becomes
   ``fold(c) = drop_marks(NFKD(casefold(NFKD(c))))`` (NFKC compatibility mapping, case folding
   and diacritics removed, per code point so that offsets into the original text survive).
   In the result every code point that is not a word character is a separator.
   Word characters are those for which Python's ``str.isalnum()`` is true (Unicode letters
   and code points with a Numeric_Type).
3. **OCR fold** (optional, recorded in the spec header): single characters
   ``1 i -> l``, ``0 -> o``, ``c -> e``, ``h -> b``, ``u -> n``, then ``rn -> m``
   (left to right, non-overlapping).
4. **Words** are maximal runs of word characters; the canonical text is the words joined by
   single spaces (U+0020).
5. **k-grams** of consecutive words (k = 6 by default) are hashed with ``hash64``: the
   polynomial ``sum(cp_j * B**(L-1-j)) mod 2**64`` over the Unicode code points ``cp_j`` of the
   k words joined by single spaces (``L`` code points), ``B = 0x100000001B3``, then the
   murmur3 ``fmix64`` finaliser. A text with fewer than k words has no fingerprints.
6. **Selection**: ``all`` (every gram) or ``winnow-W`` (in every window of W consecutive gram
   hashes, the rightmost minimum; each position once). Winnowing guarantees that any run of
   at least ``W + k - 1`` shared words shares at least one selected fingerprint.

canon-v2 (the default for new indexes) changes step 2 only, for each code point ``c``:

* a Default_Ignorable_Code_Point (:data:`.unicode_sets.DEFAULT_IGNORABLE`: soft hyphen,
  zero-width space/joiners, word joiner, BOM, variation selectors, ...) folds to nothing, so
  it no longer splits the word around it (canon-v1 made it a separator);
* every other code point folds as in canon-v1 (which is the NFKC compatibility mapping with
  case folding, applied per code point), ignorables in the result dropped, and each folded
  word character in a :data:`.unicode_sets.SOLO_BLOCKS` block (Han, Hiragana, Katakana,
  Thai) becomes a word of its own (a separator before and after it), so that re-wrapping,
  spacing and line breaks in text written without spaces do not change the words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from consentry.errors import ValidationError
from consentry.fingerprints.unicode_sets import in_solo_block, is_default_ignorable

CANON_V1 = "canon-v1"
CANON_V2 = "canon-v2"
VERSIONS = (CANON_V1, CANON_V2)
CANON_VERSION = CANON_V2  # what new indexes are built with
HASH_NAME = "poly-0x100000001B3-fmix64"
BASE = 0x100000001B3
MASK64 = (1 << 64) - 1
DEFAULT_K = 6

OCR_SINGLE = {"1": "l", "i": "l", "0": "o", "c": "e", "h": "b", "u": "n"}
OCR_PAIR = ("rn", "m")

# step 1: the hyphen, the whitespace around the line break; the neighbours are checked in code
HYPHEN_BREAK = re.compile(r"-[ \t]*\r?\n\s*")


@dataclass(frozen=True, slots=True)
class CanonSpec:
    """What an index or a sketch was built with; recorded in every index header."""

    k: int = DEFAULT_K
    ocr_fold: bool = True
    selection: str = "all"  # "all" or "winnow-W"
    version: str = CANON_VERSION
    hash: str = HASH_NAME

    def __post_init__(self) -> None:
        check_version(self.version)
        if self.hash != HASH_NAME:
            raise ValidationError(
                f"fingerprint hash {self.hash!r} is not supported, expected {HASH_NAME!r}",
                field="hash",
                value=self.hash,
                expected=HASH_NAME,
            )
        if not 1 <= self.k <= 64:
            raise ValidationError(
                f"k-gram size {self.k} is out of range, expected 1..64",
                field="k",
                value=self.k,
                expected="1..64",
            )
        _ = self.window  # validates the selection

    @property
    def window(self) -> int:
        """1 for ``all``, W for ``winnow-W``."""
        if self.selection == "all":
            return 1
        m = re.fullmatch(r"winnow-([0-9]{1,3})", self.selection)
        if m is None or not 2 <= int(m.group(1)) <= 256:
            raise ValidationError(
                f"selection {self.selection!r} is not valid, expected 'all' or 'winnow-W' "
                "with W in 2..256",
                field="selection",
                value=self.selection,
                expected="all | winnow-W",
            )
        return int(m.group(1))

    @property
    def guaranteed_words(self) -> int:
        """Shared runs of at least this many words always share a selected fingerprint."""
        return self.window + self.k - 1

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "k": self.k,
            "hash": self.hash,
            "ocr_fold": self.ocr_fold,
            "selection": self.selection,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> CanonSpec:
        try:
            return cls(
                k=int(d["k"]),  # type: ignore[call-overload]
                ocr_fold=bool(d["ocr_fold"]),
                selection=str(d["selection"]),
                version=str(d["version"]),
                hash=str(d["hash"]),
            )
        except KeyError as exc:
            raise ValidationError(
                f"fingerprint spec is missing {exc.args[0]!r}",
                field=str(exc.args[0]),
                expected="version, k, hash, ocr_fold, selection",
            ) from None


def check_version(version: str) -> str:
    """``version`` when it is a spec this code implements, else a ValidationError."""
    if version not in VERSIONS:
        raise ValidationError(
            f"fingerprint spec {version!r} is not supported, expected one of {VERSIONS}",
            field="version",
            value=version,
            expected=" | ".join(VERSIONS),
        )
    return version


@lru_cache(maxsize=131072)
def fold_char(c: str, version: str = CANON_VERSION) -> str:
    """Step 2 for one code point: letters/digits kept (folded), others -> ' '.

    Returns the folded string: may be empty (combining marks; under canon-v2 also default
    ignorables), or longer than one code point (ligatures, ``ß`` -> ``ss``; under canon-v2 a
    Han/Kana/Thai character ``x`` gives ``" x "``).
    """
    if version == CANON_V2 and is_default_ignorable(ord(c)):
        return ""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", c).casefold())
    out = []
    for ch in s:
        if unicodedata.category(ch).startswith("M"):
            continue
        if not ch.isalnum():
            out.append(" ")
        elif version != CANON_V2:
            out.append(ch)
        elif is_default_ignorable(ord(ch)):
            continue
        elif in_solo_block(ord(ch)):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    return "".join(out)


def hyphen_joins(text: str) -> list[tuple[int, int]]:
    """canon-v1 step 1: the [start, end) ranges of the original text that are deleted."""
    out = []
    for m in HYPHEN_BREAK.finditer(text):
        a, b = m.start(), m.end()
        if a > 0 and b < len(text) and text[a - 1].isalnum() and text[b].isalnum():
            out.append((a, b))
    return out


@dataclass(frozen=True, slots=True)
class Word:
    """A canonical word and the [start, end) range of the original text it came from."""

    text: str
    start: int
    end: int


def reference_words(
    text: str, *, ocr_fold: bool = True, version: str = CANON_VERSION
) -> list[Word]:
    """Steps 1-4, one code point at a time (the reference, not fast)."""
    check_version(version)
    deleted = bytearray(len(text))
    for a, b in hyphen_joins(text):
        for i in range(a, b):
            deleted[i] = 1
    # folded characters with the original range each came from
    chars: list[tuple[str, int, int]] = []
    for i, c in enumerate(text):
        if deleted[i]:
            continue
        for f in fold_char(c, version):
            if ocr_fold:
                f = OCR_SINGLE.get(f, f)
            chars.append((f, i, i + 1))
    if ocr_fold:
        merged: list[tuple[str, int, int]] = []
        i = 0
        while i < len(chars):
            if i + 1 < len(chars) and chars[i][0] == "r" and chars[i + 1][0] == "n":
                merged.append(("m", chars[i][1], chars[i + 1][2]))
                i += 2
            else:
                merged.append(chars[i])
                i += 1
        chars = merged
    # a word ends at the end of its last character, or where the next folded character
    # starts when that is later (a dropped combining mark belongs to the word before it)
    words: list[Word] = []
    cur: list[tuple[str, int, int]] = []
    for ch in [*chars, (" ", len(text), len(text))]:
        if ch[0] == " ":
            if cur:
                end = max(cur[-1][2], ch[1])
                words.append(Word("".join(c[0] for c in cur), cur[0][1], end))
                cur = []
        else:
            cur.append(ch)
    return words


def canonical_text(text: str, *, ocr_fold: bool = True, version: str = CANON_VERSION) -> str:
    """The canonical text: canonical words joined by single spaces."""
    return " ".join(w.text for w in reference_words(text, ocr_fold=ocr_fold, version=version))


def fmix64(h: int) -> int:
    """The murmur3 64-bit finaliser."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK64
    h ^= h >> 33
    return h


def hash64(s: str) -> int:
    """canon-v1 hash of a string (normally k canonical words joined by single spaces)."""
    h = 0
    for ch in s:
        h = (h * BASE + ord(ch)) & MASK64
    return fmix64(h)


def winnow(hashes: list[int], window: int) -> list[int]:
    """Positions selected by winnowing: the rightmost minimum of every window, each once."""
    if window <= 1:
        return list(range(len(hashes)))
    if len(hashes) <= window:
        if not hashes:
            return []
        m = min(hashes)
        return [max(i for i, h in enumerate(hashes) if h == m)]
    out: list[int] = []
    for s in range(len(hashes) - window + 1):
        win = hashes[s : s + window]
        m = min(win)
        p = s + max(i for i, h in enumerate(win) if h == m)
        if not out or out[-1] != p:
            out.append(p)
    return out


def reference_fingerprints(text: str, spec: CanonSpec = CanonSpec()) -> list[tuple[int, int]]:
    """(fingerprint, word position) pairs of a text under ``spec``: the reference."""
    words = [w.text for w in reference_words(text, ocr_fold=spec.ocr_fold, version=spec.version)]
    k = spec.k
    hashes = [hash64(" ".join(words[i : i + k])) for i in range(len(words) - k + 1)]
    return [(hashes[p], p) for p in winnow(hashes, spec.window)]
