"""Every form read through ``read_form`` is closed once its route has answered: an uploaded
file's temporary file is never left to the garbage collector, whatever the handler does
with it (a handler that ignores a file field must not leak it either)."""

from __future__ import annotations

import gc

from consentry.bootstrap import Registry
from tests.web.conftest import WebClient, csrf_of


def test_an_ignored_upload_is_closed_after_the_answer(web: WebClient, registry: Registry) -> None:
    # /login reads its form through read_form and knows nothing of files: the multipart
    # body's file part becomes an UploadFile that only the request's close can release.
    page = web.get("/login")
    answer = web.post(
        "/login",
        data={"csrf_token": csrf_of(page), "email": "nobody@example.org", "password": "x" * 12},
        files={"attachment": ("big.bin", b"\0" * 2_000_000, "application/octet-stream")},
    )
    assert answer.status_code == 422  # wrong password: the page again, the form answered
    # An unclosed SpooledTemporaryFile warns (ResourceWarning) when collected; the suite
    # turns warnings, unraisable ones included, into failures.
    gc.collect()
