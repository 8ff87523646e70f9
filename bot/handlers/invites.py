"""/invite: printable invite links (deep link + QR code) per building, for stewards (their
own buildings) and organisers (every building). Texts: ``views/invites``."""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update

from bot.handlers import paging
from bot.handlers.common import BotContext, command, current_actor, local_datetime, reply
from bot.numbers import parse_int
from bot.services.buildings import BuildingProblem
from bot.services.invites import deep_link, qr_png
from bot.services.roles import Role
from bot.views import charts, poster
from bot.views import invites as views

log = logging.getLogger(__name__)


def when(context: BotContext):
    return lambda timestamp: local_datetime(context, timestamp)


async def _create(update: Update, context: BotContext, args: list[str]) -> None:
    buildings = context.services.buildings
    days = None
    try:
        building = await buildings.resolve(" ".join(args))
    except BuildingProblem:
        days = parse_int(args[-1], max_digits=9) if len(args) >= 2 else None
        if days is None:
            raise
        building = await buildings.resolve(" ".join(args[:-1]))
    invite = await context.services.invites.create(update.effective_user.id, building.id, days)
    caption = views.created_caption(invite, context.bot.username, when(context))
    link = deep_link(context.bot.username, invite.code)
    await update.effective_message.reply_photo(qr_png(link), caption=caption)
    await _send_poster(update, context, invite.building_name, link, invite.code)


async def _send_poster(
    update: Update, context: BotContext, building_name: str, link: str, code: str
) -> None:
    """The lobby poster (A4 PDF) after the QR code, drawn in a worker thread (the locale goes
    along in the thread's copied context). The QR code and link are already sent: a poster
    that cannot be drawn (a letter of the name no installed font has) is only logged."""
    try:
        pdf = await asyncio.to_thread(
            poster.poster, building_name, link, context.bot.username, code
        )
    except charts.ChartUnavailable as exc:
        log.info("Poster left out: %s", exc)
        return
    except Exception:
        log.exception("Could not draw the invite's poster")
        return
    await update.effective_message.reply_document(
        InputFile(pdf, filename=poster.filename(building_name)), caption=poster.caption()
    )


INVITES_PAGE = 10  # entries of up to ~300 characters


@paging.listing("inv", Role.STEWARD, INVITES_PAGE)
async def invites_page(
    update: Update, context: BotContext, offset: int, _arg: int
) -> tuple[str, bool]:
    invites = await context.services.invites.active(await current_actor(update, context))
    page = invites[offset : offset + INVITES_PAGE]
    text = views.invites_page(page, len(invites), context.bot.username, when(context))
    return text, offset + INVITES_PAGE < len(invites)


async def _revoke(update: Update, context: BotContext, args: list[str]) -> None:
    invite = await context.services.invites.revoke(update.effective_user.id, args[0])
    await reply(update, views.revoked_text(invite))


@command("invite")
async def invite_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    action = args[0].lower() if args else ""
    if not args:
        await reply(update, views.usage_text())
    elif action == "list":
        await paging.send_first_page(update, context, "inv")
    elif action == "revoke" and len(args) == 2:
        await _revoke(update, context, args[1:])
    elif action == "revoke":
        await reply(update, views.usage_text())
    else:
        await _create(update, context, args)
