"""/building as organisers see it: the usage, the list of buildings, each change confirmed,
and the archive question."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _
from bot.storage.buildings import Building
from bot.views.buttons import BuildingArchive, BuildingCancel
from bot.views.common import esc

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


def building_line(building: Building) -> str:
    """One building in /building list: its number, name and settings."""
    details = [_("up to {count} per unit").format(count=building.unit_limit)]
    if building.auto_approve:
        details.insert(0, _("approves automatically"))
    if building.listed:
        details.append(_("listed for people without an invite"))
    return _("#{id} {name} · {details}").format(
        id=building.id, name=esc(building.name), details=" · ".join(details)
    )


def buildings_page(page: list[Building], total: int) -> str:
    """A page of /building list; ``total`` counts every active building."""
    if not total:
        return _("No buildings yet. Add one with /building add and its name.")
    lines = [_("<b>Buildings ({count})</b>").format(count=total)]
    lines += [building_line(b) for b in page]
    return "\n".join(lines)


def added_text(building: Building) -> str:
    return _("Added building #{id}: {name}.").format(id=building.id, name=esc(building.name))


def renamed_text(building: Building) -> str:
    return _("Building #{id} is now called {name}.").format(id=building.id, name=esc(building.name))


def settings_text(building: Building) -> str:
    """The settings of a building, after one was changed."""
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
    return text


def archive_prompt(building: Building) -> tuple[str, InlineKeyboardMarkup]:
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
    text = _(
        "Archive building #{id} {name}? Residents will no longer be able to sign up to it."
    ).format(id=building.id, name=esc(building.name))
    return text, keyboard


def nothing_changed_text() -> str:
    return _("Nothing was changed.")


def archived_text(building: Building) -> str:
    return _("Building #{id} {name} is archived.").format(id=building.id, name=esc(building.name))
