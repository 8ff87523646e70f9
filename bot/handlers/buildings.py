"""/building list|add|rename|archive, for organisers (and admins)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers import paging
from bot.handlers.common import BotContext, command, esc, reply, requires, show
from bot.i18n import N_, _
from bot.services.numbers import parse_int
from bot.services.roles import Role
from bot.views.buttons import BuildingArchive, BuildingCancel, unpack

USAGE = (
    N_("/building list — the active buildings"),
    N_("/building add Maple Court — add a building"),
    N_("/building rename 3 Maple Court East — rename building #3"),
    N_("/building archive 3 — archive building #3 (no new sign-ups)"),
    N_("/building autoapprove 3 on — approve new residents of #3 at once (or off)"),
    N_("/building unitlimit 3 6 — flag a sign-up when unit already has 6 residents"),
    N_(
        "/building listed 3 on — show #3 to people without an invite (they still wait for "
        "a steward), or off"
    ),
)


def usage_text() -> str:
    return "\n".join([_("<b>Buildings</b>"), *(_(line) for line in USAGE)])


BUILDINGS_PAGE = 20  # lines of up to ~150 characters in the longest language


@paging.listing("bld", Role.ORGANISER, BUILDINGS_PAGE)
async def buildings_page(
    update: Update, context: BotContext, offset: int, _arg: int
) -> tuple[str, bool]:
    buildings = await context.services.buildings.active()
    if not buildings:
        return _("No buildings yet. Add one with /building add and its name."), False
    lines = [_("<b>Buildings ({count})</b>").format(count=len(buildings))]
    for b in buildings[offset : offset + BUILDINGS_PAGE]:
        details = [_("up to {count} per unit").format(count=b.unit_limit)]
        if b.auto_approve:
            details.insert(0, _("approves automatically"))
        if b.listed:
            details.append(_("listed for people without an invite"))
        lines.append(
            _("#{id} {name} · {details}").format(
                id=b.id, name=esc(b.name), details=" · ".join(details)
            )
        )
    return "\n".join(lines), offset + BUILDINGS_PAGE < len(buildings)


async def _add(update: Update, context: BotContext, args: list[str]) -> None:
    building = await context.services.buildings.add(update.effective_user.id, " ".join(args))
    await reply(
        update,
        _("Added building #{id}: {name}.").format(id=building.id, name=esc(building.name)),
    )


async def _rename(update: Update, context: BotContext, args: list[str]) -> None:
    if len(args) < 2:
        await reply(update, usage_text())
        return
    service = context.services.buildings
    building = await service.resolve(args[0])
    renamed = await service.rename(update.effective_user.id, building.id, " ".join(args[1:]))
    await reply(
        update,
        _("Building #{id} is now called {name}.").format(id=renamed.id, name=esc(renamed.name)),
    )


async def _settings(update: Update, context: BotContext, action: str, args: list[str]) -> None:
    if len(args) < 2:
        await reply(update, usage_text())
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
        await reply(update, usage_text())
        return
    state = _("approves automatically") if building.auto_approve else _("stewards approve")
    text = _("Saved for #{id} {name}: {state}, up to {count} per unit.").format(
        id=building.id, name=esc(building.name), state=state, count=building.unit_limit
    )
    if building.listed:
        text += " " + _(
            "People without an invite can find it too; a steward approves their sign-ups."
        )
    else:
        text += " " + _("Only people with an invite see it.")
    await reply(update, text)


async def _archive(update: Update, context: BotContext, args: list[str]) -> None:
    building = await context.services.buildings.resolve(" ".join(args))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("📦 Archive"), callback_data=BuildingArchive(building.id).pack()
                ),
                InlineKeyboardButton(_("Cancel"), callback_data=BuildingCancel().pack()),
            ]
        ]
    )
    await reply(
        update,
        _(
            "Archive building #{id} {name}? Residents will no longer be able to sign up to it."
        ).format(id=building.id, name=esc(building.name)),
        reply_markup=keyboard,
    )


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
        await reply(update, usage_text())


@requires(Role.ORGANISER)
async def building_button(update: Update, context: BotContext) -> None:
    """Archive confirmation. The role is checked again at the press: an old button in the
    hands of someone demoted since, or forged callback data, changes nothing."""
    query = update.callback_query
    button = unpack(query.data)
    if isinstance(button, BuildingCancel):
        await query.answer()
        await show(update, _("Nothing was changed."))
        return
    assert isinstance(button, BuildingArchive)
    building = await context.services.buildings.archive(
        update.effective_user.id, button.building_id
    )
    await query.answer()
    await show(
        update,
        _("Building #{id} {name} is archived.").format(id=building.id, name=esc(building.name)),
    )
