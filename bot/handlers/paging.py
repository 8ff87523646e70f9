"""Lists longer than one message: one page at a time, with ◀️ / ▶️ buttons.

A list registers a renderer under a short kind (``res``, ``aud``, ``inv``, ``bld``): given the
offset and an argument, it returns the page's text and whether more follows. The buttons carry
``pg:<kind>:<offset>:<arg>``; every press re-checks the presser's role and runs the query
again, so a page shows what is true (and allowed) now. Page sizes are chosen so that a page of
the longest possible entries stays under Telegram's 4,096 characters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common import BotContext, localized, refuse_unless, reply, show
from bot.i18n import _
from bot.services.numbers import parse_int
from bot.services.roles import Role

PREFIX = "pg:"

# (update, context, offset, arg) -> (text, more follows)
Renderer = Callable[[Update, BotContext, int, int], Awaitable[tuple[str, bool]]]


@dataclass(frozen=True)
class Listing:
    role: Role
    page_size: int
    render: Renderer


LISTINGS: dict[str, Listing] = {}


def listing(kind: str, role: Role, page_size: int):
    """Register ``render`` as the pages of list ``kind``."""

    def register(render: Renderer) -> Renderer:
        LISTINGS[kind] = Listing(role, page_size, render)
        return render

    return register


def keyboard(kind: str, offset: int, arg: int, more: bool) -> InlineKeyboardMarkup | None:
    size = LISTINGS[kind].page_size
    row = []
    if offset > 0:
        back = max(0, offset - size)
        row.append(
            InlineKeyboardButton(_("◀️ Previous"), callback_data=f"{PREFIX}{kind}:{back}:{arg}")
        )
    if more:
        row.append(
            InlineKeyboardButton(_("Next ▶️"), callback_data=f"{PREFIX}{kind}:{offset + size}:{arg}")
        )
    return InlineKeyboardMarkup([row]) if row else None


async def send_first_page(update: Update, context: BotContext, kind: str, arg: int = 0) -> None:
    text, more = await LISTINGS[kind].render(update, context, 0, arg)
    await reply(update, text, reply_markup=keyboard(kind, 0, arg, more))


@localized
async def page_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    kind, offset, arg = _parse(query.data or "")
    found = LISTINGS.get(kind)
    if found is None or offset is None or arg is None:
        await query.answer(_("This button no longer works. Send /help to start again."))
        return
    if await refuse_unless(update, context, found.role):
        return
    await query.answer()
    text, more = await found.render(update, context, offset, arg)
    await show(update, text, reply_markup=keyboard(kind, offset, arg, more))


def _parse(data: str) -> tuple[str, int | None, int | None]:
    parts = data.removeprefix(PREFIX).split(":")
    if not data.startswith(PREFIX) or len(parts) != 3:
        return "", None, None
    return parts[0], parse_int(parts[1], max_digits=6), parse_int(parts[2], max_digits=12)
