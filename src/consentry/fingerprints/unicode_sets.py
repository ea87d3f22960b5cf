"""The two code point sets that ``canon-v2`` adds to ``canon-v1``. Pure: constants and lookups.

* :data:`DEFAULT_IGNORABLE`: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties,
  Unicode :data:`UNICODE_VERSION`, 4,174 code points, unassigned ones in its ranges
  included). canon-v2 deletes them: a soft hyphen, a zero-width space or a word joiner inside
  a word no longer splits it. The table is written out here (a spec must not move with the
  Python it runs on); ``tests/fingerprints/test_canon_v2.py`` re-derives it from
  ``unicodedata`` (general category Cf) plus PropList's Other_Default_Ignorable_Code_Point and
  Variation_Selector, following the derivation rule of DerivedCoreProperties.
* :data:`SOLO_BLOCKS`: the blocks of the scripts written without spaces that canon-v2
  segments: Han, Hiragana, Katakana and Thai. Every word character in them is a token (a
  "word") on its own, so re-wrapping, spacing and line breaks do not change the tokens.
"""

from __future__ import annotations

from bisect import bisect_right

UNICODE_VERSION = "14.0.0"

# Default_Ignorable_Code_Point, inclusive ranges (DerivedCoreProperties-14.0.0.txt)
DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ..AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE, ZWNJ, ZWJ, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # WORD JOINER, invisible operators, bidi isolates, deprecated formats
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (BOM)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT controls
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM..END PHRASE
    (0xE0000, 0xE0FFF),  # tags, VARIATION SELECTOR-17..256, reserved
)

# Blocks whose word characters are tokens of their own (inclusive ranges)
SOLO_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0E00, 0x0E7F, "Thai"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation (iteration marks, ideographic numbers)"),
    (0x3040, 0x309F, "Hiragana"),
    (0x30A0, 0x30FF, "Katakana"),
    (0x31F0, 0x31FF, "Katakana Phonetic Extensions"),
    (0x3400, 0x4DBF, "CJK Unified Ideographs Extension A"),
    (0x4E00, 0x9FFF, "CJK Unified Ideographs"),
    (0xF900, 0xFAFF, "CJK Compatibility Ideographs"),
    (0x1AFF0, 0x1B16F, "Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana Extension"),
    (0x20000, 0x3FFFF, "Supplementary and Tertiary Ideographic Planes"),
)

_DI_STARTS = [a for a, _ in DEFAULT_IGNORABLE]
_SOLO_STARTS = [a for a, _, _ in SOLO_BLOCKS]


def is_default_ignorable(cp: int) -> bool:
    """Whether code point ``cp`` is Default_Ignorable_Code_Point (Unicode 14.0.0)."""
    i = bisect_right(_DI_STARTS, cp) - 1
    return i >= 0 and cp <= DEFAULT_IGNORABLE[i][1]


def in_solo_block(cp: int) -> bool:
    """Whether code point ``cp`` lies in one of the :data:`SOLO_BLOCKS`."""
    i = bisect_right(_SOLO_STARTS, cp) - 1
    return i >= 0 and cp <= SOLO_BLOCKS[i][1]
