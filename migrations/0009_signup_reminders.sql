-- One gentle reminder for a sign-up left unfinished for a day.
ALTER TABLE signups ADD COLUMN reminded_at TEXT;
