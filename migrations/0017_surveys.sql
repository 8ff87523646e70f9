-- Surveys in waves (the built-in agency survey). Answers are stored apart from identity:
-- survey_answers carries a random response id and nothing else about the person; the one link
-- from a person to their response id is survey_links, deleted when the wave closes and by
-- /forget. WITHOUT ROWID tables keep rows in key order (random ids), not in the order people
-- answered, so storage order cannot be matched with delivery times.
CREATE TABLE survey_waves (
    id          INTEGER PRIMARY KEY,
    survey      TEXT NOT NULL,                -- 'agency' (custom surveys later)
    author_id   INTEGER,                      -- NULL once the author used /forget
    update_id   INTEGER UNIQUE,               -- the /survey open update: a replay opens none
    audience    TEXT NOT NULL,                -- JSON, as announcements.audience
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    opened_at   TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    remind_at   TEXT NOT NULL,                -- the one reminder to those who have not finished
    reminded_at TEXT,                         -- set once, in the reminder job's transaction
    closed_at   TEXT,
    job_id      INTEGER REFERENCES outbox_jobs (id)  -- the invitations
);
CREATE INDEX survey_waves_open ON survey_waves (state, closes_at);

CREATE TABLE survey_answers (
    wave_id     INTEGER NOT NULL REFERENCES survey_waves (id),
    response_id TEXT NOT NULL,                -- random; no person, no time
    question    TEXT NOT NULL,
    value       INTEGER CHECK (value IS NULL OR value BETWEEN 1 AND 5),  -- NULL: skipped
    PRIMARY KEY (wave_id, response_id, question)
) WITHOUT ROWID;

-- Who holds which response id, only while the wave is open (answers stay editable).
CREATE TABLE survey_links (
    wave_id     INTEGER NOT NULL REFERENCES survey_waves (id),
    user_id     INTEGER NOT NULL,
    response_id TEXT NOT NULL UNIQUE,
    PRIMARY KEY (wave_id, user_id)
) WITHOUT ROWID;

-- Response rates: per group (one dimension at a time, never crossed), how many approved
-- residents the wave was sent for and how many started answering. Counted when someone first
-- answers, so closing the wave or /forget changes no count and no row names anyone.
CREATE TABLE survey_groups (
    wave_id     INTEGER NOT NULL REFERENCES survey_waves (id),
    dimension   TEXT NOT NULL
                CHECK (dimension IN ('building', 'tenure', 'affordability', 'language')),
    grp         TEXT NOT NULL,
    approved    INTEGER NOT NULL DEFAULT 0,
    respondents INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (wave_id, dimension, grp)
) WITHOUT ROWID;

-- "You said, we did": who answered a closed wave (never what), so that a follow-up
-- announcement (audience filter survey:N) reaches them. Written from survey_links in the
-- close's transaction; /forget deletes a person's rows.
CREATE TABLE survey_respondents (
    wave_id INTEGER NOT NULL REFERENCES survey_waves (id),
    user_id INTEGER NOT NULL,
    PRIMARY KEY (wave_id, user_id)
) WITHOUT ROWID;
