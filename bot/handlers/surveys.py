"""Surveys in waves: /survey list, open, close, results (stewards for their buildings,
organisers for all); residents' Start and answer buttons; the tick that sends each wave's one
reminder and closes waves at their time.

The rules are in ``services/surveys.py``; the texts in ``views/surveys.py``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from telegram import InputFile, Update
from telegram.error import BadRequest

from bot import clock, i18n
from bot.handlers import typed
from bot.handlers.answers import REGISTRY, typed_answer
from bot.handlers.common import (
    BotContext,
    command,
    current_actor,
    localized,
    refuse_unless,
    reply,
    requires,
    show,
)
from bot.handlers.photos import reply_chart
from bot.handlers.sender import Sender
from bot.numbers import parse_int
from bot.services import Services
from bot.services.announcements import Audience, parse_audience
from bot.services.export import csv_text
from bot.services.problems import ButtonProblem
from bot.services.roles import Role
from bot.services.survey_definitions import MAX_FILE
from bot.services.surveys import DEFAULT_DAYS, SURVEYS, SurveyProblem
from bot.storage.awaiting import Awaiting
from bot.storage.surveys import WaveRow
from bot.views import buttons as b
from bot.views import surveys as views

log = logging.getLogger(__name__)

TICK_SECONDS = 30
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "surveys" / "example.yaml"
FLOW_LASTS = timedelta(hours=2)  # a guided /survey new step waits this long for its text


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
        surveys = await services.surveys.catalogue()
        await reply(update, views.list_text(waves, _when(services), surveys))
        return
    if action == "new" and len(words) == 1:
        draft_id = await services.surveys.start_draft(actor, i18n.current_locale())
        await services.awaiting.ask(actor.id, "survey.name", str(draft_id), lasts=FLOW_LASTS)
        await reply(update, views.flow_name_prompt())
        return
    if action == "example" and len(words) == 1:
        await context.bot.send_document(
            update.effective_chat.id,
            InputFile(EXAMPLE.read_bytes(), filename="survey-example.yaml"),
            caption=views.example_caption(),
        )
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
    definition = await services.surveys.definition(survey)
    if survey not in SURVEYS and definition is None:
        raise SurveyProblem(SurveyProblem.UNKNOWN_SURVEY, survey)
    audience = parse_audience(" ".join(rest)) if rest else Audience()
    k = services.config.min_group
    zone = services.config.timezone

    def render(wave_id: int, locale: str, closes: str) -> dict:
        with i18n.use_locale(locale):
            closing = clock.local(closes, zone, locale)
            text, keyboard = views.invitation(wave_id, closing, k, definition)
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
    await _chart(update, results, k)
    rows = await services.surveys.csv_rows(actor, wave_id)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(csv_text(rows).encode(), filename=f"wave-{wave_id}.csv"),
        caption=views.csv_caption(wave_id),
    )


async def _chart(update: Update, results, k: int) -> None:
    """The results as a photo (see handlers/photos.py)."""
    await reply_chart(
        update,
        lambda: views.results_chart(results, k),
        caption=views.chart_caption(results.wave.id),
        filename=f"wave-{results.wave.id}.png",
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
            await _stop_typing(context, user_id, wave_id, index)
            definition = await services.surveys.definition(wave.survey)
            text, keyboard = views.question(
                wave, index, value, answered=True, definition=definition
            )
            await show(update, text, reply_markup=keyboard)
            if first:
                await _next(update, context, wave, answers)
        case b.SurveyWrite(wave=wave_id, question=index):
            wave, _answers = await services.surveys.progress(wave_id, user_id)
            if services.surveys.kind(wave.survey, index) != "text":
                raise ButtonProblem(ButtonProblem.STALE)
            await query.answer()
            await _ask_text(context, user_id, wave, index)
            await context.bot.send_message(update.effective_chat.id, views.write_prompt())
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


async def _ask_text(context: BotContext, user_id: int, wave: WaveRow, index: int) -> None:
    """The person's next typed message answers this text question (until the wave closes)."""
    lasts = clock.from_db(wave.closes_at) - context.services.surveys.clock()
    about = f"{wave.id}:{index}"
    await context.services.awaiting.ask(user_id, "survey.text", about, lasts=lasts)


async def _stop_typing(context: BotContext, user_id: int, wave_id: int, index: int) -> None:
    question = await context.services.awaiting.open_question(user_id)
    here = f"{wave_id}:{index}"
    if question is not None and question.kind == "survey.text" and question.about == here:
        await context.services.awaiting.close(user_id, "survey.text")


async def _next(update: Update, context: BotContext, wave: WaveRow, answers: dict) -> None:
    """The next unanswered question, or the thanks when there is none."""
    services = context.services
    index = services.surveys.next_question(wave, answers)
    chat = update.effective_chat.id
    if index is None:
        closes = _when(services)(wave.closes_at)
        await context.bot.send_message(chat, views.thanks_text(closes))
        return
    definition = await services.surveys.definition(wave.survey)
    text, keyboard = views.question(wave, index, definition=definition)
    if services.surveys.kind(wave.survey, index) == "text":
        await _ask_text(context, update.effective_user.id, wave, index)
    await context.bot.send_message(chat, text, reply_markup=keyboard)


@typed_answer("survey.text")
async def typed_survey_text(update: Update, context: BotContext, question: Awaiting) -> bool:
    """A resident's typed answer to a text question (replaced if typed again until close)."""
    text = update.effective_message.text
    if text is None:
        return False
    wave_text, _, index_text = (question.about or "").partition(":")
    wave_id, index = parse_int(wave_text, max_digits=9), parse_int(index_text, max_digits=2)
    if wave_id is None or index is None:
        return False
    services = context.services
    user_id = update.effective_user.id
    wave, answers, first = await services.surveys.answer_text(wave_id, user_id, index, text)
    await services.awaiting.close(user_id, "survey.text")
    definition = await services.surveys.definition(wave.survey)
    shown, keyboard = views.question(
        wave, index, answers.get(services.surveys.keys(wave.survey)[index]), True, definition
    )
    await reply(update, shown, reply_markup=keyboard)
    if first:
        await _next(update, context, wave, answers)
    return True


# ------------------------------------------------------------------------------ your own surveys
@localized
async def survey_file(update: Update, context: BotContext) -> None:
    """A YAML or JSON file in private: a steward's or organiser's survey, checked, then its
    preview with Save. Anyone else's file, or one a question asked for (an announcement's
    attachment), goes where any other file goes."""
    services = context.services
    actor = await current_actor(update, context)
    question = await services.awaiting.open_question(actor.id)
    asked_elsewhere = question is not None and question.kind in REGISTRY
    if actor.role < Role.STEWARD or (asked_elsewhere and not question.kind.startswith("survey.")):
        await typed.private_text(update, context)
        return
    document = update.effective_message.document
    json_file = (document.file_name or "").lower().endswith(".json")
    if document.file_size and document.file_size > MAX_FILE:
        await reply(update, views.file_too_big_text(MAX_FILE // 1024))
        return
    try:
        file = await context.bot.get_file(document.file_id)
    except BadRequest as exc:  # file_size is optional: Telegram's own 20 MB limit says it
        if "too big" not in exc.message.lower():
            raise
        await reply(update, views.file_too_big_text(MAX_FILE // 1024))
        return
    data = bytes(await file.download_as_bytearray())
    definition, errors = await services.surveys.check_file(data, json_file=json_file)
    if errors:
        await reply(update, views.file_errors_text(errors))
        return
    draft_id = await services.surveys.stage(actor, definition)
    text, keyboard = views.preview(definition, draft_id)
    await reply(update, text, reply_markup=keyboard)


@requires(Role.STEWARD)
async def draft_button(update: Update, context: BotContext) -> None:
    """Save / Cancel on a preview, and the guided flow's buttons (the draft's owner only)."""
    query = update.callback_query
    services = context.services
    actor = await current_actor(update, context)
    match b.unpack(query.data):
        case b.SdSave(draft=draft_id):
            definition = await services.surveys.save(actor, draft_id)
            await query.answer()
            await show(update, views.defined_text(definition))
        case b.SdCancel(draft=draft_id):
            await services.surveys.cancel(actor, draft_id)
            await services.awaiting.close(actor.id)
            await query.answer()
            await show(update, views.cancelled_text())
        case b.SdKind(draft=draft_id, kind=kind):
            draft = await services.surveys.kind_draft(actor, draft_id, kind)
            await query.answer()
            await _flow_show(update, context, draft)
        case b.SdMore(draft=draft_id):
            draft = await services.surveys.more_draft(actor, draft_id, done=False)
            await query.answer()
            await _flow_show(update, context, draft)
        case b.SdDone(draft=draft_id):
            draft = await services.surveys.more_draft(actor, draft_id, done=True)
            await query.answer()
            await _flow_show(update, context, draft)
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


async def _flow_show(update: Update, context: BotContext, draft: dict) -> None:
    """Ask for what the draft's step needs: a typed text, the kind, more or done, the preview."""
    services = context.services
    user_id = update.effective_user.id
    draft_id, step, body = draft["id"], draft["step"], draft["body"]
    chat = update.effective_chat.id
    if step in ("question", "options"):
        await services.awaiting.ask(user_id, f"survey.{step}", str(draft_id), lasts=FLOW_LASTS)
        if step == "question":
            text = views.flow_question_prompt(len(body["questions"]) + 1)
        else:
            text = views.flow_options_prompt()
        await context.bot.send_message(chat, text)
        return
    await services.awaiting.close(user_id)
    if step == "kind":
        text, keyboard = views.flow_kind(draft_id, body["pending"][body["language"]])
    elif step == "more":
        text, keyboard = views.flow_more(draft_id, len(body["questions"]))
    else:
        text, keyboard = views.preview(services.surveys.drafted(draft), draft_id)
    await context.bot.send_message(chat, text, reply_markup=keyboard)


async def _flow_typed(update: Update, context: BotContext, question: Awaiting, step) -> bool:
    text = update.effective_message.text
    draft_id = parse_int(question.about or "", max_digits=9)
    if text is None or draft_id is None:
        return False
    if await refuse_unless(update, context, Role.STEWARD):
        await context.services.awaiting.close(update.effective_user.id)
        return True
    actor = await current_actor(update, context)
    draft = await step(context.services.surveys, actor, draft_id, text)
    await _flow_show(update, context, draft)
    return True


@typed_answer("survey.name")
async def typed_flow_name(update: Update, context: BotContext, question: Awaiting) -> bool:
    return await _flow_typed(update, context, question, type(context.services.surveys).name_draft)


@typed_answer("survey.question")
async def typed_flow_question(update: Update, context: BotContext, question: Awaiting) -> bool:
    step = type(context.services.surveys).question_draft
    return await _flow_typed(update, context, question, step)


@typed_answer("survey.options")
async def typed_flow_options(update: Update, context: BotContext, question: Awaiting) -> bool:
    step = type(context.services.surveys).options_draft
    return await _flow_typed(update, context, question, step)


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
