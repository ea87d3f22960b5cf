"""Times as the tables store them: aware UTC written as ISO-8601 with microseconds and ``Z``
(27 characters), read back with :func:`datetime.fromisoformat`.

No SQLAlchemy here: the command line's ``lookup`` reads stored times on a plain ``sqlite3``
connection (``store/lookup_reads.py``) without loading it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from consentry.caches import memo_str


def format_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: consentry stores aware UTC times only")
    # isoformat, not strftime: strftime's %Y writes the year 320 as "320", which is neither
    # fixed-width nor readable back (every read of that row failed)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# Keys: stored times (27 characters); a longer text is parsed each time, never kept.
@memo_str(65536, 32)
def parse_time(text: str) -> datetime:
    # fromisoformat (3.11) reads the stored form ...Z as UTC, ~10x faster than strptime
    return datetime.fromisoformat(text)
