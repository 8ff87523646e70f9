-- Webhook mode (issue 14: "Telegram's updates are acknowledged only after they are safely
-- stored, so a crash right after the 200 loses nothing"). The webhook server writes each
-- update's JSON here and commits before answering 200; a worker hands the rows to the
-- Application in update_id order and deletes each once processed. Rows left by a crash are
-- processed at the next start (the gate's processed_updates keeps their effect to once).
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
