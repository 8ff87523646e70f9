"""Migration 0023: audit entries written with Telegram ids are rewritten under pseudonyms,
HMAC(the person's own key, their id); the names still resolve while the key exists, the log
stays append-only, and deleting the key (what /forget does) leaves nothing that leads back."""

import shutil
import sqlite3

import pytest

from bot.storage.audit import AuditRepository, forget_person, write_audit
from bot.storage.db import Database, pseudonym
from bot.storage.migrations import discover, migrate


async def test_existing_entries_get_pseudonyms_that_forget_unlinks(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for m in discover():
        if m.version < 23:
            shutil.copy(m.path, folder / m.path.name)
    db = await Database.open(tmp_path / "old.sqlite3")
    try:
        await migrate(db, folder)
        await db.execute("INSERT INTO buildings (id, name) VALUES (1, 'Maple Court')")
        for actor, subject in ((1201, 2001), (1201, 2002), (1000, None)):
            await db.execute(
                "INSERT INTO audit_log (actor_id, action, subject_id, building_id, reason) "
                "VALUES (?, 'resident.approve', ?, 1, 'ok')",
                (actor, subject),
            )
        await migrate(db)
        rows = await db.fetch_all("SELECT actor_id, subject_id FROM audit_log ORDER BY id")
        ids = {v for r in rows for v in r if v is not None}
        assert ids.isdisjoint({1201, 2001, 2002, 1000})
        keys = {
            r[0]: (bytes(r[1]), r[2])
            for r in await db.fetch_all("SELECT user_id, key, pseudonym FROM person_keys")
        }
        assert set(keys) == {1201, 2001, 2002, 1000}
        assert all(pseudonym(key, user) == alias for user, (key, alias) in keys.items())
        assert rows[0][0] == keys[1201][1] and rows[1][1] == keys[2002][1]
        # the readers still show who did what to whom
        entries = await AuditRepository(db).recent(None)
        assert [(e["actor_id"], e["subject_id"]) for e in entries] == [
            (1000, None),
            (1201, 2002),
            (1201, 2001),
        ]
        # a new entry for someone already known uses the same pseudonym
        async with db.transaction() as tx:
            await write_audit(tx, 1201, "role.promote", 1, subject_id=2001)
        last = await db.fetch_one("SELECT actor_id, subject_id FROM audit_log ORDER BY id DESC")
        assert tuple(last) == (keys[1201][1], keys[2001][1])
        # still append-only
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await db.execute("UPDATE audit_log SET actor_id = 1201")
        # /forget's last step: 2001's entries stay, leading to no one
        async with db.transaction() as tx:
            await forget_person(tx, 2001)
        about = await AuditRepository(db).about(2001)
        assert about == []
        entries = await AuditRepository(db).recent(None)
        assert len(entries) == 4
        assert [e["subject_id"] for e in entries].count(None) == 3  # 2001 twice, and 1000's
    finally:
        await db.close()
