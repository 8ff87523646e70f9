-- Announcements paused by the resident (/stop), and people Telegram says we cannot reach
-- (they blocked the bot). Neither deletes anyone: both clear when the person is back.
ALTER TABLE users ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN unreachable_since TEXT;
-- The language of the person's Telegram app, as last seen: messages sent to them later (jobs,
-- notices, broadcasts) use it when they never picked a language in the bot.
ALTER TABLE users ADD COLUMN telegram_language TEXT;
