-- The durable outbox: every message the bot starts (not a direct answer) is a row here before
-- it is sent, so a crash loses nothing and a resend never repeats more than what was in flight.
-- A job (a notice, an announcement, a reminder batch, a poll) groups the rows it created.
CREATE TABLE outbox_jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,                -- 'notice', 'announcement', 'reminder', 'poll'...
    created_by  INTEGER,                      -- who started it; NULL: the bot itself
    update_id   INTEGER UNIQUE,               -- the update that created it: a replay adds none
    reason      TEXT,                         -- why, in a word ('resident.approve'...)
    state       TEXT NOT NULL DEFAULT 'active'
                CHECK (state IN ('active', 'paused', 'cancelled', 'done')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    finished_at TEXT
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES outbox_jobs (id),
    chat_id         INTEGER NOT NULL,
    user_id         INTEGER,                  -- the recipient, when it is a person
    payload         TEXT NOT NULL,            -- JSON: what to send (text, keyboard, ...)
    priority        INTEGER NOT NULL DEFAULT 1,   -- 0: notices to one person; 1: bulk
    state           TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unreachable',
                                     'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    message_id      INTEGER,                  -- Telegram's, once sent (for later edits)
    error           TEXT,                     -- the last error, in a word and a line
    skip_reason     TEXT,                     -- 'paused', 'unreachable', 'banned'...
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (job_id, chat_id)
);
CREATE INDEX outbox_due ON outbox (state, priority, next_attempt_at);
CREATE INDEX outbox_job ON outbox (job_id, state);
CREATE INDEX outbox_user ON outbox (user_id);
