"""Hot read paths in plain SQL through the driver (``exec_driver_sql``).

Decision: lookups and decisions run a handful of fixed, indexed queries thousands of times a
second; SQLAlchemy's statement construction, caching and expanding-IN processing cost ~10x
the query itself there. These queries are written once with ``?`` placeholders and adapted
to the driver's parameter style; everything else in ``store/`` uses SQLAlchemy statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session


def fetch(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    conn = session.connection()
    if conn.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("?", "%s")
    return list(conn.exec_driver_sql(sql, tuple(params)).all())


def marks(n: int) -> str:
    """``?,?,...,?`` for an ``IN (...)`` of n values."""
    return ",".join("?" * n)
