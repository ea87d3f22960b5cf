"""The one exception tree of consentry.

Every error raised on purpose by consentry derives from :class:`ConsentryError` and
carries its payload as attributes, so the API can map it to ``application/problem+json``
in one place (``api/errors.py``) and the CLI can print it in one place.

::

    ConsentryError
    ├── ValidationError            bad input value; .field, .value, .expected
    │   ├── IdentifierError        identifier syntax or check digit
    │   ├── ImportRejected         a bulk file with invalid records; .rejects
    │   └── SignalError            a signal file/format that cannot be written or read
    ├── NotFound                   .kind, .key
    ├── Conflict                   state does not allow the change (duplicate, withdrawn)
    ├── Unauthenticated            no API key, or a key that is not valid (HTTP 401)
    ├── PermissionDenied           caller may not do this
    │   └── MandateError           acting for a party outside a mandate
    ├── LedgerError                chain or receipt does not verify; .seq
    ├── StorageError               database unreachable or inconsistent
    └── ScanError                  corpus, index or fingerprint problems
"""

from __future__ import annotations

from typing import Any


class ConsentryError(Exception):
    """Root of every error consentry raises on purpose."""

    status: int = 500
    title: str = "consentry error"

    def __init__(self, message: str, **payload: Any) -> None:
        super().__init__(message)
        self.message = message
        self.payload: dict[str, Any] = payload

    def __str__(self) -> str:
        return self.message


class ValidationError(ConsentryError):
    """A value is not what was expected. Names the field, the value and the expectation."""

    status = 422
    title = "invalid value"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
        **payload: Any,
    ) -> None:
        super().__init__(message, field=field, value=value, expected=expected, **payload)
        self.field = field
        self.value = value
        self.expected = expected


class IdentifierError(ValidationError):
    title = "invalid identifier"


class SignalError(ValidationError):
    title = "invalid signal"


class ImportRejected(ValidationError):
    """A bulk file was refused; ``rejects`` lists ``(record_number, reason)``."""

    title = "import rejected"

    def __init__(self, message: str, *, rejects: list[tuple[int, str]]) -> None:
        super().__init__(message, field="file", expected="valid records only")
        self.rejects = rejects
        self.payload["rejects"] = [{"record": n, "reason": r} for n, r in rejects]


class NotFound(ConsentryError):
    status = 404
    title = "not found"

    def __init__(self, kind: str, key: Any) -> None:
        super().__init__(f"{kind} {key!r} not found", kind=kind, key=key)
        self.kind = kind
        self.key = key


class Conflict(ConsentryError):
    status = 409
    title = "conflict"


class Unauthenticated(ConsentryError):
    """The caller gave no API key, or one that is malformed, unknown or revoked."""

    status = 401
    title = "unauthenticated"


class PermissionDenied(ConsentryError):
    status = 403
    title = "forbidden"


class MandateError(PermissionDenied):
    title = "outside mandate"


class LedgerError(ConsentryError):
    status = 409
    title = "ledger does not verify"

    def __init__(self, message: str, *, seq: int | None = None, **payload: Any) -> None:
        super().__init__(message, seq=seq, **payload)
        self.seq = seq


class StorageError(ConsentryError):
    status = 503
    title = "storage unavailable"


class ScanError(ConsentryError):
    status = 422
    title = "scan error"
