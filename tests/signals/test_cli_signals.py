"""The signals commands end to end: write, read, lint, check (loopback servers, real registry)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from tests.signals.test_check import HTML, Handler, LoopbackSites, Route, page
from tests.signals.test_write_roundtrip import make_epub, make_pdf
from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.signals import robots

APP = build_app()
runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(APP, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_write_robots_from_terms_to_stdout() -> None:
    code, out, _ = cli(
        "signals", "write", "--terms", "ai-train=reserved;search=allowed", "--format", "robots"
    )
    assert code == 0
    sig = robots.parse(out, agent="GPTBot")
    assert (
        sig.purposes[next(p for p in sig.purposes if p.value == "ai-train")].value == "disallowed"
    )


def test_write_to_file_and_read_it_back(tmp_path: Path) -> None:
    out = tmp_path / "tdmrep.json"
    code, _, err = cli(
        "signals", "write", "--terms", "tdm=reserved", "--format", "tdmrep", "--out", str(out)
    )
    assert code == 0 and "wrote" in err
    assert json.loads(out.read_text()) == [{"location": "/", "tdm-reservation": 1}]
    code, stdout, _ = cli("signals", "read", str(out), "--carrier", "tdmrep", "--url", "/x")
    assert code == 0
    assert json.loads(stdout)["purposes"]["tdm"] == "disallowed"


@pytest.mark.parametrize(("fmt", "make"), [("epub", lambda: make_epub("3.0")), ("pdf", make_pdf)])
def test_write_into_a_file_with_in(tmp_path: Path, fmt: str, make: object) -> None:
    assert callable(make)
    src = tmp_path / f"in.{fmt}"
    src.write_bytes(make())
    dst = tmp_path / f"out.{fmt}"
    code, _, _ = cli(
        "signals", "write", "--terms", "search=allowed", "--format", fmt,
        "--in", str(src), "--out", str(dst),
    )  # fmt: skip
    assert code == 0
    code, stdout, _ = cli("signals", "read", str(dst), "--carrier", fmt)
    assert json.loads(stdout)["purposes"]["ai-train"] == "disallowed"
    if fmt == "epub":
        with zipfile.ZipFile(io.BytesIO(dst.read_bytes())) as z:
            assert z.namelist()[0] == "mimetype"


def test_write_errors_name_the_value_and_exit_2(tmp_path: Path) -> None:
    code, _, err = cli("signals", "write", "--terms", "ai-train=maybe", "--format", "robots")
    assert code == 2 and "'maybe'" in err and "reserved, licence, allowed" in err
    code, _, err = cli("signals", "write", "--terms", "tdm=reserved", "--format", "gif")
    assert code == 2 and "'gif'" in err and "robots" in err
    code, _, err = cli("signals", "write", "--terms", "tdm=reserved", "--format", "pdf")
    assert code == 2 and "--in" in err
    code, _, err = cli(
        "signals", "write", "--terms", "tdm=reserved", "--work", "w1", "--format", "robots"
    )
    assert code == 2 and "exactly one of --work, --party, --terms" in err
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"not a pdf")
    code, _, err = cli(
        "signals", "write", "--terms", "tdm=reserved", "--format", "pdf", "--in", str(bad),
        "--out", str(tmp_path / "o.pdf"),
    )  # fmt: skip
    assert code == 2 and "cannot rewrite the PDF" in err
    code, _, err = cli(
        "signals", "write", "--terms", "tdm=reserved", "--format", "robots",
        "--site-url", "example.org",
    )  # fmt: skip
    assert code == 2 and "'example.org' is not an absolute http(s) URL" in err


def test_policy_refused_when_nothing_is_licensed() -> None:
    code, _, err = cli("signals", "write", "--terms", "tdm=reserved", "--format", "tdmrep-policy")
    assert code == 2 and "no TDMRep licence to offer" in err


def test_check_writes_one_json_line_per_url(tmp_path: Path) -> None:
    site: dict[str, Handler] = {
        "/robots.txt": Route(200, b"User-agent: *\nDisallow: /private/\n"),
        "*": page(b'<meta name="tdm-reservation" content="1">'),
    }
    with LoopbackSites([site]) as s:
        urls = tmp_path / "urls.txt"
        urls.write_text(f"# a comment\n{s.url(0, '/a')}\n\n{s.url(0, '/private/b')}\n")
        out = tmp_path / "out.jsonl"
        code, _, err = cli(
            "check", "--urls", str(urls), "--out", str(out), "--agent", "GPTBot",
            "--no-registry", "--timeout", "3",
        )  # fmt: skip
    assert code == 0, err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(x["url"] for x in lines) == [s.url(0, "/a"), s.url(0, "/private/b")]
    by_url = {x["url"]: x for x in lines}
    assert by_url[s.url(0, "/a")]["purposes"]["tdm"] == "disallowed"
    assert by_url[s.url(0, "/private/b")]["purposes"]["ai-train"] == "disallowed"
    assert all(x["agent"] == "GPTBot" for x in lines)


def test_check_without_urls_is_an_error() -> None:
    code, _, err = cli("check", "--no-registry")
    assert code == 2 and "no URLs to check" in err


def test_lint_reports_and_exits_1_then_clean_site_exits_0() -> None:
    bad: dict[str, Handler] = {
        "/robots.txt": Route(
            200, b"User-agent: GPTBot\nDisallow: /\nContent-Signal: ai-train=yes\n"
        ),
        "/.well-known/tdmrep.json": Route(
            200, b'[{"location": "/", "tdm-reservation": 1, "tdm-policy": "/terms"}]'
        ),
        "/terms": Route(200, b"<html>terms</html>", HTML),
        "*": page(),
    }
    good: dict[str, Handler] = {
        "/robots.txt": Route(200, b"User-agent: *\nAllow: /\n"),
        "/.well-known/tdmrep.json": Route(404),
        "*": page(),
    }
    with LoopbackSites([bad, good]) as s:
        code, out, _ = cli("signals", "lint", s.url(0, "/a"))
        assert code == 1
        assert "[robots-vs-usage]" in out and "[tdm-policy-not-machine-readable]" in out
        assert out.count("  fix: ") >= 2
        code, out, _ = cli("signals", "lint", s.url(0, "/a"), "--json")
        assert {f["code"] for f in json.loads(out)} >= {"robots-vs-usage"}
        code, out, _ = cli("signals", "lint", s.url(1, "/a"))
        assert code == 0 and "no problems found" in out


def test_registry_work_terms_written_and_checked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with LoopbackSites([{"/robots.txt": Route(404), "*": page()}]) as s:
        book = s.url(0, "/book")
        csv = tmp_path / "works.csv"
        csv.write_text(
            "work_id,kind,title,identifiers,contributors,holders,terms\n"
            f"w-book,book,A Book,url:{book},Ann Author|author,Ann Author|creator|100,"
            "ai-train=reserved;search=allowed\n"
        )
        code, _, err = cli("import", "csv", str(csv), "--home", str(home))
        assert code == 0, err
        out = tmp_path / "out.jsonl"
        code, _, err = cli("check", book, "--home", str(home), "--out", str(out))
        assert code == 0, err
        out2 = tmp_path / "out2.jsonl"
        other = s.url(0, "/other")
        code, _, err = cli(
            "check", book, other, "--home", str(home), "--out", str(out2), "--workers", "2"
        )  # fmt: skip
        assert code == 0, err
    by_url = {x["url"]: x for x in map(json.loads, out2.read_text().splitlines())}
    assert any(x["carrier"] == "registry" for x in by_url[book]["signals"])
    assert not any(x["carrier"] == "registry" for x in by_url[other]["signals"])
    [line] = [json.loads(x) for x in out.read_text().splitlines()]
    [reg] = [x for x in line["signals"] if x["carrier"] == "registry"]
    work_id = reg["source"].removeprefix("registry:")
    assert line["purposes"]["ai-train"] == "disallowed"
    assert reg["purposes"]["search"] == "allowed"
    code, stdout, err = cli(
        "signals", "write", "--work", work_id, "--home", str(home), "--format", "aitxt"
    )
    assert code == 0, err
    assert "Disallow: /" in stdout
    code, _, err = cli(
        "signals", "write", "--work", "w_missing", "--home", str(home), "--format", "aitxt"
    )
    assert code == 1 and "w_missing" in err


def test_check_in_worker_processes_matches_one_process(tmp_path: Path) -> None:
    sites: list[dict[str, Handler]] = [
        {"/robots.txt": Route(200, f"User-agent: *\nDisallow: /s{i}/\n".encode()), "*": page()}
        for i in range(3)
    ]
    with LoopbackSites(sites) as s:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(s.url(i % 3, f"/s{i % 3}/{i}") for i in range(24)))
        one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
        for out, workers in ((one, "1"), (two, "3")):
            code, _, err = cli(
                "check", "--urls", str(urls), "--out", str(out), "--no-registry",
                "--workers", workers,
            )  # fmt: skip
            assert code == 0, err
        assert [s.count(i, "/robots.txt") for i in range(3)] == [2, 2, 2]  # once per run

    def by_url(p: Path) -> dict[str, dict[str, str]]:
        return {x["url"]: x["purposes"] for x in map(json.loads, p.read_text().splitlines())}

    assert by_url(one) == by_url(two) and len(by_url(one)) == 24
    code, _, err = cli("check", "http://127.0.0.1:1/", "--workers", "0", "--no-registry")
    assert code == 2 and "--workers 0 must be at least 1" in err


def test_shard_by_host_keeps_hosts_together() -> None:
    from consentry.signals.checkrun import shard_by_host

    urls = [f"http://h{i % 5}.example/{i}" for i in range(50)] + ["http://big.example/x"] * 1
    shards = shard_by_host(urls, 2)
    hosts = [{u.split("/")[2] for u in shard} for shard in shards]
    assert not hosts[0] & hosts[1]
    assert sorted(u for shard in shards for u in shard) == sorted(urls)
    assert shard_by_host(urls, 10) and len(shard_by_host(urls, 10)) == 6


def test_policy_assigner_comes_from_contact_or_the_registry_party(tmp_path: Path) -> None:
    """TDMRep s7.1.4: "A Policy MUST contain one assigner property". --terms needs --contact;
    --work takes the declaring party from the registry (its name, its contact)."""
    licensed = "tdm=licence;ai-train=licence;ai-input=licence;ai-index=licence;search=allowed"
    code, _, err = cli("signals", "write", "--terms", licensed, "--format", "tdmrep-policy")
    assert code == 2 and "assigner" in err and "--contact" in err
    code, out, err = cli(
        "signals", "write", "--terms", licensed, "--format", "tdmrep-policy",
        "--contact", "rights@example.org",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["assigner"] == {"vcard:hasEmail": "mailto:rights@example.org"}
    home = tmp_path / "home"
    csv = tmp_path / "works.csv"
    csv.write_text(
        "work_id,kind,title,identifiers,contributors,holders,terms\n"
        "w-1,book,A Book,isbn:9780000000002,Ann Author|author,Ann Author|creator|100,"
        f"{licensed}\n"
    )
    code, _, err = cli("import", "csv", str(csv), "--home", str(home))
    assert code == 0, err
    code, out, err = cli("works", "list", "--json", "--home", str(home))
    assert code == 0, err
    [work] = json.loads(out)["items"]
    code, out, err = cli(
        "signals", "write", "--work", work["id"], "--home", str(home), "--format", "tdmrep-policy"
    )
    assert code == 0, err
    assert json.loads(out)["assigner"]["vcard:fn"] == "Ann Author"
