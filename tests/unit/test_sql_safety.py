"""No SQL is built from anything but constants and parameters.

Every call of ``execute``/``execute_many``/``fetch_*`` in ``bot/`` is read (AST): its SQL must
be a literal, or built (f-string, ``+``, a local variable assigned along the way) only from
literals, ALL_CAPS module constants, and ``storage.sql``'s ``placeholders``, ``identifier`` and
``assignments``. Anything else fails, unless the line says ``# sql-ok: <reason>``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.storage.sql import assignments, identifier, placeholders

ROOT = Path(__file__).resolve().parents[2] / "bot"
SQL_CALLS = {"execute", "execute_many", "executemany", "fetch_all", "fetch_one", "fetch_value"}
HELPERS = {"placeholders", "identifier", "assignments"}


def _constant_name(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    return bool(name) and name.lstrip("_").isupper()


class Checker:
    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.tree = ast.parse(source)
        self.parents = {c: p for p in ast.walk(self.tree) for c in ast.iter_child_nodes(p)}

    def marked(self, node: ast.AST) -> bool:
        end = getattr(node, "end_lineno", node.lineno)
        return any("# sql-ok:" in self.lines[i - 1] for i in range(node.lineno, end + 1))

    def function_of(self, node: ast.AST) -> ast.AST:
        while node in self.parents and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node = self.parents[node]
        return node

    def safe(self, node: ast.AST, scope: ast.AST, seen: frozenset = frozenset()) -> bool:
        if self.marked(node):
            return True
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr):
            return all(
                self.safe(v.value, scope, seen) if isinstance(v, ast.FormattedValue) else True
                for v in node.values
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.safe(node.left, scope, seen) and self.safe(node.right, scope, seen)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, scope, seen) and self.safe(node.orelse, scope, seen)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in HELPERS:
                return True
            # _NAME.format(who="a.actor_id"): a constant template filled with constants
            return (
                name == "format"
                and _constant_name(func.value)
                and all(
                    isinstance(k.value, ast.Constant) or _constant_name(k.value)
                    for k in node.keywords
                )
                and not node.args
            )
        if isinstance(node, ast.Attribute | ast.Name) and _constant_name(node):
            return True
        if isinstance(node, ast.Name) and node.id not in seen:
            return self.variable_safe(node.id, scope, seen | {node.id})
        return False

    def variable_safe(self, name: str, scope: ast.AST, seen: frozenset) -> bool:
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            args = scope.args
            params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            if name in params:  # only the database's own wrappers forward ``sql``: their
                return name in ("sql", "script")  # callers are what is checked
        values = []
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            ) or (
                isinstance(node, ast.AugAssign | ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == name
                and node.value is not None
            ):
                values.append(node.value)
        return bool(values) and all(self.safe(v, scope, seen) for v in values)

    def problems(self) -> list[tuple[int, str]]:
        found = []
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS
                and node.args
                and not self.marked(node)
                and not self.safe(node.args[0], self.function_of(node))
            ):
                found.append((node.lineno, ast.unparse(node.args[0])[:80]))
        return found


def scan(source: str) -> list[tuple[int, str]]:
    return Checker(source).problems()


def test_no_query_in_bot_is_built_by_string_formatting():
    found = [
        f"{path.relative_to(ROOT.parent)}:{line}: {sql}"
        for path in sorted(ROOT.rglob("*.py"))
        for line, sql in scan(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize(
    "code",
    [
        "async def f(db, name):\n    await db.execute(f'SELECT * FROM users WHERE name = {name}')",
        "async def f(db, n):\n    await db.fetch_all('SELECT ' + n)",
        "async def f(db, n):\n    await db.fetch_one('SELECT %s' % n)",
        "async def f(db, n):\n    await db.fetch_value('SELECT {}'.format(n))",
        "async def f(db, n):\n    sql = 'SELECT 1'\n    sql += f' {n}'\n    await db.execute(sql)",
        "async def f(db, c):\n    s = ', '.join(c)\n    await db.execute(f'UPDATE t SET {s}')",
    ],
)
def test_the_scan_catches_values_pasted_into_sql(code):
    assert scan(code) != []


@pytest.mark.parametrize(
    "code",
    [
        "async def f(db, ids):\n    await db.execute(f'SELECT 1 WHERE x IN ({placeholders(ids)})')",
        "NOW = 'now'\nasync def f(db):\n    await db.execute(f'UPDATE t SET at = {NOW}')",
        "async def f(db, c):\n    await db.execute(f'UPDATE t SET {assignments(c)} WHERE id = ?')",
        "async def f(db, n):\n    await db.execute(f'SELECT {n}')  # sql-ok: tested",
    ],
)
def test_the_scan_allows_placeholders_constants_and_reviewed_lines(code):
    assert scan(code) == []


def test_the_helpers_make_only_placeholders_and_identifiers():
    assert placeholders([1, 2, 3]) == "?, ?, ?"
    assert placeholders(0) == "NULL"
    assert assignments(["name", "unit"]) == "name = ?, unit = ?"
    for hostile in ("name = 1; DROP TABLE users; --", "Name", "a b", ""):
        with pytest.raises(ValueError, match="not an SQL identifier"):
            identifier(hostile)
