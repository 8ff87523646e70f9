-- /editevent on one date of a series (issue 12): the change waits here until its author
-- chooses the dates it is for (only this one, this and the later ones, or every date still
-- to come). Applying it sets scope, in the same transaction as the change (a second press
-- finds it set: effect once). Deleted with its author on /forget.
CREATE TABLE event_edits (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    what       TEXT NOT NULL CHECK (what IN ('when', 'title', 'place', 'capacity')),
    value      TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 500),
    update_id  INTEGER UNIQUE,          -- the /editevent that wrote it: a replay adds none
    scope      TEXT CHECK (scope IS NULL OR scope IN ('one', 'later', 'all')),  -- once applied
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
