-- Announcements: a steward's or organiser's update, written once with a variant per language,
-- sent through the durable outbox. A scheduled one (or one started in quiet hours) becomes an
-- outbox job when its time comes, so its audience is who lives there then.
CREATE TABLE announcements (
    id                INTEGER PRIMARY KEY,
    author_id         INTEGER,                -- NULL once the author used /forget
    update_id         INTEGER UNIQUE,         -- the update that created it: a replay adds none
    audience          TEXT NOT NULL,          -- JSON: buildings, languages, tenures, roles
    source_locale     TEXT NOT NULL,          -- the language the author wrote in (the fallback)
    state             TEXT NOT NULL DEFAULT 'draft'
                      CHECK (state IN ('draft', 'awaiting_approval', 'scheduled', 'sending',
                                       'sent', 'cancelled')),
    urgent            INTEGER NOT NULL DEFAULT 0,   -- 1: may go during quiet hours
    fallback          INTEGER NOT NULL DEFAULT 1,   -- 1: missing languages get the source text
    attachment        TEXT,                   -- JSON: {"kind": "photo"|"document", "file_id"}
    send_at           TEXT,                   -- when a scheduled one goes (UTC)
    approved_by       INTEGER,                -- the second person, for a large audience
    job_id            INTEGER REFERENCES outbox_jobs (id),
    status_chat_id    INTEGER,                -- the author's progress message, edited in place
    status_message_id INTEGER,
    extra_skips       TEXT,                   -- JSON: skips without an outbox row (consent refused)
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    sent_at           TEXT
);
CREATE INDEX announcements_due ON announcements (state, send_at);
CREATE INDEX announcements_job ON announcements (job_id);

-- The text in each language. The author's own are approved; a translator's wait for the
-- author's approval.
CREATE TABLE announcement_texts (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    locale          TEXT NOT NULL CHECK (locale IN ('en', 'es', 'fr', 'ar', 'zh_Hans', 'vi')),
    body            TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 12000),
    written_by      INTEGER,
    approved        INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (announcement_id, locale)
);

-- "Got it" and "I have a question" presses: counted for the author, once per person.
CREATE TABLE announcement_replies (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('got_it', 'question')),
    at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (announcement_id, user_id, kind)
);

-- A resident's question about an announcement, relayed to the building's stewards, whose
-- answer is relayed back. Only who asked is kept here (the words travel in the outbox, which
-- /forget erases); /forget deletes these rows too.
CREATE TABLE announcement_questions (
    id              INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    building_id     INTEGER,
    asked_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX announcement_questions_user ON announcement_questions (user_id);

-- Translators write missing language variants. building_id NULL: every building.
CREATE TABLE translators (
    user_id     INTEGER NOT NULL,
    building_id INTEGER REFERENCES buildings (id),
    locale      TEXT CHECK (locale IS NULL OR locale IN ('en', 'es', 'fr', 'ar', 'zh_Hans', 'vi')),
    granted_by  INTEGER,
    granted_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX translators_one ON translators (user_id, coalesce(building_id, 0));

-- Outbox rows learn what reports break them down by, and every message id when a long text
-- went out in parts (for edits).
ALTER TABLE outbox ADD COLUMN locale TEXT;
ALTER TABLE outbox ADD COLUMN building_id INTEGER;
ALTER TABLE outbox ADD COLUMN message_ids TEXT;   -- JSON list, when sent in more than one part
