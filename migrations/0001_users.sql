-- People who have talked to the bot. Deliberately small: the Telegram user id (not a phone
-- number) and the language they chose. Sign-up details arrive with later migrations.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,          -- Telegram user id
    locale      TEXT,                         -- chosen language; NULL = follow Telegram's
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (locale IS NULL OR locale IN ('en', 'es', 'fr', 'ar', 'zh_Hans', 'vi'))
);
