"""Lists longer than one message: one page at a time, with ◀️ / ▶️ buttons.

A list registers a renderer under a short kind (``res``, ``aud``, ``inv``, ``bld``): given the
offset and an argument, it returns the page's text and whether more follows. The buttons carry
``Page`` buttons (``pg:<kind>:<offset>:<arg>``); every press re-checks the role and runs the query
again, so a page shows what is true (and allowed) now. Page sizes are chosen so that a page of
the longest possible entries stays under Telegram's 4,096 characters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common import BotContext, refuse_unless, reply, requires, show
from bot.i18n import _
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.views.buttons import Page, unpack

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
        back = Page(kind, max(0, offset - size), arg).pack()
        row.append(InlineKeyboardButton(_("◀️ Previous"), callback_data=back))
    if more:
        following = Page(kind, offset + size, arg).pack()
        row.append(InlineKeyboardButton(_("Next ▶️"), callback_data=following))
    return InlineKeyboardMarkup([row]) if row else None


async def send_first_page(update: Update, context: BotContext, kind: str, arg: int = 0) -> None:
    text, more = await LISTINGS[kind].render(update, context, 0, arg)
    await reply(update, text, reply_markup=keyboard(kind, 0, arg, more))


@requires(Role.RESIDENT)
async def page_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    button = unpack(query.data)
    found = LISTINGS.get(button.kind) if isinstance(button, Page) else None
    if found is None:
        raise ButtonProblem(ButtonProblem.STALE)
    if await refuse_unless(update, context, found.role):
        return
    text, more = await found.render(update, context, button.offset, button.arg)
    await query.answer()
    await show(update, text, reply_markup=keyboard(button.kind, button.offset, button.arg, more))
