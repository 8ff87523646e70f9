-- Events, part three (issue 12): recurring events, the guided /newevent flow, and the post in
-- the building's linked group.
--
-- A series is a set of event rows, one per occurrence, each with its own RSVPs and reminders;
-- series_id is the first occurrence's id (also set on the first one). repeat and repeat_until
-- are what the author asked for ('week' or 'month' until a local date, inclusive). An
-- occurrence after the first is posted when the one before it starts (post_at): the tick
-- starts its outbox job then, and sets job_id.
ALTER TABLE events ADD COLUMN series_id INTEGER REFERENCES events (id);
ALTER TABLE events ADD COLUMN repeat TEXT CHECK (repeat IS NULL OR repeat IN ('week', 'month'));
ALTER TABLE events ADD COLUMN repeat_until TEXT;   -- YYYY-MM-DD in the community's zone
ALTER TABLE events ADD COLUMN post_at TEXT;        -- UTC: when a later occurrence is posted
CREATE INDEX events_series ON events (series_id, starts_at) WHERE series_id IS NOT NULL;
CREATE INDEX events_post_due ON events (post_at) WHERE job_id IS NULL AND post_at IS NOT NULL;

-- The guided /newevent flow: one unfinished draft per author, step by step, so it survives a
-- restart and a stale button finds it gone. Its fields stay NULL until their step is answered
-- (the events table's own checks apply when the preview makes the event row).
CREATE TABLE event_drafts (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL UNIQUE,
    buildings    TEXT,                 -- JSON list of building ids; NULL: every building
    title        TEXT,
    day          TEXT,                 -- YYYY-MM-DD, community's zone
    time         TEXT,                 -- HH:MM
    place        TEXT,
    capacity     INTEGER CHECK (capacity IS NULL OR capacity > 0),
    description  TEXT,
    repeat       TEXT CHECK (repeat IS NULL OR repeat IN ('week', 'month')),
    repeat_until TEXT,
    step         TEXT NOT NULL DEFAULT 'audience'
                 CHECK (step IN ('audience', 'title', 'date', 'time', 'place', 'capacity',
                                 'description', 'repeat', 'until')),
    month        TEXT,                 -- YYYY-MM: the calendar page shown
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
