-- At most once (issue 12: "no reminder is ever sent twice, even when the bot is killed in the
-- middle of sending"). For kinds that must never arrive twice (event reminders), the sender
-- writes attempted_at the moment the rate limiter lets the request go, before Telegram sees it.
-- After a crash, such a row caught 'sending' with attempted_at set may have been delivered: it
-- is settled 'failed' (interrupted) instead of being queued again; one without it is queued.
ALTER TABLE outbox ADD COLUMN attempted_at TEXT;
