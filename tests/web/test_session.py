"""The foundation's dependencies on a route made for the test: signed-out visitors are sent
to /login with ``next``, wrong roles get a 403 page, htmx sends the CSRF token as a header;
FormErrors puts a service's error beside the right field."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from consentry.bootstrap import Registry
from consentry.errors import ValidationError
from consentry.registry.access import Role
from consentry.web.forms import FormErrors
from consentry.web.session import UserDep, WebUser, read_form, require_role
from tests.web.conftest import WebClient, session_csrf, sign_in_as

probe = APIRouter()
CreatorDep = Depends(require_role(Role.CREATOR))


@probe.get("/probe/any")
async def any_user(user: UserDep) -> Response:
    return PlainTextResponse(f"{user.role.value} {user.actor.label}")


@probe.get("/probe/creator")
async def creator_only(user: WebUser = CreatorDep) -> Response:
    return PlainTextResponse(user.email)


@probe.post("/probe/htmx")
async def htmx_post(request: Request, user: UserDep) -> Response:
    form = await read_form(request)
    return PlainTextResponse(str(form.get("x")))


def with_probe(web: WebClient) -> WebClient:
    web.app.include_router(probe)
    return web


def test_signed_out_goes_to_login_with_next(web: WebClient) -> None:
    with_probe(web)
    r = web.get("/probe/any?x=1")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/probe/any%3Fx%3D1"


def test_role_pages_refuse_other_roles(web: WebClient, registry: Registry) -> None:
    with_probe(web)
    who = sign_in_as(web, registry, Role.DEVELOPER)
    r = web.get("/probe/any")
    assert r.text == f"developer developer:party:{who.party_id}"
    r = web.get("/probe/creator")
    assert r.status_code == 403 and "for creator accounts" in r.text
    assert "text/html" in r.headers["content-type"]


def test_htmx_sends_the_token_as_a_header(web: WebClient, registry: Registry) -> None:
    with_probe(web)
    sign_in_as(web, registry, Role.CREATOR)
    token = session_csrf(web, registry)
    assert web.post("/probe/htmx", data={"x": "1"}).status_code == 403
    r = web.post("/probe/htmx", data={"x": "1"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.text == "1"
    r = web.post("/probe/htmx", data={"x": "1"}, headers={"X-CSRF-Token": token + "x"})
    assert r.status_code == 403


def test_form_errors_map_service_fields_and_drop_secrets() -> None:
    errors = FormErrors(
        {"email": "a@b", "password": "secret1", "csrf_token": "t", "n": "1"},
        fields=frozenset({"email", "n"}),
    )
    with errors.catch(fields={"contacts.value": "email"}):
        raise ValidationError("email 'a@b' is not an address", field="contacts.value")
    errors.add("n", "first")
    errors.add("n", "second")
    errors.add("elsewhere", "no such field")
    assert errors.values == {"email": "a@b", "n": "1"}
    assert errors.errors == {
        "email": "Email 'a@b' is not an address",
        "n": "first",
        "form": "no such field",
    }
    assert bool(errors) and not FormErrors()
