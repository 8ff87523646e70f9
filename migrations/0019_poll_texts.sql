-- Quick polls in several languages (issue 13): the author's language, and the question and
-- options written in other languages (same number of options, in the same order, so that
-- every copy's answers add up). A resident gets the text of their language, else the author's.
ALTER TABLE polls ADD COLUMN source_locale TEXT NOT NULL DEFAULT 'en';

CREATE TABLE poll_texts (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    locale   TEXT NOT NULL,
    question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 300),
    options  TEXT NOT NULL,             -- JSON list, as long as polls.options
    PRIMARY KEY (poll_id, locale)
);
