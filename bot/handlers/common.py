"""Shared pieces of the Telegram adapters: the context type, the locale wrapper, replies."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot

from bot import clock, i18n, logs
from bot.i18n import _
from bot.services import Services, commands
from bot.services.problems import Problem
from bot.services.roles import Actor, Role
from bot.views import problems
from bot.views.buttons import unpack
from bot.views.common import esc  # noqa: F401  (re-exported for handlers)

log = logging.getLogger(__name__)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's context with typed access to our services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]


Handler = Callable[[Update, BotContext], Awaitable[Any]]
H = TypeVar("H", bound=Handler)


async def locale_of_update(update: object, context: BotContext) -> str:
    """The language to answer this update in (the user's stored choice, else Telegram's)."""
    user = update.effective_user if isinstance(update, Update) else None
    if user is None:
        return i18n.default_locale()
    try:
        return await context.services.users.heard_from(user.id, user.language_code)
    except Exception:  # the database may be what failed; still answer in a sensible language
        log.warning("Could not read the stored language of a user", exc_info=True)
        return i18n.resolve_locale(None, user.language_code)


def localized(handler: H | None = None, *, needs_user: bool = True) -> Any:
    """Run ``handler`` with the update's user locale active, and restore it afterwards.

    A :class:`Problem` the handler lets through is answered here, in that locale, from the one
    table in ``bot/views/problems.py`` (an alert on a button, a reply to a message).

    Updates with no user behind them (channel posts, anonymous senders) are ignored, unless
    the handler says ``needs_user=False`` (poll updates, for example): it then runs in the
    community's default language.
    """
    if handler is None:
        return functools.partial(localized, needs_user=needs_user)

    name = handler.__name__

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> Any:
        if update.effective_user is None and needs_user:
            log.debug("Ignoring update %s: no user", update.update_id)
            return None
        with (
            logs.for_update(update.update_id),
            i18n.use_locale(await locale_of_update(update, context)),
        ):
            try:
                result = await handler(update, context)
            except Problem as problem:
                # one line per update, with what handled it: never what anyone wrote
                log.info("Update %s: %s refused (%s)", update.update_id, name, problem.kind.value)
                await answer_problem(update, problem)
                return None
            log.info("Update %s: %s", update.update_id, name)
            return result

    return wrapper


async def answer_problem(update: Update, problem: Problem) -> None:
    text = problems.render(problem)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=not problem.quiet)
    else:
        await reply(update, text)


def replied_person(message: Message | None) -> User | None:
    """The person whose message ``message`` answers, if it really answers one. In a forum
    topic, a message that replies to no one still points at the topic's first message
    ("topic created"): that names nobody, and must never pick a target."""
    replied = message.reply_to_message if message is not None else None
    if replied is None or replied.from_user is None or replied.from_user.is_bot:
        return None
    if replied.forum_topic_created is not None:
        return None
    if message.is_topic_message and message.message_thread_id == replied.message_id:
        return None
    return replied.from_user


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Answer in the chat the update came from."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, **kwargs)


def open_private_chat_button(context: BotContext, payload: str = "") -> InlineKeyboardMarkup:
    url = f"https://t.me/{context.bot.username}"
    if payload:
        url += f"?start={payload}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("Open a private chat"), url=url)]])


async def ask_for_private_chat(update: Update, context: BotContext) -> None:
    await reply(
        update,
        _("For your privacy, let's do this in a private chat."),
        reply_markup=open_private_chat_button(context),
    )


def command(name: str, *, in_groups: bool = False) -> Callable[[H], H]:
    """Declare ``handler`` as ``/name``: localized, private-chat only where the command
    catalogue says so, and refused (with the right words) to anyone below the role the
    catalogue declares for it, checked on the server at every use.

    ``in_groups=True`` marks the group form of a command the catalogue keeps private (``/ban``
    by reply in a building's group): registered for groups only, it keeps the role check.
    The declaration (``handler.command``) is what the authorisation matrix test reads: a
    command handler without one fails it."""
    spec = commands.get(name)
    assert spec is not None, f"/{name} is not in the command catalogue"

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: BotContext) -> Any:
            if spec.private and not in_groups and not is_private(update):
                await ask_for_private_chat(update, context)
                return None
            if spec.role > Role.RESIDENT and await refuse_unless(update, context, spec.role):
                return None
            return await handler(update, context)

        wrapper.command = spec  # type: ignore[attr-defined]
        return localized(wrapper)

    return decorate


def requires(role: Role, stricter: dict[type, Role] | None = None) -> Callable[[H], H]:
    """For button handlers: who may press this family's buttons, checked at every press.

    ``role`` is the family's; ``Role.RESIDENT`` declares that anyone may press them (the
    service then checks the object: an event's audience, an announcement's recipients).
    ``stricter`` names the buttons of the family that need more (``{AnnAnswer: STEWARD}``).
    Every button family's handler must carry this declaration (``handler.role``,
    ``handler.button_roles``): the authorisation matrix test fails on one without."""
    stricter = dict(stricter or {})

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: BotContext) -> Any:
            needed = role
            if stricter and update.callback_query is not None:
                with contextlib.suppress(Problem):  # a stale press: the handler says so
                    pressed = type(unpack(update.callback_query.data))
                    needed = max(needed, stricter.get(pressed, role))
            if needed > Role.RESIDENT and await refuse_unless(update, context, needed):
                return None
            return await handler(update, context)

        wrapper.role = role  # type: ignore[attr-defined]
        wrapper.button_roles = stricter  # type: ignore[attr-defined]
        return localized(wrapper)

    return decorate


def declared_role(handler: Any, button: type) -> Role | None:
    """The role ``handler`` (a button family's) declares for ``button``; None: undeclared."""
    role = getattr(handler, "role", None)
    if role is None:
        return None
    return getattr(handler, "button_roles", {}).get(button, role)


async def show(update: Update, text: str, **kwargs: Any) -> None:
    """Show ``text``: edit the message a button belongs to, else send a new message.

    Editing keeps the chat short on small screens. If the message can no longer be edited
    (too old, deleted) the answer is sent as a new message instead; an unchanged message is
    left alone.
    """
    query = update.callback_query
    if query is None or query.message is None:
        await reply(update, text, **kwargs)
        return
    try:
        await query.edit_message_text(text, **kwargs)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return
        log.info("Could not edit message (%s); sending a new one", exc.message)
        await send_to_chat(update, text, **kwargs)


async def send_to_chat(update: Update, text: str, **kwargs: Any) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, **kwargs)


def refusal_text(role: Role) -> str:
    """Why someone without ``role`` may not do this, naming who may."""
    if role >= Role.ADMIN:
        return _("Sorry, only the bot's admins can use that command.")
    if role >= Role.ORGANISER:
        return _("Sorry, only organisers can use that command.")
    return _("Sorry, only stewards and organisers can use that command.")


async def current_actor(update: Update, context: BotContext) -> Actor:
    """Who sent this update, with their role and buildings as they are now: read once per
    handler call (one query) and passed down to the services."""
    actor = getattr(context, "_actor", None)
    if actor is None or actor.id != update.effective_user.id:
        actor = await context.services.roles.actor(update.effective_user.id)
        context._actor = actor  # type: ignore[attr-defined]
    return actor


async def refuse_unless(update: Update, context: BotContext, role: Role) -> bool:
    """Check, now and on the server, that the user has ``role``; if not, say so politely and
    return True. Used by every steward/organiser command *and* button: callback data and
    old messages are never trusted."""
    if (await current_actor(update, context)).role >= role:
        return False
    text = refusal_text(role)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)
    return True


def local_datetime(context: BotContext, timestamp: str) -> str:
    """A stored UTC timestamp, in the community's time zone and the reader's language."""
    return clock.local(timestamp, context.services.config.timezone, i18n.current_locale())
