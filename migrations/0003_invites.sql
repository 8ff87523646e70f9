-- Invite links per building: a deep link (t.me/<bot>?start=<code>) and its QR code.
CREATE TABLE invites (
    code        TEXT PRIMARY KEY CHECK (length(code) BETWEEN 8 AND 64),
    building_id INTEGER NOT NULL REFERENCES buildings (id),
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at  TEXT,                      -- NULL: never expires
    revoked_at  TEXT,
    uses        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invites_building ON invites (building_id);
