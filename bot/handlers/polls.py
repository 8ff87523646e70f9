"""Quick polls: /poll (in one line, or guided: the question, then the answers), the preview's
buttons (audience, languages, several answers, closing time, Send, Cancel), /polls,
/closepoll, /results (text bars, breakdowns, CSV), the tick that closes polls at their time,
and ``poll_answer`` updates (a resident's answer on their copy, changed, or withdrawn with
empty ``option_ids``) added up by ``services/polls.py``.

The rules are in ``services/polls.py``; the texts in ``views/polls.py``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InputFile, Update

from bot import clock, i18n
from bot.handlers import notify
from bot.handlers.announce import toggle_building, toggle_filter
from bot.handlers.answers import typed_answer
from bot.handlers.common import (
    BotContext,
    command,
    current_actor,
    localized,
    reply,
    requires,
    show,
)
from bot.handlers.photos import reply_chart
from bot.numbers import parse_int
from bot.services import Services
from bot.services.export import csv_text
from bot.services.polls import QUESTION_MAX, PollProblem
from bot.services.problems import ButtonProblem
from bot.services.roles import Actor, Role
from bot.storage.awaiting import Awaiting
from bot.storage.polls import PollRow
from bot.views import buttons as b
from bot.views import polls as views

log = logging.getLogger(__name__)

TICK_SECONDS = 30
STEP_LASTS = timedelta(hours=2)  # a guided step waits this long for its typed answer


# ------------------------------------------------------------------------------ helpers
def _args(update: Update) -> str:
    return (update.effective_message.text or "").partition(" ")[2].strip()


def _when(services: Services):
    return lambda stamp: clock.local(stamp, services.config.timezone, i18n.current_locale())


async def _names(services: Services) -> dict[int, str]:
    return {bld.id: bld.name for bld in await services.buildings.active()}


def _poll_number(word: str) -> int:
    number = parse_int(word.lstrip("#"), max_digits=9)
    if number is None:
        raise PollProblem(PollProblem.NOT_FOUND, word[:20])
    return number


def _wake(context: BotContext) -> None:
    sender = context.bot_data.get("sender")
    if sender is not None:
        sender.wake()


async def _card(update: Update, context: BotContext, poll: PollRow) -> None:
    services = context.services
    text, keyboard = views.card(
        poll,
        await services.polls.coverage(poll),
        await services.polls.texts(poll.id),
        await _names(services),
        min_group=services.config.min_group,
        when=_when(services),
    )
    await show(update, text, reply_markup=keyboard)


async def _picker(update: Update, context: BotContext, actor: Actor, poll: PollRow) -> None:
    buildings = [
        bld for bld in await context.services.buildings.active() if actor.looks_after(bld.id)
    ]
    text, keyboard = views.audience_picker(poll, buildings, actor.buildings is None)
    await show(update, text, reply_markup=keyboard)


async def send_results(
    update: Update, context: BotContext, actor: Actor, poll_id: int, by: str | None
) -> None:
    """The results as text bars, with the breakdown buttons under them (edited in place when
    a button asked); asked by /results, a chart follows as a photo."""
    services = context.services
    results = await services.polls.results(actor, poll_id, by)
    text = views.results_text(
        results, await _names(services), services.config.min_group, _when(services)
    )
    await show(update, text, reply_markup=views.results_keyboard(results.poll, by))
    if update.callback_query is None and by is None and results.answered:
        await reply_chart(
            update,
            lambda: views.results_chart(results),
            caption=views.chart_caption(results.poll.id),
            filename=f"poll-{results.poll.id}.png",
        )


async def send_csv(update: Update, context: BotContext, actor: Actor, poll_id: int) -> None:
    services = context.services
    rows = await services.polls.csv_rows(actor, poll_id)
    table = views.csv_table(rows, await _names(services), services.config.min_group)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(csv_text(table).encode(), filename=f"poll-{poll_id}.csv"),
        caption=views.csv_caption(poll_id),
    )


# ------------------------------------------------------------------------------ commands
@command("poll")
async def poll_command(update: Update, context: BotContext) -> None:
    actor = await current_actor(update, context)
    args = _args(update)
    if not args:
        await context.services.awaiting.ask(actor.id, "poll.question", lasts=STEP_LASTS)
        await reply(update, views.question_prompt())
        return
    poll = await context.services.polls.draft(actor, args, i18n.current_locale())
    await _card(update, context, poll)


@command("polls")
async def polls_command(update: Update, context: BotContext) -> None:
    actor = await current_actor(update, context)
    polls = await context.services.polls.mine(actor)
    await reply(update, views.list_text(polls, _when(context.services)))


@command("closepoll")
async def closepoll_command(update: Update, context: BotContext) -> None:
    words = _args(update).split()
    if len(words) != 1:
        await reply(update, views.closepoll_usage())
        return
    actor = await current_actor(update, context)
    poll = await context.services.polls.close(actor, _poll_number(words[0]))
    _wake(context)
    await reply(update, views.closed_text(poll.id))


@command("results")
async def results_command(update: Update, context: BotContext) -> None:
    words = _args(update).split()
    if not 1 <= len(words) <= 2:
        await reply(update, views.results_usage())
        return
    actor = await current_actor(update, context)
    poll_id = _poll_number(words[0])
    by = words[1].lower() if len(words) == 2 else None
    if by == "csv":
        await send_csv(update, context, actor, poll_id)
        return
    await send_results(update, context, actor, poll_id, by)


# ------------------------------------------------------------------------------ typed steps
async def _steward(update: Update, context: BotContext) -> Actor | None:
    """The typer, if they may still write polls (their role is checked now)."""
    actor = await current_actor(update, context)
    if actor.role < Role.STEWARD:
        await context.services.awaiting.close(actor.id)
        return None
    return actor


@typed_answer("poll.question")
async def typed_question(update: Update, context: BotContext, question: Awaiting) -> bool:
    actor = await _steward(update, context)
    if actor is None:
        return False
    text = " ".join((update.effective_message.text or "").split())
    if not text:
        return False
    if len(text) > QUESTION_MAX:
        raise PollProblem(PollProblem.TOO_LONG)
    await context.services.awaiting.ask(actor.id, "poll.options", text, lasts=STEP_LASTS)
    await reply(update, views.options_prompt(text))
    return True


@typed_answer("poll.options")
async def typed_options(update: Update, context: BotContext, question: Awaiting) -> bool:
    actor = await _steward(update, context)
    if actor is None:
        return False
    services = context.services
    poll = await services.polls.create(
        actor,
        question.about or "",
        update.effective_message.text or "",
        i18n.current_locale(),
    )
    await services.awaiting.close(actor.id)
    await _card(update, context, poll)
    return True


@typed_answer("poll.text")
async def typed_text(update: Update, context: BotContext, question: Awaiting) -> bool:
    """The question and answers in one more language."""
    actor = await _steward(update, context)
    if actor is None:
        return False
    poll_id, _sep, locale = (question.about or "").partition(":")
    services = context.services
    poll = await services.polls.set_text(
        actor, int(poll_id), locale, update.effective_message.text or ""
    )
    await services.awaiting.close(actor.id)
    await _card(update, context, poll)
    return True


# ------------------------------------------------------------------------------ buttons
@requires(Role.STEWARD)
async def poll_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    services = context.services
    polls = services.polls
    pressed = b.unpack(query.data)
    poll = await polls.get(actor, pressed.poll)
    match pressed:
        case b.PollCard():
            await services.awaiting.close(actor.id)
            await query.answer()
            await _card(update, context, poll)
        case b.PollSend():
            poll = await polls.send(actor, poll.id, update.update_id)
            _wake(context)
            await query.answer()
            shown = polls.shown(poll, poll.recipients or 0)
            await show(update, views.sent_text(poll, shown, services.config.min_group))
        case b.PollCancel():
            await polls.cancel(actor, poll.id)
            await services.awaiting.close(actor.id)
            await query.answer()
            await show(update, views.cancelled_text(poll.id))
        case b.PollAudience():
            _check_draft(poll)
            await query.answer()
            await _picker(update, context, actor, poll)
        case b.PollBuilding(building_id=building_id):
            audience = toggle_building(poll.audience, actor, building_id)
            poll = await polls.set_audience(actor, poll.id, audience)
            await query.answer()
            await _picker(update, context, actor, poll)
        case b.PollFilter(kind=kind, value=value):
            poll = await polls.set_audience(
                actor, poll.id, toggle_filter(poll.audience, kind, value)
            )
            await query.answer()
            await _picker(update, context, actor, poll)
        case b.PollMulti():
            poll = await polls.toggle_multi(actor, poll.id)
            await query.answer()
            await _card(update, context, poll)
        case b.PollCloses():
            poll = await polls.next_close(actor, poll.id)
            await query.answer()
            await _card(update, context, poll)
        case b.PollLanguages():
            _check_draft(poll)
            await query.answer()
            text, keyboard = views.languages_picker(poll, set(await polls.texts(poll.id)))
            await show(update, text, reply_markup=keyboard)
        case b.PollWrite(locale=locale):
            _check_draft(poll)
            if locale == poll.source_locale:
                raise PollProblem(PollProblem.SAME_LANGUAGE)
            await services.awaiting.ask(
                actor.id, "poll.text", f"{poll.id}:{locale}", lasts=STEP_LASTS
            )
            await query.answer()
            await show(
                update, views.write_prompt(poll, locale), reply_markup=views.back_keyboard(poll.id)
            )
        case b.PollResults(by=by):  # answered after: a refusal is the press's answer
            await send_results(update, context, actor, poll.id, None if by == "all" else by)
            await query.answer()
        case b.PollCsv():
            await send_csv(update, context, actor, poll.id)
            await query.answer()
        case b.PollStop():
            await polls.close(actor, poll.id)
            _wake(context)
            await query.answer()
            await send_results(update, context, actor, poll.id, None)
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


def _check_draft(poll: PollRow) -> None:
    if poll.state != "draft":
        raise PollProblem(PollProblem.CHANGED, poll.state)


# ------------------------------------------------------------------------------ residents' answers
@localized(needs_user=False)
async def poll_answer(update: Update, context: BotContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:  # an anonymous vote (a chat's): not ours
        return
    await context.services.polls.answer(answer.poll_id, answer.user.id, list(answer.option_ids))


# ------------------------------------------------------------------------------ the tick
async def run_due(services: Services, sender=None) -> list[int]:
    """Close the polls whose time came (the database says which); their authors hear it."""
    closed = await services.polls.close_due()
    for poll_id in closed:
        poll = await services.polls.repo.get(poll_id)
        if poll is not None and poll.author_id is not None:
            await notify.queue(
                services,
                [poll.author_id],
                lambda i=poll_id: views.closed_notice(i),
                reason="poll.closed",
                sender=sender,
            )
    if closed and sender is not None:
        sender.wake()
    return closed


async def tick(context: BotContext) -> None:
    """The JobQueue job, every half minute."""
    try:
        await run_due(context.services, context.bot_data.get("sender"))
    except Exception:  # the next tick tries again: a close is one transaction
        log.exception("The polls tick failed; it runs again shortly")
