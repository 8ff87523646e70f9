"""Events: /newevent (one line, a preview with Publish / Cancel), the post residents answer
(Going / Maybe / Can't go, 📅 Add to calendar), /events, /myevents, /editevent, /cancelevent,
and the one-second tick that queues due reminders and refreshes the copies' counts.

The rules are in ``services/events.py``; the texts in ``views/events.py``. Everything sent to
someone other than the presser goes through the outbox, rendered in the recipient's language.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from babel.dates import format_date
from telegram import InputFile, Update
from telegram.error import Forbidden

from bot import clock, i18n
from bot.handlers import event_attendance as after
from bot.handlers.answers import typed_answer
from bot.handlers.common import (
    BotContext,
    command,
    current_actor,
    is_private,
    refuse_unless,
    reply,
    requires,
    show,
)
from bot.numbers import parse_int
from bot.services import Services
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.storage.awaiting import Awaiting
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
    actor = await current_actor(update, context)
    services = context.services
    if not args:  # the guided flow, resumed where it was left
        await _flow_show(update, context, await services.events.draft_start(actor))
        return
    event = await services.events.create(actor, update.update_id, args)
    await _show_preview(update, context, event)


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
        await reply(update, views.cancel_usage() + "\n" + views.cancel_series_usage())
        return
    services = context.services
    actor = await current_actor(update, context)
    word, _sep, rest = reason.partition(" ")
    if word.lower() == "series" and rest.strip():
        cancelled, _told = await services.events.cancel_series(
            actor,
            event_id,
            rest.strip(),
            _in(services, views.cancelled_notice),
            update_id=update.update_id,
        )
        for one in cancelled:
            await services.events.edit_copies(one.id, _counts_edit(services))
        _wake(context)
        await reply(update, views.series_cancel_done(event_id, len(cancelled)))
        return
    event, _told = await services.events.cancel(
        actor,
        event_id,
        reason,
        _in(services, views.cancelled_notice),
        update_id=update.update_id,
    )
    await services.events.edit_copies(event.id, _counts_edit(services))
    _wake(context)
    await reply(update, views.cancel_done(event.id))


@command("editevent")
async def editevent_command(update: Update, context: BotContext) -> None:
    """``/editevent 4 when 2026-12-06 19:00``; ``/editevent 4 series when 19:00`` (this date
    and the later ones of its series) or ``all`` (every date still to come). On a date of a
    series without either word, the change is kept and the author chooses the dates by
    button."""
    event_id, rest = _number_and_rest(update)
    word, _sep, after = rest.partition(" ")
    scope = {"series": "later", "all": "all"}.get(word.lower(), "one")
    if scope != "one":
        rest = after.strip()
    what, _sep, value = rest.partition(" ")
    if event_id is None or not value.strip():
        await reply(update, views.edit_usage() + "\n" + views.edit_series_usage())
        return
    services = context.services
    actor = await current_actor(update, context)
    if scope == "one" and await services.events.in_series(
        await services.events.managed(actor, event_id)
    ):
        event, edit_id, earlier = await services.events.propose_edit(
            actor, event_id, what, value, update_id=update.update_id
        )
        text, keyboard = views.edit_scope_question(event, edit_id, _when(services), earlier)
        await reply(update, text, reply_markup=keyboard)
        return
    done = await services.events.edit(
        actor,
        event_id,
        what,
        value,
        _in(services, views.changed_notice),
        update_id=update.update_id,
        scope=scope,
        render_many=_many(services, views.series_changed_notice),
    )
    await _after_edit(context, done)
    await reply(update, _edit_done(event_id, done))


def _many(services: Services, render):
    """A (events, locale) renderer for the outbox: several dates in one message."""

    def payload(events: list[EventRow], locale: str) -> dict:
        with i18n.use_locale(locale):
            text, keyboard = render(events, _when(services, locale))
        return {"text": text, "keyboard": keyboard.to_dict() if keyboard else None}

    return payload


async def _after_edit(context: BotContext, done) -> None:
    """Whoever was offered a freed place is told; every delivered copy of each changed date
    shows it at once."""
    services = context.services
    for event in done.events:
        await _tell_promoted(context, event, done.promoted.get(event.id, ()))
        await services.events.edit_copies(event.id, _counts_edit(services))  # not in 30 s
    _wake(context)


def _edit_done(event_id: int, done) -> str:
    if len(done.events) == 1:
        return views.edit_done(event_id)
    return views.series_edit_done(event_id, len(done.events))


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
            text = views.published_text(event.id, sending)
            more = len(services.events.occurrences_of(event)) - 1
            if more > 0:
                text += "\n" + views.series_published_text(more)
            await show(update, text)
        case b.EvEditScope(edit=edit_id, scope=scope):
            done = await services.events.apply_edit(
                actor,
                edit_id,
                scope,
                _in(services, views.changed_notice),
                _many(services, views.series_changed_notice),
                update_id=update.update_id,
            )
            await _after_edit(context, done)
            await query.answer()
            await show(update, _edit_done(done.events[0].id, done))
        case b.EvDiscard(event=event_id):
            event = await services.events.discard(actor, event_id)
            await query.answer()
            await show(update, views.discarded_text(event.id))
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


# ------------------------------------------------------------------------------ residents
@requires(Role.RESIDENT)
async def answer_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    pressed = b.unpack(query.data)
    if not is_private(update):  # the post in a building's group: residents answer there too
        await _group_press(update, context, pressed)
        return
    match pressed:
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
        case b.EvSeriesCalendar(event=event_id):
            actor = await current_actor(update, context)
            event, ics = await services.events.series_calendar(actor, event_id)
            await query.answer()
            await context.bot.send_document(
                update.effective_chat.id,
                InputFile(ics, filename=f"event-{event.id}-dates.ics"),
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
            if event.state == "cancelled":  # "Cancelled: <reason>", without the buttons
                return {"text": views.cancelled_copy(event, _when(services, locale))}
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
    made += len(await services.events.post_due(post_payload(services)))
    if (queued or made) and sender is not None:
        sender.wake()
    return queued, made


async def tick(context: BotContext) -> None:
    """The JobQueue job (every second): it only wakes the bot; the database is the truth."""
    try:
        await run_due(context.services, context.bot_data.get("sender"))
    except Exception:  # the next tick tries again: nothing was half-done
        log.exception("The events tick failed; it runs again in a second")


# ------------------------------------------------------------------------------ previews (0016)
async def _show_preview(update: Update, context: BotContext, event: EventRow) -> None:
    """The one preview, with Publish / Cancel, for the one-line form and the guided flow."""
    services = context.services
    text, keyboard = views.preview(event, _when(services), await _names(services))
    dates = len(services.events.occurrences_of(event))
    if dates > 1:
        text += "\n" + views.dates_in_all(dates)
    await show(update, text, reply_markup=keyboard)


# ------------------------------------------------------------------------------ groups (0016)
async def _group_press(update: Update, context: BotContext, pressed: b.Button) -> None:
    """A press on the post in a building's group: the same answers as in private, for
    residents who signed up; the group's copy is refreshed by the tick (in the group's
    language), and the calendar file goes to the presser privately."""
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    match pressed:
        case b.EvAnswer(event=event_id, answer=answer):
            await services.events.require_resident(user_id)
            done = await services.events.answer(event_id, user_id, answer)
            await query.answer(views.answered_text(done.answer, done.position))
            event = await services.events.get(event_id)
            await _tell_promoted(context, event, done.promoted)
        case b.EvCalendar(event=event_id):
            actor = await current_actor(update, context)
            event, ics = await services.events.calendar(actor, event_id)
            try:
                await context.bot.send_document(
                    user_id,
                    InputFile(ics, filename=f"event-{event.id}.ics"),
                    caption=views.number(event.id),
                )
            except Forbidden:
                await query.answer(views.open_private_chat_first(), show_alert=True)
                return
            await query.answer(views.calendar_sent_privately())
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


# ------------------------------------------------------------------------------ guided flow
ASKED_FOR = timedelta(days=7)  # a typed step's question stays open this long
TYPED_STEPS = {
    "title": "event.title",
    "time": "event.time",
    "place": "event.place",
    "capacity": "event.capacity",
    "description": "event.description",
}


def _day_text(stamp: str) -> str:
    return format_date(date.fromisoformat(stamp), format="full", locale=i18n.current_locale())


async def _flow_show(update: Update, context: BotContext, draft: dict) -> None:
    """The draft's current step (a button press edits the message; typed text gets a new
    one); a step that takes typed text opens the question for it."""
    services = context.services
    actor = await current_actor(update, context)
    step, draft_id = draft["step"], draft["id"]
    if step in TYPED_STEPS:
        await services.awaiting.ask(actor.id, TYPED_STEPS[step], str(draft_id), lasts=ASKED_FOR)
    else:
        await services.awaiting.close(actor.id)
    header = views.flow_header(draft, _day_text)
    keyboard = views.flow_prompt_keyboard(draft_id)
    if step == "audience":
        buildings = [bld for bld in await services.buildings.active() if actor.looks_after(bld.id)]
        text, keyboard = views.flow_audience(draft, buildings, actor.buildings is None)
        await show(update, text, reply_markup=keyboard)
        return
    if step == "title":
        text = views.flow_title_prompt()
    elif step in ("date", "until"):
        today = services.events.clock().astimezone(services.events.timezone).date()
        month = date.fromisoformat(f"{draft['month']}-01") if draft["month"] else today
        text, keyboard = views.flow_calendar(
            draft_id, month.replace(day=1), today, until=step == "until"
        )
    elif step == "time":
        text, keyboard = views.flow_times(draft_id)
    elif step == "place":
        text = views.flow_place_prompt()
    elif step == "capacity":
        text, keyboard = views.flow_places(draft_id)
    elif step == "repeat":
        text, keyboard = views.flow_repeat(draft_id)
    else:
        text, keyboard = views.flow_description(draft_id)
    await show(update, f"{header}\n\n{text}", reply_markup=keyboard)


def _day(stamp: int) -> date:
    try:
        return date(stamp // 10000, stamp // 100 % 100, stamp % 100)
    except ValueError:
        raise ButtonProblem(ButtonProblem.STALE) from None


async def _finish(update: Update, context: BotContext, draft: dict) -> None:
    services = context.services
    actor = await current_actor(update, context)
    event = await services.events.draft_finish(actor, draft["id"], update.update_id)
    await services.awaiting.close(actor.id)
    await _show_preview(update, context, event)


@requires(Role.STEWARD)
async def flow_button(update: Update, context: BotContext) -> None:
    """Every press of the guided flow: the role is checked again (``@requires``), the draft
    must be the presser's and at the step the button belongs to, else it is stale."""
    query = update.callback_query
    services = context.services
    flow = services.events
    actor = await current_actor(update, context)
    pressed = b.unpack(query.data)
    draft = await flow.draft_get(actor, pressed.draft)
    match pressed:
        case b.EvFlowBuilding(building_id=building_id):
            draft = await flow.draft_toggle(actor, draft["id"], building_id)
        case b.EvFlowNext():
            draft = await flow.draft_audience_done(actor, draft["id"])
        case b.EvFlowMonth(month=month):
            draft = await flow.draft_month(actor, draft["id"], _day(month * 100 + 1))
        case b.EvFlowDay(day=day):
            draft = await flow.draft_day(actor, draft["id"], _day(day))
        case b.EvFlowTime(time=hhmm):
            draft = await flow.draft_time(actor, draft["id"], f"{hhmm // 100}:{hhmm % 100:02d}")
        case b.EvFlowPlaces(places=places):
            draft = await flow.draft_capacity(actor, draft["id"], places)
        case b.EvFlowRepeat(every=every):
            draft = await flow.draft_repeat(actor, draft["id"], every)
        case b.EvFlowSkip():
            await flow.draft_description(actor, draft["id"], None)
            await query.answer()
            await _finish(update, context, draft)
            return
        case b.EvFlowCancel():
            await flow.draft_cancel(actor, draft["id"])
            await services.awaiting.close(actor.id)
            await query.answer()
            await show(update, views.flow_dropped())
            return
        case b.EvFlowNoop():
            await query.answer(views.flow_past_day())
            return
        case _:
            raise ButtonProblem(ButtonProblem.STALE)
    await query.answer()
    await _flow_show(update, context, draft)


async def _typed_step(update: Update, context: BotContext, question: Awaiting, step) -> bool:
    """A typed step's answer: the role checked now, the draft moved on, the next step shown."""
    if await refuse_unless(update, context, Role.STEWARD):
        return True
    actor = await current_actor(update, context)
    draft_id = parse_int(question.about or "", max_digits=9)
    if draft_id is None:
        return False
    draft = await step(actor, draft_id, update.effective_message.text or "")
    if question.kind == "event.description":
        await _finish(update, context, draft)
    else:
        await _flow_show(update, context, draft)
    return True


@typed_answer("event.title")
async def typed_title(update: Update, context: BotContext, question: Awaiting) -> bool:
    return await _typed_step(update, context, question, context.services.events.draft_title)


@typed_answer("event.time")
async def typed_time(update: Update, context: BotContext, question: Awaiting) -> bool:
    return await _typed_step(update, context, question, context.services.events.draft_time)


@typed_answer("event.place")
async def typed_place(update: Update, context: BotContext, question: Awaiting) -> bool:
    return await _typed_step(update, context, question, context.services.events.draft_place)


@typed_answer("event.capacity")
async def typed_capacity(update: Update, context: BotContext, question: Awaiting) -> bool:
    return await _typed_step(update, context, question, context.services.events.draft_capacity)


@typed_answer("event.description")
async def typed_description(update: Update, context: BotContext, question: Awaiting) -> bool:
    return await _typed_step(update, context, question, context.services.events.draft_description)
