"""Input no page can store: a NUL character (``\\x00``).

PostgreSQL's text columns cannot hold NUL, so an id or a typed value carrying one failed deep
in the store with a 500 (psycopg's DataError) where SQLite answered normally. The web refuses
it up front, the same on both backends: :func:`refuse_nul_in_address` (a dependency of every
web route: the path and the query) and :func:`refuse_nul_in_form` (called by ``read_form``
for every field and file name). Either raises :class:`ValidationError`, shown as a 422 page.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from consentry.errors import ValidationError

NUL = "\x00"


def _refused(where: str) -> ValidationError:
    return ValidationError(
        f"The {where} contains a NUL character (\\x00), which nothing here can hold; "
        "remove it and try again.",
        field=where,
        expected="text without NUL characters",
    )


async def refuse_nul_in_address(request: Request) -> None:
    """A web route's dependency: no NUL in the (decoded) path or in a query value."""
    if NUL in str(request.scope.get("path", "")):
        raise _refused("address")
    for key, value in request.query_params.multi_items():
        if NUL in key or NUL in value:
            raise _refused("address")


def refuse_nul_in_form(form: FormData) -> None:
    """No NUL in a form's field names, values or uploaded file names."""
    for key, value in form.multi_items():
        text = value.filename or "" if isinstance(value, UploadFile) else value
        if NUL in key or NUL in text:
            raise _refused(key if NUL not in key else "form")
