"""The AI developer's pages on SQLite and PostgreSQL: lookup (the table, and CSV and JSON
downloads equal to the API's answer for the same identifiers), the API's limit, the
fingerprint bundle, and who may open the pages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from consentry.bootstrap import Registry
from consentry.fingerprints.builder import build_index_from_fingerprints
from consentry.registry.access import SYSTEM, Role
from consentry.registry.purposes import Purpose
from consentry.web.developer_lookup import CSV_COLUMNS
from tests.api.conftest import EMMA_ISBN, OTHER_ISBN, _work, fresh_isbn, make_world
from tests.web.conftest import WebClient, csrf_of, sign_in_as

EMMA_TEXT = " ".join(
    f"Emma Woodhouse handsome clever and rich with a comfortable home line {n}" for n in range(60)
)


def test_lookup_table_and_downloads_equal_the_api(web: WebClient, registry: Registry) -> None:
    w = make_world(registry)
    disputed = fresh_isbn()
    _work(registry, "Claimed", w.creator, disputed)
    _work(registry, "Claimed too", w.other_creator, disputed)
    sign_in_as(web, registry, Role.DEVELOPER, party_id=w.developer)
    ids = [EMMA_ISBN, "9780141439518", "isbn:9780000000001", "https://example.org/none", disputed]
    page = web.get("/developer/lookup")
    assert page.status_code == 200 and 'for="f-ids"' in page.text
    token = csrf_of(page)
    pasted = "\n".join(ids) + "\n\n"

    shown = web.post("/developer/lookup", data={"csrf_token": token, "ids": pasted})
    assert shown.status_code == 200, shown.text
    for text in ("Emma", "Odes", "not registered", "invalid: ", "disputed", "status-allowed"):
        assert text in shown.text
    assert '<th scope="col">ai-train</th>' in shown.text
    assert 'class="table-wrap"' in shown.text

    api = web.post("/v1/lookup", json={"ids": ids}, headers=w.headers("developer"))
    assert api.status_code == 200
    as_json = web.post(
        "/developer/lookup", data={"csrf_token": token, "ids": pasted, "format": "json"}
    )
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    assert "attachment" in as_json.headers["content-disposition"]
    assert as_json.json() == api.json()

    as_csv = web.post(
        "/developer/lookup", data={"csrf_token": token, "ids": pasted, "format": "csv"}
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["identifier"] for r in rows] == [
        EMMA_ISBN,
        OTHER_ISBN,
        "isbn:9780000000001",
        "url:https://example.org/none",  # canonical, as the API answers
        disputed,
        disputed,
    ]
    emma = api.json()["results"][0]["works"][0]
    assert {p.value: rows[0][p.value] for p in Purpose} == emma["terms"]
    assert rows[0]["work_id"] == emma["work_id"] and rows[0]["title"] == "Emma"
    assert rows[2]["error"] == api.json()["results"][2]["error"]
    assert rows[3]["error"] == "not registered"
    assert rows[4]["disputed"] == rows[5]["disputed"] == "yes"


def test_a_list_file_and_a_territory(web: WebClient, registry: Registry) -> None:
    w = make_world(registry)
    sign_in_as(web, registry, Role.DEVELOPER, party_id=w.developer)
    token = csrf_of(web.get("/developer/lookup"))
    listed = ("ids.txt", f"\ufeff{EMMA_ISBN}\r\n{OTHER_ISBN}\r\n".encode())
    r = web.post(
        "/developer/lookup",
        data={"csrf_token": token, "ids": "", "territory": "gb", "format": "json"},
        files={"file": listed},
    )
    api = web.post(
        "/v1/lookup",
        json={"ids": [EMMA_ISBN, OTHER_ISBN], "territory": "GB"},
        headers=w.headers("developer"),
    )
    assert r.json() == api.json() and [x["id"] for x in r.json()["results"]] == [
        EMMA_ISBN,
        OTHER_ISBN,
    ]
    shown = web.post(
        "/developer/lookup",
        data={"csrf_token": token, "ids": "", "territory": "GB"},
        files={"file": listed},
    )
    assert "for use in GB" in shown.text and f"{EMMA_ISBN}\n{OTHER_ISBN}</textarea>" in shown.text
    bad = web.post(
        "/developer/lookup", data={"csrf_token": token, "ids": EMMA_ISBN, "territory": "Narnia"}
    )
    assert bad.status_code == 422 and 'id="f-territory-error"' in bad.text
    assert 'value="Narnia"' in bad.text and f">{EMMA_ISBN}</textarea>" in bad.text


def test_the_apis_limit_is_named_and_what_was_typed_is_kept(
    web: WebClient, registry: Registry
) -> None:
    sign_in_as(web, registry, Role.DEVELOPER)
    token = csrf_of(web.get("/developer/lookup"))
    empty = web.post("/developer/lookup", data={"csrf_token": token, "ids": "  \n"})
    assert empty.status_code == 422 and "no identifiers given" in empty.text
    too_many = "\n".join(f"isbn:97800000{n:05d}" for n in range(10_001))
    r = web.post("/developer/lookup", data={"csrf_token": token, "ids": too_many})
    assert r.status_code == 422
    assert "10001 identifiers in one lookup; the limit is 10000" in r.text
    assert 'id="f-ids-error"' in r.text and "isbn:9780000010000" in r.text
    bad = web.post(
        "/developer/lookup",
        data={"csrf_token": token, "ids": ""},
        files={"file": ("ids.txt", b"\xff\xfe")},
    )
    assert bad.status_code == 422 and "not UTF-8" in bad.text


def test_the_bundle_is_the_one_the_cli_writes(
    web: WebClient, registry: Registry, tmp_path: Path
) -> None:
    w = make_world(registry)
    registry.service.register_fingerprints(SYSTEM, work_id=w.work, text=EMMA_TEXT)
    sign_in_as(web, registry, Role.DEVELOPER, party_id=w.developer)
    page = web.get("/developer/bundle")
    assert page.status_code == 200 and '<label for="f-purpose">' in page.text
    r = web.get("/developer/bundle/download", params={"purpose": "ai-train"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    assert 'filename="consentry-ai-train.idx"' in r.headers["content-disposition"]
    svc = registry.service
    spec = svc.bundle_spec()
    works = svc.bundle_works(purpose=Purpose.AI_TRAIN)
    assert works == [w.work]
    out = tmp_path / "cli.idx"
    build_index_from_fingerprints(out, iter(svc.bundle_fingerprints(works, spec)), spec=spec)
    assert r.content == out.read_bytes()
    bad = web.get("/developer/bundle/download", params={"purpose": "training"})
    assert bad.status_code == 422 and 'id="f-purpose-error"' in bad.text


def test_only_developers_open_the_pages(web: WebClient, registry: Registry) -> None:
    r = web.get("/developer/lookup")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    sign_in_as(web, registry, Role.CREATOR)
    for path in ("/developer", "/developer/lookup", "/developer/notices", "/developer/usage"):
        assert web.get(path).status_code == 403, path


def test_the_start_page_counts_notices(web: WebClient, registry: Registry) -> None:
    sign_in_as(web, registry, Role.DEVELOPER)
    page = web.get("/developer")
    assert page.status_code == 200 and "0 notices addressed to you" in page.text
    assert json.dumps("/developer/lookup")[1:-1] in page.text
