"""False positives and recall on real Chinese and Japanese text, under canon-v2's tokens.

    apt-get install manpages-zh manpages-ja fortunes-zh    # the texts (Debian packages)
    python benchmarks/cjk_false_positives.py [--passages 200]

canon-v2 makes every Han, Hiragana, Katakana and Thai character a word of its own, so k = 6
grams of such text are six characters, and a common six-character phrase could pair
unrelated texts. The shared evaluation set is English only; this measures the rate on real
text written without spaces. The texts (none is generated):

- ``zh``: the Simplified Chinese manual pages (``manpages-zh``, /usr/share/man/zh_CN);
- ``ja``: the Japanese manual pages (``manpages-ja``, /usr/share/man/ja);
- ``zh-poems``: the Tang poems (``fortunes-zh`` tang300) registered, the Song lyrics
  (song100) scanned: classical Chinese, short texts with stock phrases.

Roff markup is stripped (macro lines dropped, the words of ``.B``/``.I``-style lines kept,
escapes removed). For the manual pages, the pages are split in two by the sha256 of their
file name: one half registered (an index with ``--store-text``, canon-v2, the default
thresholds), the other half scanned as documents. Every reported match is checked: the
longest run of canonical tokens the document's matched span shares verbatim with the work.
A run of at least ``min_words`` (15) tokens is text the two really share (a licence notice,
a paragraph one page copies from another): ``shared_text``. Without one, when runs of at
least 4 tokens in common (difflib's alignment) cover half the span or more, it is the same
text edited (the GNU "full documentation ... is maintained as a Texinfo manual" paragraph,
translated with small differences in every page): ``edited_text``. Any other match is a
``false_positive``. Recall: ``--passages`` passages of 60 tokens cut from registered pages,
each planted in a scanned page twice over: with every space and line break removed and the
text re-wrapped every 17 characters, and with a space between every character; a passage
counts as found when the scan names its work for that document.

Prints one JSON line. Thai is not measured: no Thai running text is packaged here.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from difflib import SequenceMatcher
from pathlib import Path

from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.fingerprints.kernel import words_texts
from consentry.scan.match import MatchOptions, match_documents
from consentry.scan.model import Document

MAN = {"zh": Path("/usr/share/man/zh_CN"), "ja": Path("/usr/share/man/ja")}
FORTUNES = Path("/usr/share/games/fortunes")
_ESCAPE = re.compile(r"\\(f[BIRP1-4]|f\(..|s[-+]?\d|\(..|\*\(..|\*.|[-&|^e]|.)")
_TEXT_MACRO = re.compile(r"^\.(B|I|BI|IB|BR|RB|IR|RI|SM|SB|SH|SS|TP|IP)\b\s*")


def strip_roff(src: str) -> str:
    """The running text of a manual page's roff source."""
    out = []
    for line in src.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        m = _TEXT_MACRO.match(line)
        if m:
            line = line[m.end() :].replace('"', " ")
        elif line.startswith((".", "'")):
            continue
        out.append(_ESCAPE.sub(lambda e: "-" if e.group(1) == "-" else " ", line))
    return "\n".join(out)


def man_pages(root: Path) -> dict[str, str]:
    pages = {}
    for p in sorted(root.glob("man*/*.gz")):
        try:
            text = strip_roff(gzip.decompress(p.read_bytes()).decode("utf-8"))
        except (UnicodeDecodeError, OSError, EOFError):
            continue  # a page in another encoding or damaged: not this measurement's text
        if len(text) >= 400:
            pages[f"{p.parent.name}/{p.name}"] = text
    return pages


def fortunes(name: str) -> dict[str, str]:
    raw = (FORTUNES / f"{name}.u8").read_text(encoding="utf-8")
    raw = re.sub(r"\x1b\[[0-9;]*m", "", raw)  # the files colour titles for a terminal
    items = [t.strip() for t in raw.split("\n%\n") if t.strip()]
    return {f"{name}-{i:04d}": t for i, t in enumerate(items)}


def halves(texts: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    works, docs = {}, {}
    for name, text in texts.items():
        side = hashlib.sha256(name.encode()).digest()[0] & 1
        (works if side == 0 else docs)[name] = text
    return works, docs


def tokens(text: str) -> list[str]:
    return words_texts([text], ocr_fold=True)[0].split()


def shared_runs(a: list[str], b: list[str]) -> tuple[int, float]:
    """The longest run of tokens ``a`` shares verbatim with ``b``, and the share of ``a``
    that runs of at least 4 tokens in common with ``b`` (difflib's alignment) cover."""
    sm = SequenceMatcher(None, a, b, autojunk=False)
    longest = sm.find_longest_match(0, len(a), 0, len(b)).size
    covered = sum(m.size for m in sm.get_matching_blocks() if m.size >= 4)
    return int(longest), covered / max(1, len(a))


def rewrapped(passage: str) -> str:
    flat = "".join(passage.split())
    return "\n".join(flat[i : i + 17] for i in range(0, len(flat), 17))


def spaced(passage: str) -> str:
    return " ".join("".join(passage.split()))


def passage_of(text: str, rng: random.Random, n_chars: int = 60) -> str | None:
    """A span of ``text`` of ``n_chars`` characters written without spaces (at least 90 %
    of its non-space characters outside ASCII: removing or adding spaces would change
    the words of Latin-script text, which is not what is measured), or None."""
    for _ in range(50):
        a = rng.randrange(0, max(1, len(text) - n_chars))
        span = text[a : a + n_chars]
        chars = "".join(span.split())
        if len(chars) >= 0.8 * n_chars and sum(not c.isascii() for c in chars) >= 0.9 * len(chars):
            return span
    return None


def measure(
    label: str,
    works: dict[str, str],
    docs: dict[str, str],
    out: Path,
    passages: int,
    seed: int,
    options: MatchOptions,
) -> dict[str, object]:
    path = out / f"cjk-{label}.csfidx"
    b = IndexBuilder(path, store_text=True)
    for name, text in works.items():
        b.add_text(name, text)
    info = b.finish()
    index = Index(path)
    opt = options
    work_tokens = {name: tokens(text) for name, text in works.items()}
    docs_list = [Document(name, text, "docs") for name, text in docs.items()]
    shared = edited = fps = 0
    examples = []
    for m in match_documents(docs_list, index, options=opt):
        text = docs[m.doc]
        span_tokens = tokens(" ".join(text[a:b] for a, b in m.spans))
        run, covered = shared_runs(span_tokens, work_tokens[m.work])
        if run >= opt.min_words:
            shared += 1
        elif covered >= 0.5:
            edited += 1
        else:
            fps += 1
            if len(examples) < 5:
                examples.append(
                    {
                        "doc": m.doc,
                        "work": m.work,
                        "run": run,
                        "covered": round(covered, 2),
                        "words": m.words,
                        "doc_span": "".join(span_tokens)[:80],
                    }
                )
    # recall: passages of registered works planted, re-wrapped and re-spaced, in documents
    rng = random.Random(seed)
    names = sorted(works)
    doc_names = sorted(docs)
    planted, found = 0, 0
    for i in range(passages):
        work = names[rng.randrange(len(names))]
        passage = passage_of(works[work], rng)
        if passage is None:
            continue
        host = docs[doc_names[rng.randrange(len(doc_names))]]
        cut = len(host) // 2
        for form in (rewrapped, spaced):
            planted += 1
            doc = Document(
                f"p{i}-{form.__name__}", host[:cut] + "\n" + form(passage) + "\n" + host[cut:]
            )
            if any(m.work == work for m in match_documents([doc], index, options=opt)):
                found += 1
    return {
        "works": len(works),
        "documents": len(docs),
        "document_chars": sum(len(t) for t in docs.values()),
        "fingerprints": info.fingerprints,
        "dropped_common": info.dropped_common,
        "matches": shared + edited + fps,
        "shared_text": shared,
        "edited_text": edited,
        "false_positives": fps,
        "fp_examples": examples,
        "planted": planted,
        "found": found,
        "recall": round(found / planted, 4) if planted else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=int, default=200)
    ap.add_argument("--out", default="build")
    ap.add_argument("--solo-min-words", type=int, default=MatchOptions().solo_min_words)
    ap.add_argument("--solo-min-coverage", type=float, default=MatchOptions().solo_min_coverage)
    ap.add_argument("--only", default="", help="zh, ja or zh-poems: that set alone")
    a = ap.parse_args()
    options = MatchOptions(solo_min_words=a.solo_min_words, solo_min_coverage=a.solo_min_coverage)
    missing = [str(p) for p in (*MAN.values(), FORTUNES / "tang300.u8") if not p.exists()]
    if missing:
        sys.exit(
            f"missing {', '.join(missing)}: apt-get install manpages-zh manpages-ja fortunes-zh"
        )
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, object] = {
        "name": "cjk_false_positives",
        "spec": "canon-v2",
        "thresholds": options.to_dict(),
    }
    total_fp = 0
    for lang, root in MAN.items():
        if a.only in ("", lang):
            works, docs = halves(man_pages(root))
            r = measure(lang, works, docs, out, a.passages, 7, options)
            total_fp += int(r["false_positives"])  # type: ignore[call-overload]
            figures[lang] = r
    if a.only in ("", "zh-poems"):
        poems = fortunes("tang300"), fortunes("song100")
        r = measure("zh-poems", *poems, out, a.passages, 8, options)
        total_fp += int(r["false_positives"])  # type: ignore[call-overload]
        figures["zh-poems"] = r
    figures["value"] = total_fp
    figures["unit"] = "false positives"
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
