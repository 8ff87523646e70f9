"""Events: /newevent (one line, a preview with Publish / Cancel), the post residents answer
(Going / Maybe / Can't go, 📅 Add to calendar), /events, /myevents, /editevent, /cancelevent,
and the one-second tick that queues due reminders and refreshes the copies' counts.

The rules are in ``services/events.py``; the texts in ``views/events.py``. Everything sent to
someone other than the presser goes through the outbox, rendered in the recipient's language.
"""

from __future__ import annotations

import logging

from telegram import InputFile, Update

from bot import clock, i18n
from bot.handlers import event_attendance as after
from bot.handlers.common import (
    BotContext,
    command,
    current_actor,
    localized,
    reply,
    requires,
    show,
)
from bot.numbers import parse_int
from bot.services import Services
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.storage.events import EventRow
from bot.views import buttons as b
from bot.views import events as views

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0  # how often the JobQueue wakes the bot to look at due reminders


# ------------------------------------------------------------------------------ helpers
def _args(update: Update) -> str:
    text = update.effective_message.text or ""
    return text.partition(" ")[2].strip()


def _when(services: Services, locale: str | None = None):
    zone = services.config.timezone
    return lambda stamp: clock.local_long(stamp, zone, locale or i18n.current_locale())


async def _names(services: Services) -> dict[int, str]:
    return {bld.id: bld.name for bld in await services.buildings.active()}


def _in(services: Services, render):
    """A (event, locale) renderer for the outbox: ``render(event, when)`` inside the locale,
    as a {"text", "keyboard"} payload."""

    made: dict[tuple[int, int, str], dict] = {}  # one rendering per language

    def payload(event: EventRow, locale: str) -> dict:
        key = (event.id, event.sequence, locale)
        if key not in made:
            with i18n.use_locale(locale):
                text, keyboard = render(event, _when(services, locale))
            made[key] = {"text": text, "keyboard": keyboard.to_dict() if keyboard else None}
        return made[key]

    return payload


def post_payload(services: Services, counts: dict[str, int] | None = None):
    empty = {"going": 0, "maybe": 0, "no": 0, "waitlist": 0}
    return _in(
        services,
        lambda e, when: (views.post(e, when, counts or empty), views.post_keyboard(e.id)),
    )


def _wake(context: BotContext) -> None:
    sender = context.bot_data.get("sender")
    if sender is not None:
        sender.wake()


# ------------------------------------------------------------------------------ commands
@command("newevent")
async def newevent_command(update: Update, context: BotContext) -> None:
    args = _args(update)
    if not args:
        await reply(update, views.new_usage())
        return
    actor = await current_actor(update, context)
    services = context.services
    event = await services.events.create(actor, update.update_id, args)
    text, keyboard = views.preview(event, _when(services), await _names(services))
    await reply(update, text, reply_markup=keyboard)


@command("events")
async def events_command(update: Update, context: BotContext) -> None:
    services = context.services
    actor = await current_actor(update, context)
    resident = await services.profile.get(actor.id)
    building = resident.building_id if resident and resident.status == "approved" else None
    events = await services.events.upcoming_for(actor, building)
    await reply(
        update,
        views.upcoming_text(events, _when(services)),
        reply_markup=views.upcoming_keyboard(events),
    )


@command("myevents")
async def myevents_command(update: Update, context: BotContext) -> None:
    services = context.services
    answers = await services.events.mine(update.effective_user.id)
    await reply(
        update,
        views.mine_text(answers, _when(services)),
        reply_markup=views.mine_keyboard(answers),
    )


def _number_and_rest(update: Update) -> tuple[int | None, str]:
    first, _sep, rest = _args(update).partition(" ")
    return parse_int(first.lstrip("#"), max_digits=9) if first else None, rest.strip()


@command("cancelevent")
async def cancelevent_command(update: Update, context: BotContext) -> None:
    event_id, reason = _number_and_rest(update)
    if event_id is None or not reason:
        await reply(update, views.cancel_usage())
        return
    services = context.services
    actor = await current_actor(update, context)
    event, _told = await services.events.cancel(
        actor,
        event_id,
        reason,
        _in(services, views.cancelled_notice),
        update_id=update.update_id,
    )
    _wake(context)
    await reply(update, views.cancel_done(event.id))


@command("editevent")
async def editevent_command(update: Update, context: BotContext) -> None:
    event_id, rest = _number_and_rest(update)
    what, _sep, value = rest.partition(" ")
    if event_id is None or not value.strip():
        await reply(update, views.edit_usage())
        return
    services = context.services
    actor = await current_actor(update, context)
    event, _told, promoted = await services.events.edit(
        actor,
        event_id,
        what,
        value.strip(),
        _in(services, views.changed_notice),
        update_id=update.update_id,
    )
    await _tell_promoted(context, event, promoted)
    _wake(context)
    await reply(update, views.edit_done(event.id))


# ------------------------------------------------------------------------------ the preview
@requires(Role.STEWARD)
async def event_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    actor = await current_actor(update, context)
    match b.unpack(query.data):
        case b.EvPublish(event=event_id):
            event, sending = await services.events.publish(
                actor, event_id, post_payload(services), update_id=update.update_id
            )
            _wake(context)
            await query.answer()
            await show(update, views.published_text(event.id, sending))
        case b.EvDiscard(event=event_id):
            event = await services.events.discard(actor, event_id)
            await query.answer()
            await show(update, views.discarded_text(event.id))
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


# ------------------------------------------------------------------------------ residents
@localized
async def answer_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    match b.unpack(query.data):
        case b.EvAnswer(event=event_id, answer=answer):
            done = await services.events.answer(event_id, user_id, answer)
            await query.answer(views.answered_text(done.answer, done.position))
            event = await services.events.get(event_id)
            counts = await services.events.counts(event_id)
            await show(
                update,
                views.post(event, _when(services), counts),
                reply_markup=views.post_keyboard(event.id),
            )
            await _tell_promoted(context, event, done.promoted)
            if done.changed and done.answer in ("going", "waitlist"):
                await after.ask_needs(update, context, event)
        case b.EvCantCome(event=event_id):
            done = await services.events.answer(event_id, user_id, "no")
            await query.answer(views.answered_text(done.answer, done.position))
            event = await services.events.get(event_id)
            await _tell_promoted(context, event, done.promoted)
        case b.EvCalendar(event=event_id):
            actor = await current_actor(update, context)
            event, ics = await services.events.calendar(actor, event_id)
            await query.answer()
            await context.bot.send_document(
                update.effective_chat.id,
                InputFile(ics, filename=f"event-{event.id}.ics"),
                caption=views.number(event.id),
            )
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


async def _tell_promoted(context: BotContext, event: EventRow, promoted: tuple[int, ...]) -> None:
    """Whoever was offered a freed place hears it, in their language, with Accept / No
    thanks (handlers/event_attendance.py; the tick also tells any offer not yet told)."""
    if promoted:
        await after.tell_offers(context.services, context.bot_data.get("sender"))


# ------------------------------------------------------------------------------ the tick
def _counts_edit(services: Services):
    def render(event: EventRow, locale: str, counts: dict[str, int]) -> dict:
        with i18n.use_locale(locale):
            return {
                "text": views.post(event, _when(services, locale), counts),
                "keyboard": views.post_keyboard(event.id).to_dict(),
            }

    return render


async def run_due(services: Services, sender=None) -> tuple[int, int]:
    """Queue every due reminder (or drop it) and refresh the copies whose counts changed;
    the database decides what is due. Returns (reminders queued, refresh jobs made)."""
    reminders, refreshes = await services.events.due_work()
    queued = made = 0
    for reminder_id in reminders:
        state = await services.events.send_reminder(reminder_id, _in(services, views.reminder))
        queued += state == "queued"
    for event_id in refreshes:
        made += await services.events.refresh_copies(event_id, _counts_edit(services)) is not None
    if (queued or made) and sender is not None:
        sender.wake()
    return queued, made


async def tick(context: BotContext) -> None:
    """The JobQueue job (every second): it only wakes the bot; the database is the truth."""
    try:
        await run_due(context.services, context.bot_data.get("sender"))
    except Exception:  # the next tick tries again: nothing was half-done
        log.exception("The events tick failed; it runs again in a second")
