"""WARC and HTML records are decoded by BOM, HTTP header charset, ``<meta>``, detection.

Each planted passage is the opening of a public-domain work in a non-Latin script (Natsume
Soseki's *I Am a Cat* in Shift_JIS, Tolstoy's *Anna Karenina* in windows-1251, Chekhov in
UTF-8), written as an HTML response whose charset is given only in the HTTP header, only in
a ``<meta>`` element, or nowhere (detected). Before the fix, a charset given only in the
header was never seen and the page was read as Latin-1: the passage could not be found.
"""

# ruff: noqa: RUF001 - Russian text is Cyrillic on purpose

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from consentry.charsets import charset_of, decode_html, decode_text
from consentry.fingerprints.extract import extract_text
from consentry.scan.executors import run_local
from consentry.scan.pipeline import LiteralMatcher
from consentry.scan.readers import ReadLog, ReadOptions, discover_shards, read_shard

PASSAGES = {
    "shift_jis": (
        "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
        "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。"
        "吾輩はここで始めて人間というものを見た。しかもあとで聞くとそれは書生という"
        "人間中で一番獰悪な種族であったそうだ。"
    ),
    "windows-1251": (
        "Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива "
        "по-своему. Все смешалось в доме Облонских. Жена узнала, что муж был в связи с "
        "бывшею в их доме француженкою-гувернанткой, и объявила мужу, что не может жить "
        "с ним в одном доме."
    ),
    "utf-8": (
        "Дмитрий Дмитрич Гуров, прожив в Ялте уже недели две и привыкнув тут, тоже стал "
        "интересоваться новыми лицами. Сидя в павильоне у Верне, он видел, как по набережной "
        "прошла молодая дама, невысокого роста блондинка, в берете."
    ),
}
WHERE = ("header", "meta", "detected")


def _page(charset: str, where: str) -> bytes:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    head = meta if where == "meta" else ""
    html = (
        f"<!doctype html><html><head>{head}<title>page</title></head>"
        f"<body><p>{PASSAGES[charset]}</p></body></html>"
    )
    return html.encode(charset)


def _warc(path: Path) -> dict[str, str]:
    """One response per (charset, where); returns the literal planted in each record id."""
    planted = {}
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for charset in PASSAGES:
            for where in WHERE:
                body = _page(charset, where)
                ctype = "text/html" + (f"; charset={charset}" if where == "header" else "")
                url = f"https://example.org/{charset}/{where}"
                rec = writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=StatusAndHeaders(
                        "200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1"
                    ),
                    warc_headers_dict={"id": f"{charset}/{where}"},
                )
                writer.write_record(rec)
                planted[f"{charset}/{where}"] = PASSAGES[charset]
    return planted


@pytest.mark.parametrize("charset", list(PASSAGES))
@pytest.mark.parametrize("where", WHERE)
def test_warc_html_record_is_decoded_by_its_charset(
    tmp_path: Path, charset: str, where: str
) -> None:
    _warc(tmp_path / "crawl.warc.gz")
    (shard,) = discover_shards([tmp_path / "crawl.warc.gz"])
    docs = {d.id: d.text for d in read_shard(shard, ReadOptions(), ReadLog())}
    assert PASSAGES[charset] in docs[f"{charset}/{where}"]


def test_planted_registered_texts_are_found_in_every_record(tmp_path: Path) -> None:
    planted = _warc(tmp_path / "crawl.warc.gz")
    matcher = LiteralMatcher(tuple((c, p) for c, p in PASSAGES.items()))
    result = run_local(discover_shards([tmp_path]), ReadOptions(), matcher)
    found = {(m.doc, m.work) for m in result.matches}
    assert found == {(doc, doc.split("/")[0]) for doc in planted}


@pytest.mark.parametrize("charset", list(PASSAGES))
@pytest.mark.parametrize("where", ("meta", "detected"))
def test_registering_an_html_work_decodes_its_charset(
    tmp_path: Path, charset: str, where: str
) -> None:
    path = tmp_path / "work.html"
    path.write_bytes(_page(charset, where))
    assert PASSAGES[charset] in extract_text(path)


def test_decoding_order_bom_then_header_then_meta() -> None:
    ru = PASSAGES["windows-1251"]
    meta_says_koi8 = b'<meta charset="koi8-r"><p>' + ru.encode("cp1251")
    assert ru in decode_html(meta_says_koi8, "windows-1251")  # the header wins over meta
    assert ru in decode_html(b"\xef\xbb\xbf<p>" + ru.encode(), "windows-1251")  # BOM wins
    assert ru in decode_html(b"<p>" + ru.encode("cp1251"), "no-such-charset")  # falls through
    assert decode_html(b"<p>caf\xe9", "iso-8859-1") == "<p>café"  # latin-1 means cp1252
    assert charset_of('text/html; charset="Shift_JIS"') == "shift_jis"
    assert charset_of("text/html") is None
    assert decode_text(ru.encode("cp1251"), "windows-1251") == ru
