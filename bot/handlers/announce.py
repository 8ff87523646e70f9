"""Announcements: /announce (guided, or in one line), the draft card's buttons, sending through
the delivery engine with a live progress message, approval by a second person, quiet hours,
/report, /announcements, /editannounce, translators (/translate, /translator), and what
residents press on an announcement ("Got it", a question relayed to their stewards).

The rules are in ``services/announcements.py``; the texts in ``views/announce.py``.
"""

from __future__ import annotations

import logging
import time as monotonic
from dataclasses import replace
from datetime import datetime, time, timedelta

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from bot import clock, i18n
from bot.handlers import notify
from bot.handlers.answers import typed_answer
from bot.handlers.common import (
    BotContext,
    command,
    current_actor,
    reply,
    requires,
    show,
)
from bot.i18n import _
from bot.numbers import parse_int
from bot.services import Services
from bot.services.announcements import (
    AnnouncementProblem,
    Audience,
    Planned,
    parse_audience,
    quiet_window,
)
from bot.services.problems import ButtonProblem
from bot.services.roles import Actor, Role
from bot.storage.announcements import AnnouncementRow
from bot.storage.awaiting import Awaiting
from bot.views import announce as views
from bot.views import buttons as b

log = logging.getLogger(__name__)

PROGRESS_EVERY = 3.0  # seconds between edits of an author's progress message
QUESTION_OPEN = timedelta(days=2)
SCHEDULE_CHECK_SECONDS = 30


# ------------------------------------------------------------------------------ helpers
def _args(update: Update) -> str:
    text = update.effective_message.text or ""
    return text.partition(" ")[2].strip()


def _about(question: Awaiting) -> tuple[int, str | None]:
    ann, _sep, locale = (question.about or "").partition(":")
    return int(ann), (locale or None)


async def _names(services: Services) -> dict[int, str]:
    return {bld.id: bld.name for bld in await services.buildings.active()}


def _when(services: Services):
    return lambda stamp: clock.local(stamp, services.config.timezone, i18n.current_locale())


async def _card(update: Update, context: BotContext, ann: AnnouncementRow) -> None:
    services = context.services
    coverage = await services.announcements.coverage(ann)
    texts = await services.announcements.texts(ann.id)
    rules = services.announcements
    ends = quiet_window(rules.clock(), rules.quiet_hours, rules.timezone)
    quiet = (
        clock.local(ends, services.config.timezone, i18n.current_locale(), "short")
        if ends
        else None
    )
    text, keyboard = views.card(
        ann,
        coverage,
        texts,
        await _names(services),
        min_group=services.config.min_group,
        threshold=rules.approval_threshold,
        quiet=quiet,
        when=_when(services),
    )
    await show(update, text, reply_markup=keyboard)


async def _picker(update: Update, context: BotContext, actor: Actor, ann: AnnouncementRow) -> None:
    buildings = [
        bld for bld in await context.services.buildings.active() if actor.looks_after(bld.id)
    ]
    text, keyboard = views.audience_picker(ann, buildings, actor.buildings is None)
    await show(update, text, reply_markup=keyboard)


def render_payload(
    ann: AnnouncementRow, body: str, building: str, locale: str, variant: str | None
) -> dict:
    """What one resident gets: the header in *their* language, the variant's text split to
    Telegram's limits, the reply buttons on the last part, the attachment first."""
    with i18n.use_locale(locale):
        parts, caption = views.resident_parts(
            ann.id, building, body, attachment=ann.attachment is not None
        )
        keyboard = views.resident_keyboard(ann.id).to_dict()
    return {
        "parts": [
            {"text": t, "keyboard": keyboard if i == len(parts) - 1 else None}
            for i, t in enumerate(parts)
        ],
        "attachment": {**ann.attachment, "caption": caption} if ann.attachment else None,
        "variant": variant,
    }


def _payload_renderer(ann: AnnouncementRow, texts: dict, names: dict):
    """``render(planned)``, once per (language, variant, building)."""
    cache: dict[tuple, dict] = {}

    def render(p: Planned) -> dict:
        key = (p.locale, p.variant, p.person.building_id)
        if key not in cache:
            cache[key] = render_payload(
                ann,
                texts[p.variant].body,
                names.get(p.person.building_id, ""),
                p.locale,
                p.variant,
            )
        return cache[key]

    return render


async def launch(
    services: Services,
    bot_data: dict,
    ann: AnnouncementRow,
    *,
    by: int | None,
    update_id: int | None,
) -> int:
    """Queue the announcement for every resident of its audience; returns how many get it."""
    texts = {k: v for k, v in (await services.announcements.texts(ann.id)).items() if v.approved}
    render = _payload_renderer(ann, texts, await _names(services))
    _job, sending = await services.announcements.launch(ann, render, by=by, update_id=update_id)
    sender = bot_data.get("sender")
    if sender is not None:
        sender.wake()
    return sending


async def _start_sending(
    update: Update, context: BotContext, ann: AnnouncementRow, actor: Actor
) -> int:
    """Launch now, and send the author the live progress message; returns how many get it."""
    services = context.services
    sending = await launch(services, context.bot_data, ann, by=actor.id, update_id=update.update_id)
    ann = await services.announcements.reload(ann.id)
    counts, state = await services.announcements.progress(ann)
    shown = services.announcements.shown(ann, sending)
    k = services.config.min_group
    text = (
        views.going_text(ann.id, shown, k)
        + "\n\n"
        + views.progress_text(ann.id, counts, state, services.config.send_rate, small=shown is None)
    )
    left = counts.get("queued", 0) + counts.get("sending", 0)
    message = await context.bot.send_message(
        update.effective_chat.id, text, reply_markup=views.progress_keyboard(ann.id, state, left)
    )
    await services.announcements.set_status_message(ann.id, message.chat_id, message.message_id)
    # the send may have ended before the message existed: show where it is now
    await refresh_progress(context.application, await services.announcements.reload(ann.id))
    return sending


async def _decided(update: Update, context: BotContext, actor: Actor, decision) -> None:
    """Act on what pressing Send (or Approve) decided."""
    ann = decision.announcement
    services = context.services
    if decision.outcome == "go":
        sending = await _start_sending(update, context, ann, actor)
        others = {ann.author_id, ann.approved_by} - {actor.id, None}
        if others:
            await notify.queue(
                services,
                sorted(others),
                lambda: views.going_text(
                    ann.id, services.announcements.shown(ann, sending), services.config.min_group
                ),
                reason="announcement.going",
                sender=context.bot_data.get("sender"),
            )
        return
    if decision.outcome == "approval":
        author = update.effective_user.full_name
        texts = await services.announcements.texts(ann.id)
        coverage = await services.announcements.coverage(ann)
        names = await _names(services)
        await notify.queue(
            services,
            decision.approvers,
            lambda: views.approval_request(
                ann,
                author,
                texts[ann.source_locale].body,
                views.audience_text(ann.audience, names),
                coverage.shown_total,
                services.config.min_group,
            ),
            reason="announcement.approval",
            about=actor.id,
            sender=context.bot_data.get("sender"),
        )
        await show(
            update, views.approval_asked_text(ann.id, services.announcements.approval_threshold)
        )
        return
    at = clock.local(decision.send_at, services.config.timezone, i18n.current_locale(), "short")
    await show(
        update,
        views.scheduled_text(ann.id, at, quiet=decision.quiet),
        reply_markup=views.cancel_only_keyboard(ann.id),
    )


# ------------------------------------------------------------------------------ commands
@command("announce")
async def announce_command(update: Update, context: BotContext) -> None:
    actor = await current_actor(update, context)
    services = context.services
    args = _args(update)
    locale = i18n.current_locale()
    if not args:
        default = Audience(None if actor.buildings is None else tuple(sorted(actor.buildings)))
        ann = await services.announcements.create(actor, update.update_id, default, None, locale)
        await _picker(update, context, actor, ann)
        return
    audience_words, sep, body = args.partition("|")
    if not sep:
        await reply(update, views.usage_text())
        return
    audience = parse_audience(audience_words)
    ann = await services.announcements.create(actor, update.update_id, audience, body, locale)
    await _card(update, context, ann)


@command("announcements")
async def announcements_command(update: Update, context: BotContext) -> None:
    actor = await current_actor(update, context)
    anns = await context.services.announcements.recent(actor)
    await reply(
        update, views.list_text(anns, await _names(context.services), _when(context.services))
    )


@command("report")
async def report_command(update: Update, context: BotContext) -> None:
    number = _number(update)
    if number is None:
        await reply(update, views.report_usage())
        return
    actor = await current_actor(update, context)
    report = await context.services.announcements.report(actor, number)
    await reply(
        update,
        views.report_text(
            report,
            await _names(context.services),
            context.services.config.min_group,
            _when(context.services),
        ),
    )


@command("editannounce")
async def editannounce_command(update: Update, context: BotContext) -> None:
    number = _number(update)
    if number is None:
        await reply(update, views.editannounce_usage())
        return
    actor = await current_actor(update, context)
    ann = await context.services.announcements.get(actor, number)
    if ann.job_id is None:
        raise AnnouncementProblem(AnnouncementProblem.NOT_SENT, str(ann.id))
    texts = await context.services.announcements.texts(ann.id)
    text, keyboard = views.edit_choice(
        ann.id, sorted(loc for loc, v in texts.items() if v.approved)
    )
    await reply(update, text, reply_markup=keyboard)


def _number(update: Update) -> int | None:
    words = _args(update).split()
    return parse_int(words[0].lstrip("#"), max_digits=9) if words else None


@command("translate")
async def translate_command(update: Update, context: BotContext) -> None:
    wanted = await context.services.announcements.translations_wanted(update.effective_user.id)
    text, keyboard = views.translate_list(wanted)
    await reply(update, text, reply_markup=keyboard)


@command("translator")
async def translator_command(update: Update, context: BotContext) -> None:
    actor = await current_actor(update, context)
    services = context.services
    words = _args(update).split()
    if not words:
        rows = []
        names = await _names(services)
        for user_id, building_id in await services.announcements.translators():
            account = await services.users.repo.get(user_id)
            name = f"@{account.username}" if account and account.username else str(user_id)
            rows.append((name, names.get(building_id) if building_id else None))
        await reply(update, views.translators_text(rows))
        return
    remove = words[0].lower() == "remove"
    if remove:
        words = words[1:]
    user_id = await services.users.find(words[0]) if words else None
    if user_id is None:
        await reply(update, views.translator_usage())
        return
    if remove:
        await services.announcements.revoke_translator(actor, user_id)
        await reply(update, views.translator_done(False))
        return
    building_id = None
    if len(words) > 1:
        building_id = (await services.buildings.resolve(" ".join(words[1:]))).id
    await services.announcements.grant_translator(actor, user_id, building_id)
    await reply(update, views.translator_done(True))


# ------------------------------------------------------------------------------ the draft's buttons
@requires(Role.STEWARD)
async def announce_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    services = context.services
    anns = services.announcements
    pressed = b.unpack(query.data)
    ann = await anns.get(actor, pressed.ann)
    match pressed:
        case b.AnnCard():
            await services.awaiting.close(actor.id)
            await query.answer()
            await _card(update, context, ann)
        case b.AnnAudience():
            await query.answer()
            await _picker(update, context, actor, ann)
        case b.AnnBuilding(building_id=building_id):
            audience = toggle_building(ann.audience, actor, building_id)
            await anns.set_audience(actor, ann.id, audience)
            await query.answer()
            await _picker(update, context, actor, await anns.get(actor, ann.id))
        case b.AnnFilter(kind=kind, value=value):
            await anns.set_audience(actor, ann.id, toggle_filter(ann.audience, kind, value))
            await query.answer()
            await _picker(update, context, actor, await anns.get(actor, ann.id))
        case b.AnnAudienceDone():
            await query.answer()
            texts = await anns.texts(ann.id)
            if ann.source_locale in texts:
                await _card(update, context, ann)
            else:
                await _ask_text(update, context, ann, ann.source_locale)
        case b.AnnWrite(locale=locale):
            await query.answer()
            await _ask_text(update, context, ann, locale)
        case b.AnnPreview(locale=locale):
            await query.answer()
            await _preview(update, context, ann, locale)
        case b.AnnFallback():
            ann = await anns.set_options(actor, ann.id, fallback=not ann.fallback)
            await query.answer()
            await _card(update, context, ann)
        case b.AnnUrgent():
            ann = await anns.set_options(actor, ann.id, urgent=not ann.urgent)
            await query.answer()
            await _card(update, context, ann)
        case b.AnnAskTranslators():
            asked = await _ask_translators(context, ann)
            await query.answer(
                views.translators_asked_text(asked) if asked else views.no_translators_text(),
                show_alert=True,
            )
        case b.AnnApproveText(locale=locale):
            await anns.approve_text(actor, ann.id, locale)
            await query.answer(_("Saved"))
            await _card(update, context, await anns.get(actor, ann.id))
        case b.AnnDropText(locale=locale):
            await anns.drop_text(actor, ann.id, locale)
            await query.answer(_("Saved"))
            await _card(update, context, await anns.get(actor, ann.id))
        case b.AnnSend():
            decision = await anns.request_send(actor, ann.id)
            await query.answer()
            await _decided(update, context, actor, decision)
        case b.AnnSchedule():
            await query.answer()
            text, keyboard = views.schedule_choice(ann.id)
            await show(update, text, reply_markup=keyboard)
        case b.AnnWhen(preset=preset):
            decision = await anns.schedule(actor, ann.id, _preset_time(context, preset))
            await query.answer()
            await _decided(update, context, actor, decision)
        case b.AnnWhenTyped():
            await services.awaiting.ask(actor.id, "announce.when", str(ann.id))
            await query.answer()
            await show(update, views.when_prompt(), reply_markup=views.cancel_keyboard(ann.id))
        case b.AnnApproveSend():
            decision = await anns.approve(actor, ann.id)
            await query.answer()
            await _decided(update, context, actor, decision)
        case b.AnnControl(action=action):
            ann = await anns.control(actor, ann.id, action)
            await query.answer(_("Saved"))
            if ann.job_id is None:
                await show(update, views.cancelled_text(ann.id))
            else:
                await refresh_progress(context.application, ann, force=True)
        case b.AnnEdit(locale=locale):
            await services.awaiting.ask(actor.id, "announce.edit", f"{ann.id}:{locale}")
            await query.answer()
            await show(update, views.edit_prompt(ann.id, locale))
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


def toggle_building(audience: dict, actor: Actor, building_id: int) -> Audience:
    """The audience with a building picked or unpicked (0: every building; a steward who
    unpicks their last building gets all of theirs again)."""
    aud = Audience.from_dict(audience)
    if building_id == 0:
        return replace(aud, buildings=None)
    chosen = set(aud.buildings or ())
    chosen ^= {building_id}
    if not chosen and actor.buildings is not None:
        chosen = set(actor.buildings)
    if not chosen:
        return replace(aud, buildings=None)
    return replace(aud, buildings=tuple(sorted(chosen)))


def toggle_filter(audience: dict, kind: str, value: str) -> Audience:
    """The audience with a filter value (a language, tenure, kind of unit, role) toggled."""
    aud = Audience.from_dict(audience)
    current = {
        "lang": aud.locales,
        "tenure": aud.tenures,
        "afford": aud.affordabilities,
        "role": aud.roles,
    }[kind]
    allowed = {
        "lang": b.LOCALE,
        "tenure": tuple(views.TENURE_LABELS),
        "afford": tuple(views.AFFORDABILITY_LABELS),
        "role": tuple(views.ROLE_LABELS),
    }
    if value not in allowed[kind]:
        raise ButtonProblem(ButtonProblem.STALE)
    picked = tuple(v for v in current if v != value) if value in current else (*current, value)
    field = {
        "lang": "locales",
        "tenure": "tenures",
        "afford": "affordabilities",
        "role": "roles",
    }[kind]
    return replace(aud, **{field: picked})


def _preset_time(context: BotContext, preset: str) -> str:
    """A preset as the typed form: "in 1 h / 3 h" counted in real time (right across a
    clock change), "tomorrow 9:00" in the community's time zone."""
    rules = context.services.announcements
    now = rules.clock()
    if preset == "9am":
        local = now.astimezone(rules.timezone)
        moment = datetime.combine(local.date() + timedelta(days=1), time(9, 0))
    else:
        later = now + timedelta(hours=int(preset[:-1]), minutes=1)
        moment = later.astimezone(rules.timezone)
    return moment.strftime("%Y-%m-%d %H:%M")


async def _ask_text(update: Update, context: BotContext, ann: AnnouncementRow, locale: str):
    await context.services.awaiting.ask(
        update.effective_user.id, "announce.text", f"{ann.id}:{locale}"
    )
    await show(
        update, views.write_prompt(ann.id, locale), reply_markup=views.cancel_keyboard(ann.id)
    )


async def _preview(update: Update, context: BotContext, ann: AnnouncementRow, locale: str) -> None:
    """The messages exactly as a resident reading ``locale`` would get them."""
    texts = await context.services.announcements.texts(ann.id)
    if locale not in texts:
        raise ButtonProblem(ButtonProblem.STALE)
    names = await _names(context.services)
    targets = ann.audience.get("buildings") or list(names)[:1]
    with i18n.use_locale(locale):
        parts, _caption = views.resident_parts(
            ann.id,
            names.get(targets[0], "") if targets else "",
            texts[locale].body,
            attachment=False,
        )
        keyboard = views.resident_keyboard(ann.id)
    for i, part in enumerate(parts):
        await context.bot.send_message(
            update.effective_chat.id, part, reply_markup=keyboard if i == len(parts) - 1 else None
        )


async def _ask_translators(context: BotContext, ann: AnnouncementRow) -> int:
    services = context.services
    coverage = await services.announcements.coverage(ann)
    missing = [loc for loc, s in coverage.status.items() if s == "missing"]
    people = [p for p in await services.announcements.translators_for(ann) if p != ann.author_id]
    if people and missing:
        await notify.queue(
            services,
            people,
            lambda: views.translation_request(ann.id, missing),
            reason="announcement.translate",
            sender=context.bot_data.get("sender"),
        )
    return len(people) if missing else 0


# ------------------------------------------------------------------------------ typed answers
@typed_answer("announce.text")
async def typed_text(update: Update, context: BotContext, question: Awaiting) -> bool:
    ann_id, locale = _about(question)
    actor = await current_actor(update, context)
    message = update.effective_message
    attachment = None
    if message.photo:
        attachment = {"kind": "photo", "file_id": message.photo[-1].file_id}
    elif message.document:
        attachment = {"kind": "document", "file_id": message.document.file_id}
    body = message.text or message.caption or ""
    ann = await context.services.announcements.set_text(
        actor, ann_id, locale or i18n.current_locale(), body, attachment
    )
    await context.services.awaiting.close(actor.id)
    await _card(update, context, ann)
    return True


@typed_answer("announce.when")
async def typed_when(update: Update, context: BotContext, question: Awaiting) -> bool:
    ann_id, _locale = _about(question)
    actor = await current_actor(update, context)
    decision = await context.services.announcements.schedule(
        actor, ann_id, update.effective_message.text or ""
    )
    await context.services.awaiting.close(actor.id)
    await _decided(update, context, actor, decision)
    return True


@typed_answer("announce.edit")
async def typed_edit(update: Update, context: BotContext, question: Awaiting) -> bool:
    """A correction: copies already delivered are edited in place (through the engine),
    copies still waiting get the new text; nothing is saved if it cannot be done."""
    ann_id, locale = _about(question)
    actor = await current_actor(update, context)
    services = context.services
    ann, text, copies = await services.announcements.edit_plan(
        actor, ann_id, locale, update.effective_message.text or ""
    )
    names = await _names(services)
    edits, queued = [], []
    for copy in copies:
        building = names.get(copy["building_id"], "")
        reader = copy["locale"] or locale
        if copy["state"] == "queued":
            queued.append((copy["id"], render_payload(ann, text, building, reader, locale)))
            continue
        edits.append((copy, _edit_payload(ann, copy, text, building, reader)))
    await services.awaiting.close(actor.id)
    rewritten = await services.announcements.edit_commit(actor, ann, locale, text, queued)
    if edits:
        await notify.queue_payloads(
            services,
            [(c["chat_id"], c["user_id"], payload) for c, payload in edits],
            kind="announcement.edit",
            reason=f"announcement:{ann.id}",
            update_id=update.update_id,
            sender=context.bot_data.get("sender"),
        )
    await reply(update, views.edit_queued_text(ann.id, len(edits) + rewritten))
    return True


def _edit_payload(ann: AnnouncementRow, copy: dict, text: str, building: str, reader: str):
    """The edits of one delivered copy: each of its messages gets its new part (the same
    number of parts at most: a longer text is refused before anything is saved)."""
    with i18n.use_locale(reader):
        parts, _caption = views.resident_parts(ann.id, building, text, attachment=False)
        keyboard = views.resident_keyboard(ann.id).to_dict()
        mark = views.edited_mark()
    ids = [i for i in copy["message_ids"] if i is not None]
    if ann.attachment:
        ids = ids[1:]
    if len(parts) > len(ids):
        raise AnnouncementProblem(AnnouncementProblem.EDIT_TOO_LONG)
    parts = [f"{p}\n\n<i>{mark}</i>" for p in parts]
    parts += ["…"] * (len(ids) - len(parts))
    return {
        "op": "edit",
        "edits": [
            {"message_id": mid, "text": t, "keyboard": keyboard if i == len(ids) - 1 else None}
            for i, (mid, t) in enumerate(zip(ids, parts, strict=True))
        ],
    }


@typed_answer("announce.translate")
async def typed_translation(update: Update, context: BotContext, question: Awaiting) -> bool:
    ann_id, locale = _about(question)
    services = context.services
    user_id = update.effective_user.id
    text = update.effective_message.text or ""
    ann = await services.announcements.translate(user_id, ann_id, locale, text)
    await services.awaiting.close(user_id)
    if ann.author_id is not None:
        stored = (await services.announcements.texts(ann.id))[locale].body
        await notify.queue(
            services,
            [ann.author_id],
            lambda: views.translation_notice(ann.id, locale, stored),
            reason="announcement.translation",
            about=user_id,
            sender=context.bot_data.get("sender"),
        )
    await reply(update, views.translation_sent_text())
    return True


@typed_answer("announce.question")
async def typed_question(update: Update, context: BotContext, question: Awaiting) -> bool:
    ann_id, _locale = _about(question)
    services = context.services
    user_id = update.effective_user.id
    resident = await services.profile.get(user_id)
    if resident is None or resident.status != "approved":
        await services.awaiting.close(user_id)
        return False
    text = (update.effective_message.text or "").strip()[:2000]
    if not text:
        return False
    question_id = await services.announcements.ask(ann_id, user_id, resident.building_id)
    await services.awaiting.close(user_id)
    stewards = await services.roles.who_looks_after(resident.building_id)
    await notify.queue(
        services,
        stewards,
        lambda: views.question_notice(
            ann_id, resident.display_name, resident.building_name, resident.unit, text, question_id
        ),
        reason="announcement.question",
        about=user_id,
        sender=context.bot_data.get("sender"),
    )
    await reply(update, views.question_sent_text())
    return True


@typed_answer("announce.answer")
async def typed_answer_to_question(update: Update, context: BotContext, question: Awaiting) -> bool:
    services = context.services
    found = await services.announcements.question(int(question.about or 0))
    actor = await current_actor(update, context)
    await services.awaiting.close(actor.id)
    if found is None:
        raise ButtonProblem(ButtonProblem.STALE)
    ann_id, resident_id, building_id = found
    if actor.role < Role.STEWARD or (
        building_id is not None and not actor.looks_after(building_id)
    ):
        raise ButtonProblem(ButtonProblem.STALE)
    text = (update.effective_message.text or "").strip()[:3000]
    await notify.queue(
        services,
        [resident_id],
        lambda: views.answer_notice(ann_id, text),
        reason="announcement.answer",
        sender=context.bot_data.get("sender"),
    )
    await reply(update, views.answer_sent_text())
    return True


# ------------------------------------------------------------------------------ residents' buttons
@requires(Role.RESIDENT, {b.AnnAnswer: Role.STEWARD})
async def reply_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    match b.unpack(query.data):
        case b.AnnGotIt(ann=ann_id):
            await services.announcements.reply(ann_id, user_id, "got_it")
            await query.answer(views.thanks_text())
        case b.AnnQuestion(ann=ann_id):
            resident = await services.profile.get(user_id)
            if resident is None or resident.status != "approved":
                raise ButtonProblem(ButtonProblem.STALE)
            await services.announcements.reply(ann_id, user_id, "question")
            await services.awaiting.ask(
                user_id, "announce.question", str(ann_id), lasts=QUESTION_OPEN
            )
            await query.answer()
            await context.bot.send_message(
                update.effective_chat.id, views.question_prompt(resident.building_name)
            )
        case b.AnnAnswer(question=question_id):
            actor = await current_actor(update, context)
            found = await services.announcements.question(question_id)
            if found is None or actor.role < Role.STEWARD:
                raise ButtonProblem(ButtonProblem.STALE)
            if found[2] is not None and not actor.looks_after(found[2]):
                raise ButtonProblem(ButtonProblem.STALE)
            await services.awaiting.ask(actor.id, "announce.answer", str(question_id))
            await query.answer()
            await context.bot.send_message(update.effective_chat.id, views.answer_prompt())
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


@requires(Role.RESIDENT)
async def translate_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    user_id = update.effective_user.id
    match b.unpack(query.data):
        case b.TranslatePick(ann=ann_id, locale=locale):
            wanted = dict(
                (ann.id, (ann, missing))
                for ann, missing in await services.announcements.translations_wanted(user_id)
            )
            if ann_id not in wanted or locale not in wanted[ann_id][1]:
                raise ButtonProblem(ButtonProblem.STALE)
            ann = wanted[ann_id][0]
            source = (await services.announcements.texts(ann.id))[ann.source_locale].body
            await services.awaiting.ask(user_id, "announce.translate", f"{ann.id}:{locale}")
            await query.answer()
            await show(update, views.translate_prompt(ann.id, locale, source))
        case _:
            raise ButtonProblem(ButtonProblem.STALE)


# ---------------------------------------------------------------------- progress and schedule
_last_edit: dict[int, float] = {}


async def refresh_progress(app: Application, ann: AnnouncementRow, *, force: bool = False) -> None:
    """Edit the author's progress message (at most every ``PROGRESS_EVERY`` seconds)."""
    if ann.status_chat_id is None or ann.status_message_id is None:
        return
    now = monotonic.monotonic()
    if not force and now - _last_edit.get(ann.id, 0.0) < PROGRESS_EVERY:
        return
    _last_edit[ann.id] = now
    services: Services = app.bot_data["services"]
    counts, state = await services.announcements.progress(ann)
    left = counts.get("queued", 0) + counts.get("sending", 0)
    locale = await services.users.locale_for(ann.status_chat_id)
    with i18n.use_locale(locale):
        small = services.announcements.shown(ann, _to_send(counts)) is None
        text = views.progress_text(ann.id, counts, state, services.config.send_rate, small=small)
        keyboard = views.progress_keyboard(ann.id, state, left)
    try:
        await app.bot.edit_message_text(
            text, ann.status_chat_id, ann.status_message_id, reply_markup=keyboard
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.info("Could not update a progress message: %s", exc.message)
    except TelegramError as exc:
        log.info("Could not update a progress message: %s", exc)


def _to_send(counts: dict[str, int]) -> int:
    return sum(counts.values()) - counts.get("skipped", 0)


async def _announce_finished(app: Application, ann: AnnouncementRow) -> None:
    """A send ended: its author (and approver) hear how it went; the progress message
    shows the end."""
    services: Services = app.bot_data["services"]
    counts, _state = await services.announcements.progress(ann)
    small = services.announcements.shown(ann, _to_send(counts)) is None
    people = sorted({ann.author_id, ann.approved_by} - {None})
    await notify.queue(
        services,
        people,
        lambda: views.finished_notice(ann.id, counts, small=small),
        reason="announcement.sent",
        sender=app.bot_data.get("sender"),
    )
    await refresh_progress(app, ann, force=True)
    _last_edit.pop(ann.id, None)


def progress_watcher(app: Application):
    """For the sender: after each batch, update progress messages; when a send is done, say
    so to its author (and the person who approved it)."""

    async def watch(touched: set[int], finished: set[int]) -> None:
        services: Services = app.bot_data["services"]
        for job_id in touched | finished:
            ann = await services.announcements.by_job(job_id)
            if ann is None:
                continue
            if job_id in finished:
                ended = await services.announcements.finished(job_id)
                if ended is not None:
                    await _announce_finished(app, ended)
                    continue
            await refresh_progress(app, ann)

    return watch


async def send_scheduled(context: BotContext) -> None:
    """Every half minute: sends that ended unseen (a crash between the sender's batch and
    its watcher) are closed; scheduled announcements whose time came (or whose quiet hours
    ended) are launched, and their authors hear that they went."""
    services = context.services
    for ended in await services.announcements.reconcile():
        await _announce_finished(context.application, ended)
    for ann in await services.announcements.due():
        try:
            sending = await launch(services, context.bot_data, ann, by=None, update_id=None)
        except AnnouncementProblem as problem:
            log.info("Scheduled announcement %s not sent: %s", ann.id, problem.kind.value)
            continue
        people = sorted({ann.author_id, ann.approved_by} - {None})
        shown = services.announcements.shown(ann, sending)
        await notify.queue(
            services,
            people,
            lambda i=ann.id, n=shown: views.going_text(i, n, services.config.min_group),
            reason="announcement.going",
            sender=context.bot_data.get("sender"),
        )
