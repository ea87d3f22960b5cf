"""Who may call each route and who may not: a table of route x role -> expected status.

Every /v1 route is listed; a test below checks that the table covers every route the app
serves, so a new route without a permission row fails.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from consentry.accounting.usage import parse_report
from consentry.api.app import create_app
from consentry.bootstrap import Registry
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM
from tests.api.conftest import EMMA_ISBN, ApiClient, Shared, World
from tests.api.notices_world import sent_notice

ROLES = (
    "admin",
    "organisation",
    "creator",
    "other_creator",
    "developer",
    "member_developer",  # a developer key whose party is the mandate's member (the creator)
    "org_developer",  # a developer key whose party is the mandate's organisation
)


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the route template, as FastAPI lists it
    path: Callable[[World], str]
    expected: dict[str, int]  # role -> status
    body: Callable[[World], Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[str, int], otherwise: int = 403) -> dict[str, int]:
    return {r: allowed.get(r, otherwise) for r in ROLES}


# Licensing (issue 12): each call gets fresh objects, made by the registry itself: a
# free-attribution training offer of the creator's work (the creator is its only holder).
def fresh_offer(w: World) -> str:
    t = make_terms(purposes=["ai-train"], fee_model="free-attribution")
    offer = w.registry.licensing.make_offer(
        SYSTEM, scope=OfferScope.WORK, subject_id=w.work, terms=t
    )
    return offer.id


def fresh_request(w: World) -> str:
    return w.registry.licensing.request(SYSTEM, fresh_offer(w), developer_id=w.developer).id


def fresh_grant(w: World) -> str:
    return w.registry.licensing.grant(SYSTEM, fresh_request(w)).id


def fresh_scheme(w: World) -> str:
    lic = w.registry.licensing
    return lic.create_scheme(SYSTEM, organisation_id=w.org, name="S", purposes=["ai-train"]).id


# Accounting (issue 12): a usage report of its own per call (the same report twice is a 200),
# and a period with usage of its own per distribution (a closed period is a 200 or 409).
_fresh = itertools.count(1)


def fresh_usage(w: World) -> dict[str, Any]:
    line = {
        "licensee": "Acme AI",
        "model": "m",
        "purpose": "ai-train",
        "period": "2026-Q1",
        "identifier": EMMA_ISBN,
        "units": str(next(_fresh)),
        "unit": "tokens",
    }
    return {"lines": [line]}


def fresh_distribution(w: World) -> dict[str, Any]:
    n = next(_fresh)
    period = f"{2030 + n // 12}-{n % 12 + 1:02d}"
    report = parse_report(
        json.dumps({"lines": [{**fresh_usage(w)["lines"][0], "period": period}]}).encode(),
        name="u.json",
    )
    w.registry.accounting.import_usage(SYSTEM, report, filename="u.json")
    return {"period": period, "pool": "100", "currency": "GBP"}


LICENSORS = {"admin": 0, "organisation": 0, "creator": 0}  # the work's side (org: mandated)


def licensors(status: int) -> dict[str, int]:
    return only(dict.fromkeys(LICENSORS, status))


def new_work(w: World) -> dict[str, Any]:
    return {
        "kind": "poem",
        "title": "A new poem",
        "contributors": [{"party_id": w.creator, "role": "author"}],
        "holders": [{"party_id": w.creator, "role": "creator", "share": 100}],
    }


CASES = [
    Case(
        "POST",
        "/v1/works",
        lambda w: "/v1/works",
        only({"admin": 201, "organisation": 201, "creator": 201}),
        new_work,
    ),
    Case("GET", "/v1/works", lambda w: "/v1/works", everyone(200)),
    Case("GET", "/v1/works/{work_id}", lambda w: f"/v1/works/{w.work}", everyone(200)),
    Case("GET", "/v1/works/{work_id}/terms", lambda w: f"/v1/works/{w.work}/terms", everyone(200)),
    Case(
        "GET",
        "/v1/works/{work_id}/terms/history",
        lambda w: f"/v1/works/{w.work}/terms/history",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/works/{work_id}/terms",
        lambda w: f"/v1/works/{w.work}/terms",
        only({"admin": 201, "organisation": 201, "creator": 201}),
        lambda w: {"party_id": w.creator, "terms": {"ai-train": "licence"}},
    ),
    Case(
        "POST",
        "/v1/parties",
        lambda w: "/v1/parties",
        only({"admin": 201, "organisation": 201}),
        lambda w: {"name": "New Member", "kind": "person", "roles": ["creator"]},
    ),
    Case("GET", "/v1/parties", lambda w: "/v1/parties", everyone(200)),
    Case("GET", "/v1/parties/{party_id}", lambda w: f"/v1/parties/{w.creator}", everyone(200)),
    Case(
        "GET",
        "/v1/parties/{party_id}/terms",
        lambda w: f"/v1/parties/{w.creator}/terms",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/parties/{party_id}/terms",
        lambda w: f"/v1/parties/{w.creator}/terms",
        only({"admin": 201, "organisation": 201, "creator": 201}),
        lambda w: {"terms": {"tdm": "reserved", "search": "allowed"}},
    ),
    Case(
        "POST",
        "/v1/mandates",
        lambda w: "/v1/mandates",
        # only the member (or an admin) grants a mandate; the organisation cannot
        only({"admin": 201, "creator": 201}),
        lambda w: {
            "organisation_id": w.org,
            "member_id": w.creator,
            "purposes": ["ai-train"],
            "territories": ["GB"],
            "evidence": "signed form 17",
        },
    ),
    Case(
        "GET",
        "/v1/mandates",
        lambda w: "/v1/mandates",
        only({"admin": 200, "organisation": 200, "creator": 200, "other_creator": 200}),
    ),
    # removal requests (issue 11): organisations (their campaigns'), developers (theirs)
    Case(
        "GET",
        "/v1/removals",
        lambda w: "/v1/removals",
        only(
            {
                "admin": 200,
                "organisation": 200,
                "developer": 200,
                "member_developer": 200,
                "org_developer": 200,
            }
        ),
    ),
    Case(
        "POST",
        "/v1/removals/{removal_id}/state",
        lambda w: "/v1/removals/rm_none/state",  # the role is refused before any read
        only(
            {
                "admin": 404,
                "organisation": 404,
                "developer": 404,
                "member_developer": 404,
                "org_developer": 404,
            }
        ),
        lambda w: {"state": "acknowledged"},
    ),
    # the AI-developer directory (issue 11): published contact points, every key reads it
    Case("GET", "/v1/developers", lambda w: "/v1/developers", everyone(200)),
    Case(
        "GET",
        "/v1/developers/{party_id}",
        lambda w: f"/v1/developers/{w.developer}",
        everyone(200),
    ),
    Case(
        "GET",
        "/v1/mandates/{mandate_id}",
        lambda w: f"/v1/mandates/{w.mandate}",
        only({"admin": 200, "organisation": 200, "creator": 200}),
    ),
    Case(
        "POST",
        "/v1/mandates/{mandate_id}/withdraw",
        lambda w: f"/v1/mandates/{w.new_mandate()}/withdraw",
        only({"admin": 200, "organisation": 200, "creator": 200}),
    ),
    Case(
        "GET",
        "/v1/lookup/{identifier:path}",
        lambda w: f"/v1/lookup/{EMMA_ISBN}",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/lookup",
        lambda w: "/v1/lookup",
        everyone(200),
        lambda w: {"ids": [EMMA_ISBN, "isbn:9780000000002"]},
    ),
    Case(
        "GET",
        "/v1/decisions",
        lambda w: f"/v1/decisions?work={w.work}&purpose=ai-train",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/decisions",
        lambda w: "/v1/decisions",
        everyone(200),
        lambda w: {"work": w.work, "purpose": "search"},
    ),
    Case(
        "POST",
        "/v1/keys",
        lambda w: "/v1/keys",
        only({"admin": 201}),
        lambda w: {"role": "developer", "party_id": w.developer},
    ),
    Case("GET", "/v1/keys", lambda w: "/v1/keys", only({"admin": 200})),
    Case(
        "DELETE",
        "/v1/keys/{key_id}",
        # a fresh key for each call: the World's own keys stay valid for the other cases
        lambda w: f"/v1/keys/{w.new_key()}",
        only({"admin": 200}),
    ),
    Case(
        "GET",
        "/v1/receipts/{seq}",
        lambda w: f"/v1/receipts/{w.receipt_seq}",
        # the declaring party and the party whose terms they are (here the same), or admin
        only({"admin": 200, "creator": 200}),
    ),
    Case("GET", "/v1/disputes", lambda w: "/v1/disputes", everyone(200)),
    Case(
        "GET",
        "/v1/disputes/{dispute_id}",
        lambda w: f"/v1/disputes/{w.new_dispute()}",
        everyone(200),  # as public as the lookups that show them
    ),
    Case(
        "POST",
        "/v1/disputes/{dispute_id}/resolve",
        # the body opens a fresh dispute (a body is made before its path); the path resolves it
        lambda w: f"/v1/disputes/{w.last_dispute[0]}/resolve",
        only({"admin": 200}),
        lambda w: {"winner_work_id": w.last_dispute[1]} if w.new_dispute() else {},
    ),
    Case("GET", "/v1/ledger/head", lambda w: "/v1/ledger/head", everyone(200)),
    Case("GET", "/v1/signals/formats", lambda w: "/v1/signals/formats", everyone(200)),
    Case(
        "GET",
        "/v1/works/{work_id}/signals/{fmt}",
        lambda w: f"/v1/works/{w.work}/signals/tdmrep",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/works/{work_id}/signals/{fmt}",
        # every role gets past the key check; a JSON body is not a file to write into
        # (tests/api/test_signals.py posts real EPUB files)
        lambda w: f"/v1/works/{w.work}/signals/epub",
        everyone(422),
        lambda w: {"not": "an epub"},
    ),
    Case(
        "GET",
        "/v1/parties/{party_id}/signals/{fmt}",
        lambda w: f"/v1/parties/{w.creator}/signals/tdmrep",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/offers",
        lambda w: "/v1/offers",
        licensors(201),
        lambda w: {
            "scope": "work",
            "subject_id": w.work,
            "purposes": ["ai-train"],
            "fee_model": "free-attribution",
        },
    ),
    Case("GET", "/v1/offers/{offer_id}", lambda w: f"/v1/offers/{fresh_offer(w)}", everyone(200)),
    Case(
        "GET",
        "/v1/offers/{offer_id}/odrl",
        lambda w: f"/v1/offers/{fresh_offer(w)}/odrl",
        everyone(200),
    ),
    Case(
        "GET",
        "/v1/offers/{offer_id}/rsl",
        lambda w: f"/v1/offers/{fresh_offer(w)}/rsl",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/offers/{offer_id}/join",
        lambda w: f"/v1/offers/{fresh_offer(w)}/join",
        licensors(200),
        lambda w: {"party_id": w.creator},
    ),
    Case(
        "POST",
        "/v1/offers/{offer_id}/withdraw",
        lambda w: f"/v1/offers/{fresh_offer(w)}/withdraw",
        licensors(200),
    ),
    Case(
        "POST",
        "/v1/offers/{offer_id}/requests",
        lambda w: f"/v1/offers/{fresh_offer(w)}/requests",
        # a developer key for its own party (an ai-developer); an admin naming one
        only({"admin": 201, "developer": 201}),
        lambda w: {"developer_id": w.developer},
    ),
    Case(
        "POST",
        "/v1/requests/{request_id}/grant",
        lambda w: f"/v1/requests/{fresh_request(w)}/grant",
        licensors(201),
    ),
    Case(
        "GET",
        "/v1/grants/{grant_id}",
        lambda w: f"/v1/grants/{fresh_grant(w)}",
        only({**dict.fromkeys(LICENSORS, 200), "developer": 200}),  # + the licensee
    ),
    Case(
        "POST",
        "/v1/grants/{grant_id}/revoke",
        lambda w: f"/v1/grants/{fresh_grant(w)}/revoke",
        licensors(200),
    ),
    Case(
        "POST",
        "/v1/grants/{grant_id}/credits",
        lambda w: f"/v1/grants/{fresh_grant(w)}/credits",
        only({"admin": 201, "developer": 201}),  # the licensee records its models
        lambda w: {"model": "acme/writer-7b", "period": "2026-Q1"},
    ),
    Case(
        "POST",
        "/v1/schemes",
        lambda w: "/v1/schemes",
        only({"admin": 201, "organisation": 201}),  # an organisation, for itself
        lambda w: {"organisation_id": w.org, "name": "AI Licences", "purposes": ["ai-train"]},
    ),
    Case(
        "GET", "/v1/schemes/{scheme_id}", lambda w: f"/v1/schemes/{fresh_scheme(w)}", everyone(200)
    ),
    Case(
        "POST",
        "/v1/schemes/{scheme_id}/opt-ins",
        lambda w: f"/v1/schemes/{fresh_scheme(w)}/opt-ins",
        licensors(201),
        lambda w: {"work_id": w.work},
    ),
    Case(
        "POST",
        "/v1/schemes/{scheme_id}/opt-outs",
        lambda w: f"/v1/schemes/{fresh_scheme(w)}/opt-outs",
        licensors(201),
        lambda w: {"work_id": w.work},
    ),
    Case(
        "GET", "/v1/works/{work_id}/credits", lambda w: f"/v1/works/{w.work}/credits", everyone(200)
    ),
    Case(
        "GET",
        "/v1/models/{name}/credits",
        lambda w: "/v1/models/acme/writer-7b/credits",
        everyone(200),  # public: no key needed either (tests/api/test_licensing_api.py)
    ),
    Case(
        "GET",
        "/v1/models/{name}/credits.html",
        lambda w: "/v1/models/acme/writer-7b/credits.html",
        everyone(200),
    ),
    Case(
        "GET",
        "/v1/models/{name}/credits.md",
        lambda w: "/v1/models/acme/writer-7b/credits.md",
        everyone(200),
    ),
    Case(
        "POST",
        "/v1/notices/campaigns",
        lambda w: "/v1/notices/campaigns",
        # an organisation for its own members only; developer keys never, whatever their party
        only({"admin": 201, "organisation": 201}),
        lambda w: (
            {"organisation_id": w.org, "kind": "reservation", "developers": [w.developer]}
            if sent_notice(w)
            else {}
        ),
    ),
    Case(
        "GET",
        "/v1/notices/campaigns",
        lambda w: "/v1/notices/campaigns",
        only({"admin": 200, "organisation": 200}),
    ),
    Case(
        "GET",
        "/v1/notices/campaigns/{campaign_id}",
        lambda w: f"/v1/notices/campaigns/{sent_notice(w)[0]}",
        only({"admin": 200, "organisation": 200}),
    ),
    Case(
        "POST",
        "/v1/notices/campaigns/{campaign_id}/send",
        # allowed for the campaign's organisation, but this server has no CONSENTRY_SMTP_URL
        lambda w: f"/v1/notices/campaigns/{sent_notice(w)[0]}/send",
        only({"admin": 503, "organisation": 503}),
    ),
    Case(
        "GET",
        "/v1/notices",
        lambda w: "/v1/notices",
        # each sees its own: developers what was addressed to them, organisations their campaigns'
        only(
            {
                "admin": 200,
                "organisation": 200,
                "developer": 200,
                "member_developer": 200,
                "org_developer": 200,
            }
        ),
    ),
    Case(
        "GET",
        "/v1/notices/{notice_id}",
        lambda w: f"/v1/notices/{sent_notice(w)[1]}",
        only({"admin": 200, "organisation": 200, "developer": 200}),
    ),
    Case(
        "POST",
        "/v1/notices/{notice_id}/acknowledge",
        lambda w: f"/v1/notices/{sent_notice(w)[1]}/acknowledge",
        only({"admin": 200, "developer": 200}),
    ),
    Case(
        "POST",
        "/v1/notices/{notice_id}/answer",
        lambda w: f"/v1/notices/{sent_notice(w)[1]}/answer",
        only({"admin": 201, "developer": 201}),
        lambda w: {"text": "Received; we are checking our datasets."},
    ),
]

CASES += [
    Case("POST", "/v1/usage", lambda w: "/v1/usage", only({"admin": 201}), fresh_usage),
    Case(
        "POST",
        "/v1/distributions",
        lambda w: "/v1/distributions",
        only({"admin": 201}),
        fresh_distribution,
    ),
]

# /v1 routes in CASES that need no key at all: a model's public credits page (model cards link
# to it). Every other /v1 route refuses a missing or bad key (tests/api/test_authentication.py).
KEYLESS = {
    ("GET", "/v1/models/{name}/credits"),
    ("GET", "/v1/models/{name}/credits.html"),
    ("GET", "/v1/models/{name}/credits.md"),
}

PUBLIC = {
    ("GET", "/v1/registry/public-key"),
    ("GET", "/.well-known/consentry-public-key.pem"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/docs/static"),
    ("GET", "/redoc"),
}


def call(
    client: ApiClient, case: Case, w: World, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    body = case.body(w) if case.body else None
    r = client.request(case.method, case.path(w), json=body, headers=headers)
    ctype = r.headers["content-type"]
    if r.status_code >= 400:
        assert ctype.startswith("application/problem+json"), (r.status_code, ctype, r.text)
        problem = r.json()
        assert problem["status"] == r.status_code
        assert problem["title"]
        assert problem["detail"]
    return r.status_code, r.json() if "json" in ctype else {}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_route_by_role(shared: Shared, case: Case) -> None:
    # one world per module: every case leaves it usable for the next (withdrawals use
    # fresh mandates, revocations fresh keys, new works and parties carry no identifiers)
    got = {}
    for role in ROLES:
        status, body = call(shared.client, case, shared.world, shared.world.headers(role))
        got[role] = status
        if status == 403:
            assert body["title"] in ("forbidden", "outside mandate"), body
    assert got == case.expected


def _served_routes(registry: Registry) -> set[tuple[str, str]]:
    app = create_app(registry)
    spec = app.openapi()
    routes = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    }
    # OpenAPI writes {identifier:path} as {identifier}; the well-known key is not in the spec
    return {
        (m, "/v1/lookup/{identifier:path}" if p == "/v1/lookup/{identifier}" else p)
        for m, p in routes
    }


def test_every_route_has_a_permission_row(registry: Registry) -> None:
    covered = {(c.method, c.route) for c in CASES} | PUBLIC
    missing = _served_routes(registry) - covered
    assert not missing, f"routes without a permission test: {sorted(missing)}"


def test_every_case_path_is_a_served_route(registry: Registry) -> None:
    served = _served_routes(registry)
    stale = {(c.method, c.route) for c in CASES} - served
    assert not stale, f"permission rows for routes that do not exist: {sorted(stale)}"


def test_developer_never_sees_contacts_of_another_party(client: ApiClient, world: World) -> None:
    seen = {}
    for who in ROLES:
        one = client.get(f"/v1/parties/{world.creator}", headers=world.headers(who)).json()
        listed = client.get("/v1/parties", headers=world.headers(who)).json()["items"]
        mine = next(p for p in listed if p["id"] == world.creator)
        assert one["contacts"] == mine["contacts"]
        seen[who] = [c["value"] for c in one["contacts"]]
    assert seen == {
        "admin": ["jane@example.org"],
        "organisation": ["jane@example.org"],  # mandated by the creator
        "creator": ["jane@example.org"],  # the party itself
        "other_creator": [],
        "developer": [],
        "member_developer": ["jane@example.org"],  # its own party's contacts
        "org_developer": [],
    }


def test_organisation_acts_only_within_its_mandate(client: ApiClient, world: World) -> None:
    org = world.headers("organisation")
    # no mandate from the other creator: neither their work's terms nor their catalogue
    r = client.post(
        f"/v1/works/{world.other_work}/terms",
        json={"party_id": world.other_creator, "terms": {"ai-train": "allowed"}},
        headers=org,
    )
    assert r.status_code == 403
    assert r.json()["title"] == "outside mandate"
    assert world.other_creator in r.json()["detail"]
    # after the creator withdraws the mandate, the organisation may no longer act for it
    w = client.post(f"/v1/mandates/{world.mandate}/withdraw", headers=world.headers("creator"))
    assert w.status_code == 200
    assert w.json()["in_force"] is False
    r = client.post(
        f"/v1/parties/{world.creator}/terms", json={"terms": {"tdm": "allowed"}}, headers=org
    )
    assert r.status_code == 403
    assert r.json()["title"] == "outside mandate"


def test_organisation_outside_the_mandate_territory_is_refused(
    client: ApiClient, world: World
) -> None:
    admin = world.headers("admin")
    client.post(f"/v1/mandates/{world.mandate}/withdraw", headers=admin).raise_for_status()
    client.post(
        "/v1/mandates",
        json={
            "organisation_id": world.org,
            "member_id": world.creator,
            "purposes": ["ai-train"],
            "territories": ["GB"],
            "evidence": "signed form 18",
        },
        headers=world.headers("creator"),
    ).raise_for_status()
    body = {"party_id": world.creator, "terms": {"ai-train": "licence"}}
    ok = client.post(
        f"/v1/works/{world.work}/terms",
        json={**body, "territory": "GB"},
        headers=world.headers("organisation"),
    )
    assert ok.status_code == 201
    assert ok.json()["declarations"][0]["declared_by"] == world.org
    for extra in ({"territory": "FR"}, {"terms": {"tdm": "licence"}, "territory": "GB"}):
        r = client.post(
            f"/v1/works/{world.work}/terms",
            json={**body, **extra},
            headers=world.headers("organisation"),
        )
        assert r.status_code == 403, r.text
        assert r.json()["title"] == "outside mandate"


def test_developer_cannot_grant_a_mandate_even_for_itself(client: ApiClient, world: World) -> None:
    r = client.post(
        "/v1/mandates",
        json={
            "organisation_id": world.org,
            "member_id": world.developer,
            "purposes": ["ai-train"],
            "evidence": "self-made",
        },
        headers=world.headers("developer"),
    )
    assert r.status_code == 403
    assert "developer" in r.json()["detail"]


def test_creator_cannot_register_a_work_it_has_no_part_in(client: ApiClient, world: World) -> None:
    body = new_work(world)
    r = client.post("/v1/works", json=body, headers=world.headers("other_creator"))
    assert r.status_code == 403
    assert world.other_creator in r.json()["detail"]


def test_developer_key_of_a_mandate_party_cannot_read_or_withdraw_it(
    client: ApiClient, world: World
) -> None:
    # the key's party is the member (or the organisation); the role still refuses, by name
    for who in ("member_developer", "org_developer"):
        for method, path in (
            ("GET", f"/v1/mandates/{world.mandate}"),
            ("POST", f"/v1/mandates/{world.mandate}/withdraw"),
            ("GET", "/v1/mandates"),
            ("GET", f"/v1/receipts/{world.receipt_seq}"),
        ):
            r = client.request(method, path, headers=world.headers(who))
            assert r.status_code == 403, (who, method, path, r.text)
            assert r.json()["title"] == "forbidden"
            assert "role developer" in r.json()["detail"]
    # the mandate is still in force
    r = client.get(f"/v1/mandates/{world.mandate}", headers=world.headers("creator"))
    assert r.json()["in_force"] is True
