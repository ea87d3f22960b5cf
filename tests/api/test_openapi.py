"""OpenAPI says what is accepted: the closed vocabularies are enums equal to the core's,
times are ``date-time`` strings, text fields carry their limits, the statuses a route can
answer are documented, and a 405 lists every method of the path in ``Allow``."""

from __future__ import annotations

from typing import Any

from consentry.limits import MAX_NAME, MAX_TITLE
from consentry.registry.access import Role
from consentry.registry.purposes import Purpose, Status
from tests.api.conftest import ApiClient, World


def spec(client: ApiClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def prop(doc: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][model]["properties"][name]
    return schema


def enum_of(schema: dict[str, Any]) -> set[str]:
    for option in schema.get("anyOf", [schema]):
        if "enum" in option:
            return set(option["enum"])
    raise AssertionError(schema)


def test_vocabularies_are_the_core_enums(client: ApiClient) -> None:
    doc = spec(client)
    assert enum_of(prop(doc, "DecisionIn", "purpose")) == {p.value for p in Purpose}
    terms = prop(doc, "CatalogueTermsIn", "terms")
    assert set(terms["propertyNames"]["enum"]) == {p.value for p in Purpose}
    assert enum_of(terms["additionalProperties"]) == {s.value for s in Status} | {"license"}
    assert enum_of(prop(doc, "KeyIn", "role")) == {r.value for r in Role}
    params = doc["paths"]["/v1/decisions"]["get"]["parameters"]
    purpose = next(p for p in params if p["name"] == "purpose")
    assert enum_of(purpose["schema"]) == {p.value for p in Purpose}


def test_times_are_date_time_strings_and_text_has_limits(client: ApiClient) -> None:
    doc = spec(client)
    at = prop(doc, "DecisionIn", "at")["anyOf"][0]
    assert at == {"type": "string", "format": "date-time", "examples": ["2026-01-01T00:00:00Z"]}
    assert prop(doc, "WorkIn", "title")["maxLength"] == MAX_TITLE
    assert prop(doc, "PartyIn", "name")["maxLength"] == MAX_NAME


def test_every_route_documents_what_it_can_answer(client: ApiClient) -> None:
    doc = spec(client)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            if path.startswith("/v1/") and "public-key" not in path:
                assert {"401", "403", "404", "413", "422"} <= codes, (method, path, codes)
    for path, method in [
        ("/v1/works", "post"),
        ("/v1/parties", "post"),
        ("/v1/mandates/{mandate_id}/withdraw", "post"),
        ("/v1/keys/{key_id}", "delete"),
    ]:
        assert "409" in doc["paths"][path][method]["responses"], path


def test_405_lists_every_method_of_the_path(client: ApiClient, world: World) -> None:
    for path, methods in [
        ("/v1/keys", {"GET", "POST"}),
        ("/v1/works", {"GET", "POST"}),
        (f"/v1/works/{world.work}/terms", {"GET", "POST"}),
        ("/v1/decisions", {"GET", "POST"}),
    ]:
        r = client.request("OPTIONS", path, headers=world.headers("admin"))
        assert r.status_code == 405
        assert set(r.headers["allow"].split(", ")) - {"HEAD"} == methods, (path, r.headers)
