-- Residents (a finished sign-up), sign-ups in progress (resumable), and consent decisions.
ALTER TABLE buildings ADD COLUMN auto_approve INTEGER NOT NULL DEFAULT 0;
ALTER TABLE buildings ADD COLUMN unit_limit INTEGER NOT NULL DEFAULT 8 CHECK (unit_limit > 0);

CREATE TABLE residents (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    building_id     INTEGER NOT NULL REFERENCES buildings (id),
    display_name    TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
    unit            TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 12),
    tenure          TEXT CHECK (tenure IN ('renter', 'owner', 'assisted', 'market', 'undisclosed')),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected', 'banned')),
    consent_version TEXT NOT NULL,
    consent_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX residents_building_status ON residents (building_id, status);
CREATE INDEX residents_unit ON residents (building_id, unit);

CREATE TABLE signups (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    building_id     INTEGER NOT NULL REFERENCES buildings (id),
    invite_code     TEXT,
    step            TEXT NOT NULL
                    CHECK (step IN ('language', 'consent', 'name', 'unit', 'tenure')),
    display_name    TEXT,
    unit            TEXT,
    consent_version TEXT,
    consent_at      TEXT,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Consent given or refused, with the version of the text that was shown. A refusal is the
-- only thing kept about someone who said "No thanks".
CREATE TABLE consent_log (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL,
    version   TEXT NOT NULL,
    decision  TEXT NOT NULL CHECK (decision IN ('given', 'refused')),
    at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX consent_log_user ON consent_log (user_id);
