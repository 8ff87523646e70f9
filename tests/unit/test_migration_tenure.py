"""Migration 0018 splits the one tenure answer into tenure and affordability, faithfully, on a
database with residents and sign-ups made under the old schema."""

import shutil

from bot.storage.db import Database
from bot.storage.migrations import MIGRATIONS_DIR, current_version, discover, migrate

OLD = {
    1: ("renter", "renter", "unknown"),
    2: ("owner", "owner", "unknown"),
    3: ("assisted", None, "assisted"),
    4: ("market", None, "market"),
    5: ("undisclosed", "undisclosed", "undisclosed"),
    6: (None, None, None),
}


async def test_old_answers_are_mapped_and_nothing_else_changes(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for m in discover():
        if m.version < 18:
            shutil.copy(m.path, folder / m.path.name)
    db = await Database.open(tmp_path / "old.sqlite3")
    try:
        await migrate(db, folder)
        await db.execute("INSERT INTO buildings (id, name) VALUES (1, 'Maple Court')")
        for user, (tenure, _t, _a) in OLD.items():
            await db.execute("INSERT INTO users (id) VALUES (?)", (user,))
            await db.execute(
                "INSERT INTO residents (user_id, building_id, display_name, unit, tenure, "
                "status, consent_version, consent_at, created_at) "
                "VALUES (?, 1, ?, '4B', ?, 'approved', 'v1', '2026-01-01T00:00:00Z', "
                "'2026-01-02T00:00:00Z')",
                (user, f"P{user}", tenure),
            )
        await db.execute("INSERT INTO users (id) VALUES (7)")
        await db.execute(
            "INSERT INTO signups (user_id, building_id, step, display_name, unit, reminded_at) "
            "VALUES (7, 1, 'tenure', 'Half', '9', '2026-01-03T00:00:00Z')"
        )
        await migrate(db, MIGRATIONS_DIR)
        assert await current_version(db) >= 18
        rows = await db.fetch_all(
            "SELECT user_id, tenure, affordability, display_name, status, created_at "
            "FROM residents ORDER BY user_id"
        )
        for row in rows:
            _old, tenure, afford = OLD[row["user_id"]]
            assert (row["tenure"], row["affordability"]) == (tenure, afford)
            assert (row["display_name"], row["status"]) == (f"P{row['user_id']}", "approved")
            assert row["created_at"] == "2026-01-02T00:00:00Z"
        signup = await db.fetch_one("SELECT step, unit, reminded_at, tenure FROM signups")
        assert tuple(signup) == ("tenure", "9", "2026-01-03T00:00:00Z", None)
        assert await db.fetch_all("PRAGMA foreign_key_check") == []
        # the cascade from users still works on the rebuilt table
        await db.execute("DELETE FROM users WHERE id = 1")
        assert await db.fetch_value("SELECT count(*) FROM residents WHERE user_id = 1") == 0
        indexes = {r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master")}
        assert {"residents_building_status", "residents_unit"} <= indexes
    finally:
        await db.close()
