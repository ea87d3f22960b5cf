"""Form errors: collect ``{field: message}``, then show the same page again with what the
user typed (never passwords) and status 422.

::

    form = await read_form(request)
    errors = FormErrors(form)
    with errors.catch(fields={"contacts.value": "email"}):
        ...  # a ConsentryError naming a field lands beside that field
    if errors:
        return errors.render(request, "accounts/signup.html")

Templates show each message next to its field (``macros.html``'s ``field``) and all of them
in a summary at the top (``error_summary``); a message whose field the form does not have is
kept under ``form`` (shown in the summary).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from consentry.errors import ConsentryError
from consentry.web.templating import render

SECRET_FIELDS = frozenset({"password", "confirm", "current_password", "csrf_token"})
FORM = "form"  # the key of messages that belong to no one field


class FormErrors:
    def __init__(
        self, values: Mapping[str, Any] | None = None, *, fields: frozenset[str] | None = None
    ) -> None:
        """``values``: the form as sent (files and secret fields are not kept); ``fields``:
        the form's field names, when a ConsentryError's field must be one of them."""
        self.values: dict[str, str] = {
            k: v for k, v in (values or {}).items() if isinstance(v, str) and k not in SECRET_FIELDS
        }
        self.errors: dict[str, str] = {}
        self.fields = fields

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, field: str | None, message: str) -> None:
        """The first message of a field is kept (it is the one to fix first)."""
        key = field if field and (self.fields is None or field in self.fields) else FORM
        self.errors.setdefault(key, plain_words(message))

    def add_error(self, exc: ConsentryError, *, fields: Mapping[str, str] | None = None) -> None:
        """``exc`` under the field its payload names, renamed by ``fields`` (the service's
        name -> the form's, e.g. ``{"contacts.value": "email"}``)."""
        named = exc.payload.get("field")
        field = str(named) if named else None
        if field is not None and fields:
            field = fields.get(field, field)
        self.add(field, _message(exc))

    @contextmanager
    def catch(self, *, fields: Mapping[str, str] | None = None) -> Iterator[None]:
        """Record a ConsentryError raised in the block instead of letting it through."""
        try:
            yield
        except ConsentryError as exc:
            self.add_error(exc, fields=fields)

    def render(
        self, request: Request, template: str, status_code: int = 422, **ctx: Any
    ) -> HTMLResponse:
        """The same page again with the typed values and the messages (422)."""
        return render(request, template, status_code, values=self.values, errors=self.errors, **ctx)


# pydantic's wording (the API's request models) in the words of a form (issue 13's web QA).
PLAIN_WORDS = (
    (
        re.compile(r"^String should have at most (\d+) characters?"),
        r"Too long: at most \1 characters",
    ),
    (
        re.compile(r"^String should have at least (\d+) characters?"),
        r"Too short: at least \1 characters",
    ),
    (re.compile(r"^Field required"), "This is required"),
)


def plain_words(message: str) -> str:
    """pydantic's phrases (the API's request models) put in a form's words."""
    for pattern, plain in PLAIN_WORDS:
        message = pattern.sub(plain, message)
    return message


def _message(exc: ConsentryError) -> str:
    """The error's message as a sentence (the messages name the value and what was
    expected already)."""
    text = exc.message
    return text[:1].upper() + text[1:]
