-- A building's Telegram group (join requests from its verified residents are approved), and
-- warnings given in groups.
ALTER TABLE buildings ADD COLUMN group_chat_id INTEGER;
CREATE UNIQUE INDEX buildings_group_chat ON buildings (group_chat_id)
    WHERE group_chat_id IS NOT NULL;

CREATE TABLE warnings (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    given_by    INTEGER NOT NULL,
    reason      TEXT,
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX warnings_member ON warnings (chat_id, user_id);
