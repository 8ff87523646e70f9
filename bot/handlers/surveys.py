"""Surveys in waves: /survey list, open, close, results (stewards for their buildings,
organisers for all); residents' Start and answer buttons; the tick that sends each wave's one
reminder and closes waves at their time.

The rules are in ``services/surveys.py``; the texts in ``views/surveys.py``.
"""

from __future__ import annotations

import csv
import io
import logging

from telegram import InputFile, Update

from bot import clock, i18n
from bot.handlers.common import BotContext, command, current_actor, reply, requires, show
from bot.handlers.sender import Sender
from bot.numbers import parse_int
from bot.services import Services
from bot.services.announcements import Audience, parse_audience
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.services.surveys import DEFAULT_DAYS, SURVEYS, SurveyProblem
from bot.storage.surveys import WaveRow
from bot.views import buttons as b
from bot.views import surveys as views

log = logging.getLogger(__name__)

TICK_SECONDS = 30


def _when(services: Services):
    return lambda stamp: clock.local(stamp, services.config.timezone, i18n.current_locale())


async def _names(services: Services) -> dict[int, str]:
    return {bld.id: bld.name for bld in await services.buildings.active()}


def _wave_number(word: str) -> int | None:
    return parse_int(word.lstrip("#"), max_digits=9)


# ------------------------------------------------------------------------------ /survey
@command("survey")
async def survey_command(update: Update, context: BotContext) -> None:
    words = (update.effective_message.text or "").split()[1:]
    action = words[0].lower() if words else ""
    services = context.services
    actor = await current_actor(update, context)
    if action == "list":
        waves = await services.surveys.waves(actor)
        await reply(update, views.list_text(waves, _when(services)))
        return
    if action == "open" and len(words) >= 2:
        await _open(update, context, words[1].lower(), words[2:])
        return
    if action in ("close", "results") and len(words) == 2:
        number = _wave_number(words[1])
        if number is None:
            raise SurveyProblem(SurveyProblem.NOT_FOUND, words[1])
        if action == "close":
            wave = await services.surveys.close(actor, number)
            await reply(update, views.closed_text(wave))
        else:
            await _results(update, context, number)
        return
    await reply(update, views.usage_text())


async def _open(update: Update, context: BotContext, survey: str, rest: list[str]) -> None:
    services = context.services
    actor = await current_actor(update, context)
    days = DEFAULT_DAYS
    if rest and parse_int(rest[0], max_digits=3) is not None:
        days = parse_int(rest[0], max_digits=3)
        rest = rest[1:]
    if survey not in SURVEYS:
        raise SurveyProblem(SurveyProblem.UNKNOWN_SURVEY, survey)
    audience = parse_audience(" ".join(rest)) if rest else Audience()
    k = services.config.min_group
    zone = services.config.timezone

    def render(wave_id: int, locale: str, closes: str) -> dict:
        with i18n.use_locale(locale):
            text, keyboard = views.invitation(wave_id, clock.local(closes, zone, locale), k)
        return {"text": text, "keyboard": keyboard.to_dict()}

    wave, invited = await services.surveys.open(
        actor, survey, days, audience, render, update_id=update.update_id
    )
    sender: Sender | None = context.bot_data.get("sender")
    if sender is not None:
        sender.wake()
    group = wave.audience.get("buildings") is not None or any(
        wave.audience.get(f) for f in ("locales", "tenures", "roles", "events")
    )
    shown = services.surveys.shown_total(invited) if group else invited
    await reply(update, views.opened_text(wave, shown, k, _when(services)(wave.closes_at)))


async def _results(update: Update, context: BotContext, wave_id: int) -> None:
    services = context.services
    actor = await current_actor(update, context)
    results = await services.surveys.results(actor, wave_id)
    k = services.config.min_group
    await reply(update, views.results_text(results, await _names(services), k, _when(services)))
    rows = await services.surveys.csv_rows(actor, wave_id)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(out.getvalue().encode(), filename=f"wave-{wave_id}.csv"),
        caption=views.csv_caption(wave_id),
    )


# ------------------------------------------------------------------------------ residents
@requires(Role.RESIDENT)
async def survey_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    match b.unpack(query.data):
        case b.SurveyStart(wave=wave_id):
            wave, answers = await services.surveys.progress(wave_id, user_id)
            await query.answer()
            await _next(update, context, wave, answers)
        case b.SurveyAnswer(wave=wave_id, question=index, value=value):
            wave, answers, first = await services.surveys.answer(wave_id, user_id, index, value)
            await query.answer(views.saved_text())
            text, keyboard = views.question(wave, index, value, answered=True)
            await show(update, text, reply_markup=keyboard)
            if first:
                await _next(update, context, wave, answers)
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


async def _next(update: Update, context: BotContext, wave: WaveRow, answers: dict) -> None:
    """The next unanswered question, or the thanks when there is none."""
    index = context.services.surveys.next_question(wave, answers)
    chat = update.effective_chat.id
    if index is None:
        closes = _when(context.services)(wave.closes_at)
        await context.bot.send_message(chat, views.thanks_text(closes))
        return
    text, keyboard = views.question(wave, index)
    await context.bot.send_message(chat, text, reply_markup=keyboard)


# ------------------------------------------------------------------------------ the tick
async def run_due(services: Services, sender: Sender | None = None) -> tuple[int, int]:
    """Send due reminders (once per wave), then close waves whose time came. Returns
    (reminders queued, waves closed)."""
    zone = services.config.timezone

    def render(wave: WaveRow, locale: str) -> dict:
        with i18n.use_locale(locale):
            text, keyboard = views.reminder(wave.id, clock.local(wave.closes_at, zone, locale))
        return {"text": text, "keyboard": keyboard.to_dict()}

    reminded = await services.surveys.remind_due(render, services.users.locale_for)
    closed = await services.surveys.close_due()
    if reminded and sender is not None:
        sender.wake()
    return reminded, len(closed)


async def tick(context: BotContext) -> None:
    """The JobQueue job: the database says what is due."""
    try:
        await run_due(context.services, context.bot_data.get("sender"))
    except Exception:  # the next tick tries again: nothing was half-done
        log.exception("The surveys tick failed; it runs again shortly")
