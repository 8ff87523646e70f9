-- Who residents are, in two optional questions (issue 13): tenure (renter, owner, other,
-- prefer not to say) and affordability (an assisted or subsidised unit, a market-rate unit,
-- don't know, prefer not to say). The one question asked until now mixed the two; its answers
-- are mapped faithfully, inventing nothing:
--   renter      -> tenure renter,      affordability unknown
--   owner       -> tenure owner,       affordability unknown
--   assisted    -> tenure NULL (not asked: renting or owning was never said), affordability assisted
--   market      -> tenure NULL,        affordability market
--   undisclosed -> tenure undisclosed, affordability undisclosed
--   NULL        -> both NULL
-- SQLite cannot change a CHECK, so residents (and signups, which gain the new step) are rebuilt.
-- No table references either of them, so the rebuild keeps every foreign key intact.
CREATE TABLE residents_new (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    building_id     INTEGER NOT NULL REFERENCES buildings (id),
    display_name    TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
    unit            TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 12),
    tenure          TEXT CHECK (tenure IN ('renter', 'owner', 'other', 'undisclosed')),
    affordability   TEXT CHECK (affordability IN ('assisted', 'market', 'unknown', 'undisclosed')),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected', 'banned')),
    consent_version TEXT NOT NULL,
    consent_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO residents_new (user_id, building_id, display_name, unit, tenure, affordability,
                           status, consent_version, consent_at, created_at, updated_at)
SELECT user_id, building_id, display_name, unit,
       CASE tenure WHEN 'renter' THEN 'renter' WHEN 'owner' THEN 'owner'
                   WHEN 'undisclosed' THEN 'undisclosed' END,
       CASE tenure WHEN 'renter' THEN 'unknown' WHEN 'owner' THEN 'unknown'
                   WHEN 'assisted' THEN 'assisted' WHEN 'market' THEN 'market'
                   WHEN 'undisclosed' THEN 'undisclosed' END,
       status, consent_version, consent_at, created_at, updated_at
FROM residents;
DROP TABLE residents;
ALTER TABLE residents_new RENAME TO residents;
CREATE INDEX residents_building_status ON residents (building_id, status);
CREATE INDEX residents_unit ON residents (building_id, unit);

CREATE TABLE signups_new (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    building_id     INTEGER NOT NULL REFERENCES buildings (id),
    invite_code     TEXT,
    step            TEXT NOT NULL
                    CHECK (step IN ('language', 'consent', 'name', 'unit', 'tenure',
                                    'affordability')),
    display_name    TEXT,
    unit            TEXT,
    tenure          TEXT CHECK (tenure IN ('renter', 'owner', 'other', 'undisclosed')),
    consent_version TEXT,
    consent_at      TEXT,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    reminded_at     TEXT
);
INSERT INTO signups_new (user_id, building_id, invite_code, step, display_name, unit,
                         consent_version, consent_at, updated_at, reminded_at)
SELECT user_id, building_id, invite_code, step, display_name, unit,
       consent_version, consent_at, updated_at, reminded_at
FROM signups;
DROP TABLE signups;
ALTER TABLE signups_new RENAME TO signups;

-- Quick polls: one question, 2-12 options, sent as a native Telegram poll to each resident of
-- the audience through the outbox; the bot adds up the answers over every copy.
CREATE TABLE polls (
    id          INTEGER PRIMARY KEY,
    author_id   INTEGER,                -- NULL once the author used /forget
    update_id   INTEGER UNIQUE,         -- the update that sent it: a replay sends none
    audience    TEXT NOT NULL,          -- JSON, as announcements'
    question    TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 300),
    options     TEXT NOT NULL,          -- JSON list of 2-12 strings
    multi       INTEGER NOT NULL DEFAULT 0,
    close_after INTEGER,                -- seconds after sending (a preview choice)
    close_at    TEXT,                   -- set when sent (UTC)
    state       TEXT NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'open', 'closed', 'cancelled')),
    job_id      INTEGER REFERENCES outbox_jobs (id),
    recipients  INTEGER,                -- how many it was sent to (the response rate)
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    sent_at     TEXT,
    closed_at   TEXT
);
CREATE INDEX polls_due ON polls (state, close_at);

-- Each copy Telegram made: its poll id maps a poll_answer back to the poll. /forget deletes
-- the person's copies.
CREATE TABLE poll_copies (
    telegram_poll_id TEXT PRIMARY KEY,
    poll_id          INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    user_id          INTEGER,
    chat_id          INTEGER NOT NULL,
    message_id       INTEGER NOT NULL
);
CREATE INDEX poll_copies_poll ON poll_copies (poll_id);
CREATE INDEX poll_copies_user ON poll_copies (user_id);

-- One answer per person per poll (changed in place; withdrawn: deleted). After /forget the
-- answer stays for the totals with user_id NULL and nothing else that says whose it was; the
-- breakdown fields are copied at answer time so that a forgotten answer still counts in them.
CREATE TABLE poll_answers (
    id            INTEGER PRIMARY KEY,
    poll_id       INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    user_id       INTEGER,
    option_ids    TEXT NOT NULL,        -- JSON list
    building_id   INTEGER,
    tenure        TEXT,
    affordability TEXT,
    locale        TEXT
);
CREATE UNIQUE INDEX poll_answers_one ON poll_answers (poll_id, user_id) WHERE user_id IS NOT NULL;
