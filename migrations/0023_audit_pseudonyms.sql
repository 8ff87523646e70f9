-- The audit log names people by a pseudonym, never by their Telegram id: pseudonym =
-- HMAC-SHA256(key, user id) with a random key per person, kept in person_keys. /forget deletes
-- the person's row: their entries stay (stewards remain accountable) but no longer lead to
-- anyone. cg_pseudonym() is registered on every connection by bot/storage/db.py.
CREATE TABLE person_keys (
    user_id   INTEGER PRIMARY KEY,
    key       BLOB NOT NULL,
    pseudonym INTEGER NOT NULL UNIQUE
);

-- Existing entries: a key for everyone they name (the pseudonym set in a second step, so the
-- key it is computed from is the one stored).
INSERT INTO person_keys (user_id, key, pseudonym)
SELECT id, randomblob(32), id FROM (
    SELECT actor_id AS id FROM audit_log WHERE actor_id IS NOT NULL
    UNION SELECT subject_id FROM audit_log WHERE subject_id IS NOT NULL
);
UPDATE person_keys SET pseudonym = cg_pseudonym(key, user_id);

DROP TRIGGER audit_log_is_append_only_update;
DROP INDEX audit_log_subject;
UPDATE audit_log SET
    actor_id = (SELECT pseudonym FROM person_keys WHERE user_id = audit_log.actor_id),
    subject_id = (SELECT pseudonym FROM person_keys WHERE user_id = audit_log.subject_id);
CREATE INDEX audit_log_subject ON audit_log (subject_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
WHEN NOT (
    NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id = OLD.actor_id
    AND NEW.action = OLD.action AND NEW.subject_id IS OLD.subject_id
    AND NEW.building_id IS OLD.building_id
    AND NEW.reason IS NULL AND NEW.details IS NULL AND NEW.erased_at IS NOT NULL
    AND OLD.erased_at IS NULL
)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
