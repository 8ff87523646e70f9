-- One place that says what a person's next typed message answers (a sign-up step, a new name
-- for /profile, and later an event title, poll options, an announcement's text...): one open
-- question per person, with when it was asked and, if it lapses, when.
CREATE TABLE awaiting (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,                -- a registered kind, e.g. 'signup', 'profile.name'
    about       TEXT,                         -- what it is about (an id), if anything
    since       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at  TEXT                          -- NULL: until answered or cancelled
);

-- What used to live in two columns moves here.
INSERT INTO awaiting (user_id, kind)
    SELECT user_id, 'signup' FROM signups WHERE step IN ('name', 'unit');
INSERT OR REPLACE INTO awaiting (user_id, kind)
    SELECT user_id, 'profile.' || editing FROM residents WHERE editing IS NOT NULL;
ALTER TABLE residents DROP COLUMN editing;
