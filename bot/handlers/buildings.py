"""/building list|add|rename|archive|autoapprove|unitlimit|listed, for organisers (and
admins). Texts and keyboards: ``views/buildings``."""

from __future__ import annotations

from telegram import Update

from bot.handlers import paging
from bot.handlers.common import BotContext, command, reply, requires, show
from bot.numbers import parse_int
from bot.services.roles import Role
from bot.views import buildings as views
from bot.views.buttons import BuildingArchive, BuildingCancel, unpack

BUILDINGS_PAGE = 20  # lines of up to ~150 characters in the longest language


@paging.listing("bld", Role.ORGANISER, BUILDINGS_PAGE)
async def buildings_page(
    update: Update, context: BotContext, offset: int, _arg: int
) -> tuple[str, bool]:
    buildings = await context.services.buildings.active()
    page = buildings[offset : offset + BUILDINGS_PAGE]
    return views.buildings_page(page, len(buildings)), offset + BUILDINGS_PAGE < len(buildings)


async def _add(update: Update, context: BotContext, args: list[str]) -> None:
    building = await context.services.buildings.add(update.effective_user.id, " ".join(args))
    await reply(update, views.added_text(building))


async def _rename(update: Update, context: BotContext, args: list[str]) -> None:
    if len(args) < 2:
        await reply(update, views.usage_text())
        return
    service = context.services.buildings
    building = await service.resolve(args[0])
    renamed = await service.rename(update.effective_user.id, building.id, " ".join(args[1:]))
    await reply(update, views.renamed_text(renamed))


async def _settings(update: Update, context: BotContext, action: str, args: list[str]) -> None:
    if len(args) < 2:
        await reply(update, views.usage_text())
        return
    service = context.services.buildings
    building = await service.resolve(" ".join(args[:-1]))
    value = args[-1].lower()
    actor = update.effective_user.id
    if action == "autoapprove" and value in ("on", "off"):
        building = await service.set_auto_approve(actor, building.id, value == "on")
    elif action == "unitlimit" and (limit := parse_int(value, max_digits=3)) is not None:
        building = await service.set_unit_limit(actor, building.id, limit)
    elif action == "listed" and value in ("on", "off"):
        building = await service.set_listed(actor, building.id, value == "on")
    else:
        await reply(update, views.usage_text())
        return
    await reply(update, views.settings_text(building))


async def _archive(update: Update, context: BotContext, args: list[str]) -> None:
    building = await context.services.buildings.resolve(" ".join(args))
    text, keyboard = views.archive_prompt(building)
    await reply(update, text, reply_markup=keyboard)


@command("building")
async def building_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    action, rest = (args[0].lower(), args[1:]) if args else ("", [])
    if action == "list":
        await paging.send_first_page(update, context, "bld")
    elif action == "add":
        await _add(update, context, rest)
    elif action == "rename":
        await _rename(update, context, rest)
    elif action == "archive" and rest:
        await _archive(update, context, rest)
    elif action in ("autoapprove", "unitlimit", "listed"):
        await _settings(update, context, action, rest)
    else:
        await reply(update, views.usage_text())


@requires(Role.ORGANISER)
async def building_button(update: Update, context: BotContext) -> None:
    """Archive confirmation. The role is checked again at the press: an old button in the
    hands of someone demoted since, or forged callback data, changes nothing."""
    query = update.callback_query
    button = unpack(query.data)
    if isinstance(button, BuildingCancel):
        await query.answer()
        await show(update, views.nothing_changed_text())
        return
    assert isinstance(button, BuildingArchive)
    building = await context.services.buildings.archive(
        update.effective_user.id, button.building_id
    )
    await query.answer()
    await show(update, views.archived_text(building))
