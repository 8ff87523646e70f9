-- Hardening after a hostile review: who gets in, bans that outlive /forget, effect-once updates,
-- current and unique @usernames, and erasable reasons in the audit log.

-- Buildings are not shown to strangers unless an organiser lists them (/building listed N on).
ALTER TABLE buildings ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;

-- A per-database secret: keys the ban traces below and signs buttons that grant something.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('secret', lower(hex(randomblob(32))));

-- A ban that outlives /forget: only a keyed hash of (Telegram id, building), so the person
-- cannot come back clean, and nothing else about them is kept.
CREATE TABLE ban_traces (
    hash        TEXT PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings (id),
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Updates already handled: Telegram re-delivers the last ones after a crash, and a replayed
-- update must have no second effect. Pruned after two days (Telegram keeps updates for one).
CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX processed_updates_at ON processed_updates (at);

-- A warning is given once per /warn message, whatever happens to the update that carried it.
ALTER TABLE warnings ADD COLUMN message_id INTEGER;
CREATE UNIQUE INDEX warnings_once ON warnings (chat_id, message_id) WHERE message_id IS NOT NULL;

-- One @username names one person: keep it for whoever was seen with it last.
UPDATE users SET username = NULL
WHERE username IS NOT NULL AND EXISTS (
    SELECT 1 FROM users o
    WHERE o.id != users.id AND o.username = users.username COLLATE NOCASE
      AND (o.last_seen_at > users.last_seen_at
           OR (o.last_seen_at = users.last_seen_at AND o.id > users.id))
);
DROP INDEX users_username;
CREATE UNIQUE INDEX users_username ON users (username COLLATE NOCASE) WHERE username IS NOT NULL;

-- The audit log stays append-only, except that /forget may erase the free text of entries
-- about the person (reason and details), marking when.
ALTER TABLE audit_log ADD COLUMN erased_at TEXT;
DROP TRIGGER audit_log_is_append_only_update;
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
WHEN NOT (
    NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id = OLD.actor_id
    AND NEW.action = OLD.action AND NEW.subject_id IS OLD.subject_id
    AND NEW.building_id IS OLD.building_id
    AND NEW.reason IS NULL AND NEW.details IS NULL AND NEW.erased_at IS NOT NULL
    AND OLD.erased_at IS NULL
)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE INDEX audit_log_subject ON audit_log (subject_id);
