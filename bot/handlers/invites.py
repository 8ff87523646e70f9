"""/invite: printable invite links (deep link + QR code) per building, for stewards (their
own buildings) and organisers (every building)."""

from __future__ import annotations

from telegram import Update

from bot.handlers import paging
from bot.handlers.common import BotContext, command, current_actor, esc, local_datetime, reply
from bot.i18n import N_, _, ngettext
from bot.services.buildings import BuildingProblem
from bot.services.invites import deep_link, qr_png
from bot.services.numbers import parse_int
from bot.services.roles import Role
from bot.storage.invites import Invite

USAGE = (
    N_("/invite 3 — a new invite link and QR code for building #3"),
    N_("/invite 3 30 — the same, valid for 30 days"),
    N_("/invite list — the invites that still work, and how often each was used"),
    N_("/invite revoke CODE — stop an invite from working"),
)


def usage_text() -> str:
    return "\n".join([_("<b>Invites</b>"), *(_(line) for line in USAGE)])


def describe(context: BotContext, invite: Invite) -> str:
    link = deep_link(context.bot.username, invite.code)
    if invite.expires_at is None:
        expiry = _("Never expires")
    else:
        expiry = _("Works until {date}").format(date=local_datetime(context, invite.expires_at))
    return "\n".join(
        (
            _("<b>Invite to #{id} {name}</b>").format(
                id=invite.building_id, name=esc(invite.building_name)
            ),
            link,
            expiry,
            ngettext(
                "Used {count} time · code {code}", "Used {count} times · code {code}", invite.uses
            ).format(count=invite.uses, code=invite.code),
        )
    )


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
    caption = (
        describe(context, invite)
        + "\n\n"
        + _(
            "Print the QR code for the lobby, or share the link: residents who open it can sign up "
            "for this building in their own language."
        )
    )
    png = qr_png(deep_link(context.bot.username, invite.code))
    await update.effective_message.reply_photo(png, caption=caption)


INVITES_PAGE = 10  # entries of up to ~300 characters


@paging.listing("inv", Role.STEWARD, INVITES_PAGE)
async def invites_page(
    update: Update, context: BotContext, offset: int, _arg: int
) -> tuple[str, bool]:
    invites = await context.services.invites.active(await current_actor(update, context))
    if not invites:
        text = _("No invite works at the moment. Make one with /invite and a building number.")
        return text, False
    page = invites[offset : offset + INVITES_PAGE]
    return "\n\n".join(describe(context, i) for i in page), offset + INVITES_PAGE < len(invites)


async def _revoke(update: Update, context: BotContext, args: list[str]) -> None:
    invite = await context.services.invites.revoke(update.effective_user.id, args[0])
    await reply(
        update,
        _("The invite {code} to {name} no longer works.").format(
            code=invite.code, name=esc(invite.building_name)
        ),
    )


@command("invite")
async def invite_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    action = args[0].lower() if args else ""
    if not args:
        await reply(update, usage_text())
    elif action == "list":
        await paging.send_first_page(update, context, "inv")
    elif action == "revoke" and len(args) == 2:
        await _revoke(update, context, args[1:])
    elif action == "revoke":
        await reply(update, usage_text())
    else:
        await _create(update, context, args)
