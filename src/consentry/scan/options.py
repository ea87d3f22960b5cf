"""The matcher's thresholds, apart from the matcher: printing them (``consentry scan`` does
before every run) needs neither numpy nor rapidfuzz, which the matcher imports."""

from __future__ import annotations

from dataclasses import dataclass

from consentry.errors import ValidationError

__all__ = ["MatchOptions"]


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """Thresholds of the matcher; printed in every report."""

    min_words: int = 15  # evidence: matched extent in words
    excerpt_words: int = 40  # excerpt: work words covered, with coverage >= excerpt_coverage
    excerpt_coverage: float = 0.5
    # levels: the share of the WORK's words one document covers (distinct work positions,
    # so a passage repeated in a document counts once)
    substantial_fraction: float = 0.10
    copy_fraction: float = 0.80
    band: int = 8  # diagonal tolerance in words
    max_gap: int = 60  # split clusters on gaps longer than this (words)
    min_similarity: float = 0.5  # confirmation: alignment similarity 0..1
    # text written without spaces (canon-v2's one-character tokens: Han, Kana, Thai; a cluster
    # at least solo_share of whose document tokens are such characters): six characters are
    # a gram, often one common word ("ディレクトリ"), so evidence needs a longer extent and
    # hits covering at least solo_min_coverage of it (real Japanese manual pages: 15,989
    # matches between unrelated passages with the English thresholds, 34 with these; see
    # benchmarks/cjk_false_positives.py)
    solo_min_words: int = 40
    solo_min_coverage: float = 0.6
    solo_share: float = 0.5
    batch_chars: int = 1 << 21  # documents are processed in batches of about this size

    def __post_init__(self) -> None:
        ints = ("min_words", "excerpt_words", "band", "max_gap", "batch_chars", "solo_min_words")
        for name in ints:
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValidationError(
                    f"match option {name}={v!r} is not valid, expected a positive integer",
                    field=name,
                    value=v,
                    expected="integer >= 1",
                )
        for name in (
            "excerpt_coverage",
            "substantial_fraction",
            "copy_fraction",
            "min_similarity",
            "solo_min_coverage",
            "solo_share",
        ):
            v = getattr(self, name)
            if not 0.0 <= float(v) <= 1.0:
                raise ValidationError(
                    f"match option {name}={v!r} is not valid, expected a number in 0..1",
                    field=name,
                    value=v,
                    expected="0..1",
                )

    def to_dict(self) -> dict[str, object]:
        return {
            "min_words": self.min_words,
            "excerpt_words": self.excerpt_words,
            "excerpt_coverage": self.excerpt_coverage,
            "substantial_fraction": self.substantial_fraction,
            "copy_fraction": self.copy_fraction,
            "band": self.band,
            "max_gap": self.max_gap,
            "min_similarity": self.min_similarity,
            "solo_min_words": self.solo_min_words,
            "solo_min_coverage": self.solo_min_coverage,
            "solo_share": self.solo_share,
        }
