-- Organisers' own surveys. A definition is stored as JSON (its texts in every language it was
-- given in); created_by is erased by /forget like every other created_by. Drafts hold a
-- definition between an upload (or the guided /survey new) and its Save button.
CREATE TABLE survey_definitions (
    name       TEXT PRIMARY KEY,          -- the slug of /survey open <name>
    body       TEXT NOT NULL,             -- JSON: language, title, questions
    created_by INTEGER,                   -- NULL once the author used /forget
    created_at TEXT NOT NULL
);

CREATE TABLE survey_drafts (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    body       TEXT NOT NULL,             -- JSON, as survey_definitions.body, plus the name
    step       TEXT NOT NULL DEFAULT 'preview',  -- the guided flow's step, or 'preview'
    created_at TEXT NOT NULL
);
CREATE INDEX survey_drafts_user ON survey_drafts (user_id);

-- A custom question's answer is a choice among up to 10 options, or a short text: the
-- answers table is rebuilt with a wider value range and a text column (still under the
-- random response id only, still WITHOUT ROWID).
CREATE TABLE survey_answers_new (
    wave_id     INTEGER NOT NULL REFERENCES survey_waves (id),
    response_id TEXT NOT NULL,
    question    TEXT NOT NULL,
    value       INTEGER CHECK (value IS NULL OR value BETWEEN 1 AND 10),  -- NULL: skipped or text
    text        TEXT,                                                   -- a typed answer
    PRIMARY KEY (wave_id, response_id, question)
) WITHOUT ROWID;
INSERT INTO survey_answers_new (wave_id, response_id, question, value)
    SELECT wave_id, response_id, question, value FROM survey_answers;
DROP TABLE survey_answers;
ALTER TABLE survey_answers_new RENAME TO survey_answers;
