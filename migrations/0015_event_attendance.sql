-- Events, after the answer (issue 12): waitlist offers with a time limit, what residents need
-- to take part, attendance, and one follow-up stored apart from identity.

-- A free place offered to the first who waits. 'open' holds the place until expires_at;
-- 'accepted' made them Going; 'declined' (No thanks) and 'lapsed' (no answer in time) pass it
-- on; 'void' when the event was cancelled or started first. Every transition is
-- "UPDATE ... WHERE state = 'open'" inside the write's transaction: it happens once.
CREATE TABLE event_offers (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'accepted', 'declined', 'lapsed', 'void')),
    offered_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    job_id      INTEGER REFERENCES outbox_jobs (id),   -- the notice, queued once
    settled_at  TEXT
);
CREATE UNIQUE INDEX event_offers_one_open ON event_offers (event_id, user_id) WHERE state = 'open';
CREATE INDEX event_offers_due ON event_offers (expires_at) WHERE state = 'open';
CREATE INDEX event_offers_unsent ON event_offers (id) WHERE job_id IS NULL AND state = 'open';
CREATE INDEX event_offers_user ON event_offers (user_id);

-- What a resident needs to take part (optional, after Going). Interpretation carries the
-- language it is into (the resident's language when they asked).
CREATE TABLE event_needs (
    event_id  INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    need      TEXT NOT NULL CHECK (need IN ('interpret', 'childcare', 'stepfree', 'ride')),
    language  TEXT,
    PRIMARY KEY (event_id, user_id, need)
);
CREATE INDEX event_needs_user ON event_needs (user_id);

-- "You may contact me about these": without a row (or with 0), stewards see counts only.
CREATE TABLE event_need_contact (
    event_id  INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    contact   INTEGER NOT NULL CHECK (contact IN (0, 1)),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_need_contact_user ON event_need_contact (user_id);

-- Who was there: marked by a steward (/attendance) or by the resident ("I was there").
CREATE TABLE event_attendance (
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    present    INTEGER NOT NULL CHECK (present IN (0, 1)),
    marked_by  TEXT NOT NULL CHECK (marked_by IN ('steward', 'self')),
    marked_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_attendance_user ON event_attendance (user_id);

-- What happens once per event after it starts: the "I was there" message (queued once).
CREATE TABLE event_after (
    event_id      INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    there_job_id  INTEGER REFERENCES outbox_jobs (id),
    closed        INTEGER NOT NULL DEFAULT 0   -- 1: the follow-up window closed, links deleted
);

-- Follow-up answers, apart from identity: no user id, no time.
CREATE TABLE event_feedback (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    rating    INTEGER CHECK (rating BETWEEN 1 AND 5),
    comment   TEXT CHECK (length(comment) BETWEEN 1 AND 500),
    CHECK ((rating IS NULL) <> (comment IS NULL))
);
CREATE INDEX event_feedback_event ON event_feedback (event_id);

-- Who was sent the follow-up and what they already answered: only to refuse a second answer.
-- Deleted when the follow-up window closes, and on /forget.
CREATE TABLE event_followup_links (
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    rated      INTEGER NOT NULL DEFAULT 0,
    commented  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_followup_links_user ON event_followup_links (user_id);
