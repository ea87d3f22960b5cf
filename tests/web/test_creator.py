"""The creator's area: works (add, fingerprint, import), the terms matrix, "Reserve
everything" and receipts, through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from typer.testing import CliRunner

from consentry.bootstrap import Registry
from consentry.cli.app import build_app
from consentry.registry.access import Actor, Role
from consentry.registry.purposes import Purpose, Status
from tests.web.conftest import WebClient, csrf_of, make_account, sign_in, sign_in_as

ISBN = "isbn:9780141439518"
OTHER_ISBN = "isbn:9780007232833"
DATA = Path(__file__).resolve().parents[1] / "data" / "scan"


def add_work(web: WebClient, title: str, identifiers: str) -> httpx.Response:
    return web.form(
        "/creator/works",
        "/creator/works",
        {"title": title, "kind": "book", "identifiers": identifiers},
    )


def work_id_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def test_pages_need_a_creator(web: WebClient, registry: Registry) -> None:
    r = web.get("/creator/terms")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/creator/terms")
    sign_in_as(web, registry, Role.DEVELOPER)
    assert web.get("/creator").status_code == 403


def test_add_a_work_and_see_it(web: WebClient, registry: Registry) -> None:
    who = sign_in_as(web, registry, Role.CREATOR)
    work_id = work_id_of(add_work(web, "Emma", "9780141439518"))
    page = web.get(f"/creator/works/{work_id}")
    assert page.status_code == 200
    assert "Emma" in page.text and ISBN in page.text and "The work is registered." in page.text
    assert "not declared" in page.text
    assert "Emma" in web.get("/creator/works").text
    assert ">1</strong> work" in web.get("/creator").text
    work = registry.service.get_work(work_id)
    assert [h.party_id for h in work.holders] == [who.party_id]


def test_a_bad_identifier_is_shown_beside_its_field_with_the_values_kept(
    web: WebClient, registry: Registry
) -> None:
    sign_in_as(web, registry, Role.CREATOR)
    r = add_work(web, "Emma", "isbn:9780141439519")
    assert r.status_code == 422
    error = re.search(r'<p class="error" id="f-identifiers-error">([^<]+)</p>', r.text)
    assert error is not None and "check digit" in error.group(1)
    assert 'value="Emma"' in r.text and 'value="isbn:9780141439519"' in r.text
    r = add_work(web, "", ISBN)
    assert r.status_code == 422 and 'id="f-title-error"' in r.text
    assert registry.service.counts()["works"] == 0


def test_a_creator_cannot_see_or_change_another_creators_work(
    web: WebClient, registry: Registry
) -> None:
    sign_in_as(web, registry, Role.CREATOR)
    theirs = work_id_of(add_work(web, "Theirs", OTHER_ISBN))
    web.post("/logout", data={"csrf_token": csrf_of(web.get("/creator"))})
    other = make_account(registry, Role.CREATOR, email="other@example.org")
    sign_in(web, other)
    assert web.get(f"/creator/works/{theirs}").status_code == 404
    assert "Theirs" not in web.get("/creator/terms").text
    token = csrf_of(web.get("/creator/terms"))
    r = web.post(f"/creator/terms/{theirs}", data={"csrf_token": token, "ai-train": "allowed"})
    assert r.status_code == 404
    r = web.post(
        f"/creator/works/{theirs}/text",
        data={"csrf_token": token},
        files={"file": ("w.txt", b"some words " * 50, "text/plain")},
    )
    assert r.status_code == 404
    assert registry.service.terms_history(theirs) == []
    web.post("/creator/terms/reserve-all", data={"csrf_token": token})
    assert registry.service.terms_history(theirs) == []  # only the creator's own works


def test_reserve_everything_declares_every_purpose_on_every_work(
    web: WebClient, registry: Registry
) -> None:
    who = sign_in_as(web, registry, Role.CREATOR)
    works = [work_id_of(add_work(web, t, i)) for t, i in (("A", ISBN), ("B", OTHER_ISBN))]
    token = csrf_of(web.get("/creator/terms"))
    assert web.post("/creator/terms/reserve-all", data={}).status_code == 403  # no CSRF token
    r = web.post("/creator/terms/reserve-all", data={"csrf_token": token})
    assert r.status_code == 303
    page = web.get("/creator/terms")
    assert "Every purpose is now reserved on 2 works" in page.text
    assert "not declared" not in page.text.split("<table", 1)[1]
    seqs = set()
    for work_id in works:
        history = registry.service.terms_history(work_id)
        assert {d.purpose for d in history} == set(Purpose)
        assert {d.status for d in history} == {Status.RESERVED}
        assert {d.party_id for d in history} == {who.party_id}
        assert len({d.ledger_seq for d in history}) == 1  # one declaration per work
        seqs |= {d.ledger_seq for d in history}
    assert len(seqs) == 2
    receipts = web.get("/creator/receipts").text
    for seq in seqs:
        assert f"/creator/receipts/{seq}.json" in receipts


def test_change_a_works_terms(web: WebClient, registry: Registry) -> None:
    sign_in_as(web, registry, Role.CREATOR)
    work_id = work_id_of(add_work(web, "Emma", ISBN))
    token = csrf_of(web.get(f"/creator/works/{work_id}"))
    r = web.post(
        f"/creator/terms/{work_id}",
        data={"csrf_token": token, "search": "allowed", "ai-train": "reserved", "tdm": ""},
    )
    assert r.status_code == 303
    history = registry.service.terms_history(work_id)
    assert {(d.purpose, d.status) for d in history} == {
        (Purpose.SEARCH, Status.ALLOWED),
        (Purpose.AI_TRAIN, Status.RESERVED),
    }
    # htmx: the form comes back in place, saying what changed; the same choice changes nothing
    r = web.post(
        f"/creator/terms/{work_id}",
        data={"search": "licence", "ai-train": "reserved"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="terms">')
    assert "1 purpose changed" in r.text and "<html" not in r.text
    assert '<span class="status status-licence">licence</span>' in r.text  # the table too
    r = web.post(
        f"/creator/terms/{work_id}",
        data={"csrf_token": token, "search": "sometimes"},
    )
    assert r.status_code == 422 and "sometimes" in r.text


def test_the_downloaded_receipt_verifies_with_the_cli(
    web: WebClient, registry: Registry, tmp_path: Path
) -> None:
    who = sign_in_as(web, registry, Role.CREATOR)
    work_id = work_id_of(add_work(web, "Emma", ISBN))
    web.post("/creator/terms/reserve-all", data={"csrf_token": csrf_of(web.get("/creator/terms"))})
    seq = registry.service.terms_history(work_id)[0].ledger_seq
    assert seq is not None
    r = web.get(f"/creator/receipts/{seq}.json")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'attachment; filename="receipt-{seq}.json"'
    api = registry.service.receipt_for(Actor(Role.CREATOR, who.party_id), seq)
    assert json.loads(r.content) == api
    path = tmp_path / "receipt.json"
    path.write_bytes(r.content)
    out = CliRunner().invoke(
        build_app(), ["receipt", "verify", str(path), "--home", str(registry.settings.home)]
    )
    assert out.exit_code == 0, out.output
    assert "receipt OK" in out.stdout
    page = web.get(f"/creator/receipts/{seq}")
    assert "Verified:" in page.text and 'href="/public-key"' in page.text
    # an altered receipt, uploaded, does not verify
    altered = json.loads(r.content)
    altered["declared_by"] = "someone else"
    token = csrf_of(web.get("/creator/receipts"))
    page = web.post(
        "/creator/receipts/verify",
        data={"csrf_token": token},
        files={"receipt": ("r.json", json.dumps(altered).encode(), "application/json")},
    )
    assert "Does not verify:" in page.text
    # another creator's receipt is not found
    web.post("/logout", data={"csrf_token": token})
    sign_in(web, make_account(registry, Role.CREATOR, email="other@example.org"))
    assert web.get(f"/creator/receipts/{seq}.json").status_code == 404
    assert web.get(f"/creator/receipts/{seq}").status_code == 404
    assert web.get("/creator/receipts/99999999999999999999").status_code in (404, 422)


def test_upload_a_file_for_fingerprinting(web: WebClient, registry: Registry) -> None:
    sign_in_as(web, registry, Role.CREATOR)
    work_id = work_id_of(add_work(web, "Persuasion", ISBN))
    token = csrf_of(web.get(f"/creator/works/{work_id}"))
    text = (DATA / "persuasion-head.txt").read_bytes()
    r = web.post(
        f"/creator/works/{work_id}/text",
        data={"csrf_token": token},
        files={"file": ("persuasion.txt", text, "text/plain")},
    )
    assert r.status_code == 303, r.text
    assert "fingerprints" in web.get(f"/creator/works/{work_id}").text
    assert registry.service.bundle_works(purpose=Purpose.AI_TRAIN) == [work_id]
    r = web.post(
        f"/creator/works/{work_id}/text",
        data={"csrf_token": token},
        files={"file": ("notes.xyz", b"words", "application/octet-stream")},
    )
    assert r.status_code == 422 and 'id="f-file-error"' in r.text


def test_import_a_list_whole_or_not_at_all(web: WebClient, registry: Registry) -> None:
    who = sign_in_as(web, registry, Role.CREATOR)
    me = f"party:{who.party_id}"
    header = "work_id,kind,title,identifiers,contributors,holders,terms\n"
    bad = (
        header
        + f"a1,book,One,{ISBN},,{me}|creator|100,\n"
        + f"a2,book,Two,isbn:9780141439519,,{me}|creator|100,\n"
    )
    token = csrf_of(web.get("/creator/import"))
    r = web.post(
        "/creator/import",
        data={"csrf_token": token},
        files={"file": ("works.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert "nothing was imported" in r.text and "check digit" in r.text
    assert '<th scope="row">2</th>' in r.text
    assert registry.service.counts()["works"] == 0
    good = header + f"a1,book,One,{ISBN},,{me}|creator|100,search=allowed\n"
    r = web.post(
        "/creator/import",
        data={"csrf_token": token},
        files={"file": ("works.csv", good.encode(), "text/csv")},
    )
    assert r.status_code == 303, r.text
    assert "1 works imported" in web.get("/creator/works").text
    # sent by htmx (a progress bar meanwhile): told where to go with HX-Redirect, not a 303
    again = good.replace("a1,", "a2,").replace(ISBN, OTHER_ISBN)
    r = web.post(
        "/creator/import",
        data={"csrf_token": token},
        files={"file": ("more.csv", again.encode(), "text/csv")},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r.headers["hx-redirect"] == "/creator/works"
    assert "location" not in r.headers
    entry = registry.service.catalogue(Actor(Role.CREATOR, who.party_id))[0]
    assert entry.work.title == "One"
    assert entry.declared[Purpose.SEARCH] is Status.ALLOWED
    assert entry.declared[Purpose.AI_TRAIN] is Status.RESERVED
