"""Charts as photos: drawn in a worker thread (replies stay fast; the locale goes along with
the thread's copied context) and sent as a reply after the text they illustrate. Anything
wrong with the drawing leaves the text alone: the photo is a nicety."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import InputFile, Update

from bot.views import charts

log = logging.getLogger(__name__)


async def reply_chart(
    update: Update, draw: Callable[[], bytes | None], *, caption: str, filename: str
) -> None:
    try:
        png = await asyncio.to_thread(draw)
    except charts.ChartUnavailable as exc:  # this language's fonts are not installed
        log.info("Chart left out: %s", exc)
        return
    except Exception:
        log.exception("Could not draw a chart; the results went as text")
        return
    if png is None:
        return
    await update.effective_message.reply_photo(InputFile(png, filename=filename), caption=caption)
