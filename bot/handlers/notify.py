"""Messages the bot starts (not a direct answer): the one front door.

Everything sent to someone other than the person being answered goes through :func:`tell` or
:func:`queue`: the message is rendered in the *recipient's* language (their choice in the bot,
else their Telegram app's language as last seen) and written to the durable outbox, which the
sender (``handlers/sender.py``) delivers, paced, retried, and resumed after a crash; a person
who blocked the bot is marked unreachable there, in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup

from bot import i18n
from bot.handlers.common import BotContext
from bot.handlers.sender import Sender
from bot.services import Services
from bot.services.signup import Finished
from bot.storage.outbox import Recipient
from bot.views import signup as signup_views

log = logging.getLogger(__name__)

Render = Callable[[], str | tuple[str, InlineKeyboardMarkup | None]]

NOTICE = 0  # outbox priority: a notice to one person goes before bulk sends


async def queue(
    services: Services,
    user_ids: list[int],
    render: Render,
    *,
    reason: str,
    sender: Sender | None = None,
) -> int:
    """Queue a message to each of ``user_ids`` in the durable outbox, rendered in *their*
    language, and wake the sender. Returns the job's id."""
    recipients = []
    for user_id in user_ids:
        with i18n.use_locale(await services.users.locale_for(user_id, None)):
            rendered = render()
        text, keyboard = rendered if isinstance(rendered, tuple) else (rendered, None)
        payload = {"text": text, "keyboard": keyboard.to_dict() if keyboard else None}
        recipients.append(Recipient(user_id, user_id, payload))
    job_id, _new = await services.delivery.start_job(
        "notice", recipients, reason=reason, priority=NOTICE
    )
    if sender is not None:
        sender.wake()
    return job_id


async def queue_payloads(
    services: Services,
    rows: list[tuple[int, int | None, dict]],
    *,
    kind: str,
    reason: str,
    update_id: int | None = None,
    sender: Sender | None = None,
) -> int:
    """Queue ready payloads (chat, person, payload), e.g. the edits of sent copies, as one
    bulk job; a replayed update queues nothing more. Returns the job's id."""
    job_id, _new = await services.delivery.start_job(
        kind,
        [Recipient(chat_id, user_id, payload) for chat_id, user_id, payload in rows],
        reason=reason,
        update_id=update_id,
    )
    if sender is not None:
        sender.wake()
    return job_id


async def tell(
    context: BotContext, user_id: int, render: Render, *, reason: str = "notice"
) -> None:
    """Message one person (not the one being answered) through the outbox."""
    await queue(
        context.services, [user_id], render, reason=reason, sender=context.bot_data.get("sender")
    )


async def new_signup(context: BotContext, finished: Finished) -> None:
    """A new sign-up is waiting: tell whoever looks after the building."""
    building_id = finished.resident.building_id
    stewards = await context.services.roles.who_looks_after(building_id)
    await queue(
        context.services,
        stewards,
        lambda: signup_views.new_signup_notice(finished),
        reason="signup.new",
        sender=context.bot_data.get("sender"),
    )


async def send_signup_reminders(services: Services, sender: Sender | None = None) -> int:
    """Queue, once, a nudge to everyone whose sign-up has waited a day (the outbox delivers
    it, or marks them unreachable). Returns how many were reminded."""
    due = await services.signup.due_reminders()
    for pending in due:
        await queue(
            services,
            [pending.user_id],
            lambda p=pending: signup_views.reminder(p.building_name),
            reason="signup.reminder",
            sender=sender,
        )
        await services.signup.reminded(pending.user_id)
    return len(due)


async def remind_unfinished_signups(context: BotContext) -> None:
    """The JobQueue job (hourly); its state is in the database, so restarts lose nothing."""
    await send_signup_reminders(context.services, context.bot_data.get("sender"))
