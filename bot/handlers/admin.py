"""Admin-only commands (every one checks the caller's role on the server, at call time), and
the daily backup job."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update

from bot.config import Config
from bot.handlers.common import BotContext, command
from bot.storage import backups
from bot.views.admin import status_text

log = logging.getLogger(__name__)


@command("status")
async def status_command(update: Update, context: BotContext) -> None:
    snap = await context.services.status.snapshot()
    await update.effective_message.reply_text(status_text(snap, context.services.config.timezone))


async def daily_backup(context: BotContext) -> None:
    """Once a day (``BOT_BACKUP_TIME``, community time): an online copy of the database into
    ``BOT_BACKUP_DIR``, keeping the newest ``BOT_BACKUP_KEEP``."""
    config: Config = context.services.config
    if config.backup_dir is None:
        return
    day = datetime.now(config.timezone).date()
    try:
        path, removed = await backups.daily(
            context.services.db, config.backup_dir, day, config.backup_keep
        )
    except Exception:
        log.exception("The daily backup failed")
        return
    log.info("Daily backup written to %s (%d older removed)", path, len(removed))
