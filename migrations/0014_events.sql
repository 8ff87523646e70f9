-- Events (issue 12): a meeting in one or more buildings (or all), published through the
-- durable outbox, with RSVPs, a waitlist when there is a capacity, and reminders that live in
-- the database (the JobQueue only wakes the bot up to look at them).
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    audience       TEXT NOT NULL,          -- JSON: {"buildings": [ids] | null (every building)}
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    place          TEXT NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    starts_at      TEXT NOT NULL,          -- UTC, storage format of bot/clock.py
    capacity       INTEGER CHECK (capacity IS NULL OR capacity > 0),
    description    TEXT,
    state          TEXT NOT NULL DEFAULT 'draft'
                   CHECK (state IN ('draft', 'published', 'cancelled')),
    sequence       INTEGER NOT NULL DEFAULT 0,   -- raised on every change (the .ics SEQUENCE)
    cancel_reason  TEXT,
    created_by     INTEGER,                -- NULL once the author used /forget
    update_id      INTEGER UNIQUE,         -- the update that created it: a replay adds none
    job_id         INTEGER REFERENCES outbox_jobs (id),   -- the post's outbox job
    refreshed_at   TEXT,                   -- when the copies' counts were last queued for edit
    refresh_wanted INTEGER NOT NULL DEFAULT 0,   -- 1: counts changed since (debounced edits)
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX events_upcoming ON events (state, starts_at);
CREATE INDEX events_refresh ON events (refreshed_at) WHERE refresh_wanted = 1;

-- One answer per person and event. 'waitlist' rows carry their place in the queue.
CREATE TABLE event_rsvps (
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    answer     TEXT NOT NULL CHECK (answer IN ('going', 'maybe', 'no', 'waitlist')),
    position   INTEGER,                    -- waitlist order (1, 2, ...); NULL otherwise
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (event_id, user_id),
    CHECK ((answer = 'waitlist') = (position IS NOT NULL))
);
CREATE INDEX event_rsvps_user ON event_rsvps (user_id);

-- One reminder per event and lead time (BOT_REMINDER_LEADS). 'pending' -> 'queued' (its outbox
-- job created in the same transaction: never twice) or 'dropped' (the event started first, was
-- cancelled, or moved too close).
CREATE TABLE event_reminders (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    lead_minutes INTEGER NOT NULL CHECK (lead_minutes > 0),
    due_at       TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'queued', 'dropped')),
    job_id       INTEGER REFERENCES outbox_jobs (id),
    UNIQUE (event_id, lead_minutes)
);
CREATE INDEX event_reminders_due ON event_reminders (due_at) WHERE state = 'pending';
