-- Building-scoped roles (admins come from BOT_ADMIN_IDS), and @usernames so stewards can
-- name people in commands.
ALTER TABLE users ADD COLUMN username TEXT;
CREATE INDEX users_username ON users (username COLLATE NOCASE);

CREATE TABLE roles (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('steward', 'organiser')),
    building_id INTEGER REFERENCES buildings (id),
    granted_by  INTEGER NOT NULL,
    granted_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK ((role = 'steward') = (building_id IS NOT NULL))
);
CREATE UNIQUE INDEX roles_unique ON roles (user_id, role, coalesce(building_id, 0));
