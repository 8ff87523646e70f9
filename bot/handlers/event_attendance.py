"""Events after the answer: the offer of a freed place (Accept / No thanks), "What I need to
take part" after Going, /attendance and "I was there", the follow-up (1-5 and a comment), and
/eventreport. The tick (its own JobQueue job, every second) reads the database for what is
due: offers to tell, offers that lapsed, "I was there" messages, follow-ups, and follow-up
windows that closed.

The rules are in ``services/event_attendance.py``; the texts in ``views/event_attendance.py``.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import clock, i18n
from bot.handlers.answers import typed_answer
from bot.handlers.common import BotContext, command, current_actor, reply, requires, show
from bot.numbers import parse_int
from bot.services import Services
from bot.services.event_attendance import COMMENT_MAX
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.storage.awaiting import Awaiting
from bot.storage.events import EventRow
from bot.views import buttons as b
from bot.views import event_attendance as views

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
COMMENT_KIND = "event.comment"


def _when(services: Services, locale: str | None = None):
    zone = services.config.timezone
    return lambda stamp: clock.local_long(stamp, zone, locale or i18n.current_locale())


def _payload(services: Services, render):
    """A (event, locale) renderer for the outbox: ``render(event, when)`` in that locale."""

    def payload(event: EventRow, locale: str) -> dict:
        with i18n.use_locale(locale):
            text, keyboard = render(event, _when(services, locale))
        return {"text": text, "keyboard": keyboard.to_dict() if keyboard else None}

    return payload


def _offer_payload(services: Services):
    def payload(event: EventRow, locale: str, offer_id: int, deadline: str) -> dict:
        with i18n.use_locale(locale):
            text, keyboard = views.offer_notice(event, _when(services, locale), offer_id, deadline)
        return {"text": text, "keyboard": keyboard.to_dict()}

    return payload


def _event_id(update: Update) -> int | None:
    text = update.effective_message.text or ""
    first = text.partition(" ")[2].strip().split(" ")[0]
    return parse_int(first.lstrip("#"), max_digits=9) if first else None


# ------------------------------------------------------------------------------ offers
async def tell_offers(services: Services, sender=None) -> int:
    """Queue the notice of every open offer not yet told (each once)."""
    told = 0
    for offer_id in (await services.attendance.due_work())["tell"]:
        told += await services.attendance.tell_offer(offer_id, _offer_payload(services))
    if told and sender is not None:
        sender.wake()
    return told


@requires(Role.RESIDENT)
async def offer_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    match b.unpack(query.data):
        case b.EvOffer(offer=offer_id, take=take):
            _event, state = await services.attendance.respond(
                offer_id, update.effective_user.id, take == "yes"
            )
            await query.answer(views.offer_answered(state))
            await show(update, views.offer_answered(state))
            if state == "declined":
                await tell_offers(services, context.bot_data.get("sender"))
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


# ------------------------------------------------------------------------------ needs
async def ask_needs(update: Update, context: BotContext, event: EventRow) -> None:
    """After Going (or a place on the waitlist): the optional "What I need" buttons."""
    chosen, contact = await context.services.attendance.needs(event.id, update.effective_user.id)
    await context.bot.send_message(
        update.effective_chat.id,
        views.needs_text(event),
        reply_markup=views.needs_keyboard(event.id, chosen, contact),
    )


@requires(Role.RESIDENT)
async def resident_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    match b.unpack(query.data):
        case b.EvNeed(event=event_id, need=need):
            chosen, contact = await services.attendance.toggle_need(
                event_id, user_id, need, i18n.current_locale()
            )
            await query.answer(views.needs_saved())
            await show(
                update,
                update.effective_message.text_html,
                reply_markup=views.needs_keyboard(event_id, chosen, contact),
            )
        case b.EvNeedContact(event=event_id, ok=ok):
            chosen, contact = await services.attendance.set_contact(event_id, user_id, ok == "yes")
            await query.answer(views.needs_saved())
            await show(
                update,
                update.effective_message.text_html,
                reply_markup=views.needs_keyboard(event_id, chosen, contact),
            )
        case b.EvThere(event=event_id):
            await services.attendance.i_was_there(event_id, user_id)
            await query.answer(views.there_done())
            await show(update, views.there_done())
        case b.EvRate(event=event_id, stars=stars):
            await services.attendance.rate(event_id, user_id, int(stars))
            await query.answer(views.rated())
        case b.EvComment(event=event_id):
            await services.attendance.may_comment(event_id, user_id)
            await services.awaiting.ask(user_id, COMMENT_KIND, str(event_id))
            await query.answer()
            await context.bot.send_message(
                update.effective_chat.id, views.comment_prompt(COMMENT_MAX)
            )
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


@typed_answer(COMMENT_KIND)
async def typed_comment(update: Update, context: BotContext, question: Awaiting) -> bool:
    user_id = update.effective_user.id
    event_id = parse_int(question.about or "", max_digits=9)
    await context.services.awaiting.close(user_id, COMMENT_KIND)
    if event_id is None:
        return False
    await context.services.attendance.comment(
        event_id, user_id, update.effective_message.text or ""
    )
    await reply(update, views.comment_saved())
    return True


# ------------------------------------------------------------------------------ stewards
async def _attendance_page(update: Update, context: BotContext, event_id: int, offset: int):
    services = context.services
    actor = await current_actor(update, context)
    event, rows, total = await services.attendance.attendance_page(
        actor, event_id, offset, views.PAGE_SIZE
    )
    if offset and not rows:  # the list got shorter: back to its first page
        offset = 0
        event, rows, total = await services.attendance.attendance_page(
            actor, event_id, 0, views.PAGE_SIZE
        )
    return (
        views.attendance_text(event, _when(services), rows, total, offset),
        views.attendance_keyboard(event.id, rows, total, offset),
    )


@command("attendance")
async def attendance_command(update: Update, context: BotContext) -> None:
    event_id = _event_id(update)
    if event_id is None:
        await reply(update, views.attendance_usage())
        return
    text, keyboard = await _attendance_page(update, context, event_id, 0)
    await reply(update, text, reply_markup=keyboard)


@requires(Role.STEWARD)
async def steward_button(update: Update, context: BotContext) -> None:
    """Every press re-checks the role (``@requires``) and that the actor manages the event
    now (in the service), before anything changes."""
    query = update.callback_query
    services = context.services
    actor = await current_actor(update, context)
    match b.unpack(query.data):
        case b.EvAttend(event=event_id, user_id=user_id, offset=offset):
            await services.attendance.toggle_attendance(actor, event_id, user_id)
            note = None
        case b.EvAttendAll(event=event_id, offset=offset):
            note = views.marked_all(await services.attendance.mark_all_going(actor, event_id))
        case b.EvAttendPage(event=event_id, offset=offset):
            note = None
        case _:
            raise ButtonProblem(ButtonProblem.STALE)
    text, keyboard = await _attendance_page(update, context, event_id, offset)
    await query.answer(note)
    await show(update, text, reply_markup=keyboard)


@command("eventreport")
async def eventreport_command(update: Update, context: BotContext) -> None:
    event_id = _event_id(update)
    if event_id is None:
        await reply(update, views.report_usage())
        return
    services = context.services
    actor = await current_actor(update, context)
    names = {bld.id: bld.name for bld in await services.buildings.active()}
    report = await services.attendance.report(actor, event_id, names)
    await reply(update, views.report_text(report, _when(services), services.config.min_group))


# ------------------------------------------------------------------------------ the tick
async def run_due(services: Services, sender=None) -> dict[str, int]:
    """Lapse what lapsed (offering the place to the next), tell open offers, queue "I was
    there" and follow-ups, close follow-up windows; the database decides what is due."""
    work = await services.attendance.due_work()
    done = {"lapsed": 0, "told": 0, "there": 0, "followed": 0, "closed": 0}
    for offer_id in work["lapse"]:
        done["lapsed"] += await services.attendance.lapse(offer_id) is not None
    done["told"] = await tell_offers(services)
    for event_id in work["there"]:
        queued = await services.attendance.queue_there(
            event_id, _payload(services, views.there_notice)
        )
        done["there"] += queued
    for event_id in work["follow"]:
        done["followed"] += await services.attendance.queue_follow_ups(
            event_id, _payload(services, views.follow_up)
        )
    for event_id in work["close"]:
        done["closed"] += bool(await services.attendance.close_follow_ups(event_id))
    if any(done.values()) and sender is not None:
        sender.wake()
    return done


async def tick(context: BotContext) -> None:
    try:
        await run_due(context.services, context.bot_data.get("sender"))
    except Exception:  # the next tick tries again: every step is one transaction
        log.exception("The events-after tick failed; it runs again in a second")
