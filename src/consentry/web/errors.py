"""Errors as pages for people: a web page's error is an HTML page in the site's layout, not
the API's problem+json.

``install_error_pages(app)`` wraps the API's handlers (api/errors.py) for ConsentryError,
HTTP errors (unknown page, wrong method) and request validation: a request answered by a
``consentry.web`` route, or a browser's request (``Accept: text/html``) for a path outside
``/v1`` that no route answers, gets ``error.html`` with the same status; every other request
keeps the API's answer unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from consentry.api.errors import allowed_methods
from consentry.errors import ConsentryError
from consentry.web.session import current_user
from consentry.web.templating import render

Handler = Callable[[Request, Exception], Awaitable[Response]]
ApiHandler = Callable[[Request, Any], Response | Awaitable[Response]]
API_PREFIXES = ("/v1/", "/docs", "/openapi.json", "/.well-known/", "/notices/")

TITLES = {
    400: "This request is not right",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not possible here",
    409: "This cannot be done now",
    413: "Too large",
    422: "This is not right",
    503: "Not available just now",
}


def is_web_request(request: Request) -> bool:
    endpoint = request.scope.get("endpoint")
    module = getattr(endpoint, "__module__", "") or ""
    if module.startswith("consentry.web"):
        return True
    if endpoint is not None or request.url.path.startswith(API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def _status_and_message(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, ConsentryError):
        return exc.status, exc.message[:1].upper() + exc.message[1:]
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return 404, "There is no page at this address. Check the link, or start again."
        if exc.status_code == 405:
            return 405, "This page cannot be used that way."
        return exc.status_code, str(exc.detail)
    if isinstance(exc, RequestValidationError):
        return 422, "The request is missing a value or has one that is not right."
    return 500, "The server failed to answer; the error was logged."


def page_for(api_handler: ApiHandler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if not is_web_request(request):
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        await current_user(request)  # the navigation of the signed-in user
        status, message = _status_and_message(exc)
        title = TITLES.get(status, "Something went wrong")
        response = render(request, "error.html", status, title=title, message=message)
        if isinstance(exc, StarletteHTTPException):
            response.headers.update(exc.headers or {})
            if exc.status_code == 405:
                response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    return handler


def install_error_pages(app: FastAPI) -> None:
    """Call after the API's ``install_error_handlers`` (it wraps those handlers)."""
    for kind in (ConsentryError, StarletteHTTPException, RequestValidationError):
        api_handler = app.exception_handlers.get(kind)
        if api_handler is not None:
            app.add_exception_handler(kind, page_for(api_handler))
