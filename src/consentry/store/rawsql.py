"""Hot read paths in plain SQL through the driver (``exec_driver_sql``).

Decision: lookups and decisions run a handful of fixed, indexed queries thousands of times a
second; SQLAlchemy's statement construction, caching and expanding-IN processing cost ~10x
the query itself there. These queries are written once with ``?`` placeholders and adapted
to the driver: on PostgreSQL each ``IN (?,...,?)`` becomes ``= ANY(%s)`` with one array
parameter (one parameter to send and plan instead of thousands). Everything else in
``store/`` uses SQLAlchemy statements.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

_IN = re.compile(r"IN \((\?(?:,\?)*)\)")


def fetch(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    conn = session.connection()
    if conn.dialect.paramstyle in ("format", "pyformat"):
        sql, params = _arrays(sql, params)
    return list(conn.exec_driver_sql(sql, tuple(params)).all())


def _arrays(sql: str, params: Sequence[Any]) -> tuple[str, list[Any]]:
    out_sql: list[str] = []
    out_params: list[Any] = []
    pos = taken = 0
    for m in _IN.finditer(sql):
        before = sql[pos : m.start()]
        k = before.count("?")
        out_params.extend(params[taken : taken + k])
        taken += k
        out_sql.append(before.replace("?", "%s"))
        n = m.group(1).count("?")
        out_sql.append("= ANY(%s)")
        out_params.append(list(params[taken : taken + n]))
        taken += n
        pos = m.end()
    out_sql.append(sql[pos:].replace("?", "%s"))
    out_params.extend(params[taken:])
    return "".join(out_sql), out_params


def marks(n: int) -> str:
    """``?,?,...,?`` for an ``IN (...)`` of n values."""
    return ",".join("?" * n)
