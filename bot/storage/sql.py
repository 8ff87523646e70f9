"""The only ways to put something other than a ``?`` parameter into SQL text.

Values always travel as parameters. What cannot (a list's placeholders, a column chosen by
code) goes through these helpers, which produce only placeholders or plain identifiers;
``tests/unit/test_sql_safety.py`` reads every query in ``bot/`` and refuses any other
interpolation (except ALL_CAPS module constants, or a line marked ``# sql-ok: <reason>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sized

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def placeholders(items: Sized | int) -> str:
    """``?, ?, ?`` for ``items`` (a count or a collection); ``NULL`` for none, so that
    ``x IN (NULL)`` matches nothing instead of being a syntax error."""
    n = items if isinstance(items, int) else len(items)
    return ", ".join("?" * n) or "NULL"


def identifier(name: str) -> str:
    """A column or table name chosen by code: lower-case letters, digits and ``_`` only."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not an SQL identifier: {name!r}")
    return name


def assignments(columns: Iterable[str]) -> str:
    """``a = ?, b = ?`` for an UPDATE's SET, every column checked by :func:`identifier`."""
    return ", ".join(f"{identifier(c)} = ?" for c in columns)
