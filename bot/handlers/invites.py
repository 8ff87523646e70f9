"""/invite: printable invite links (deep link + QR code) per building, for stewards (their
own buildings) and organisers (every building). Texts: ``views/invites``."""

from __future__ import annotations

from telegram import Update

from bot.handlers import paging
from bot.handlers.common import BotContext, command, current_actor, local_datetime, reply
from bot.numbers import parse_int
from bot.services.buildings import BuildingProblem
from bot.services.invites import deep_link, qr_png
from bot.services.roles import Role
from bot.views import invites as views


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
    png = qr_png(deep_link(context.bot.username, invite.code))
    await update.effective_message.reply_photo(png, caption=caption)


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
