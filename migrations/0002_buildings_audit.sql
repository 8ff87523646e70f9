-- Buildings (sites) that residents sign up to, and the append-only audit log of every
-- steward/organiser action.
CREATE TABLE buildings (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    archived_at TEXT
);
-- Two active buildings never share a name (ignoring case).
CREATE UNIQUE INDEX buildings_active_name ON buildings (name COLLATE NOCASE)
    WHERE archived_at IS NULL;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    actor_id    INTEGER NOT NULL,             -- Telegram user id of who acted
    action      TEXT NOT NULL,                -- e.g. 'building.add'
    subject_id  INTEGER,                      -- the person acted upon, if any
    building_id INTEGER REFERENCES buildings (id),
    reason      TEXT,
    details     TEXT                          -- JSON object
);
CREATE INDEX audit_log_building ON audit_log (building_id, id);

CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
