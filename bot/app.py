"""Build the python-telegram-bot Application: settings, lifecycle and handlers, in one place.

Handlers are registered in one explicit order (read ``register_handlers`` top to bottom to see
how an update is routed). Group -1 filters out updates we never act on; group 0 holds the
commands, then the buttons, then the fallbacks that catch whatever is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    PollAnswerHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import __version__, health, i18n, logs
from bot.aiohttp_request import AiohttpRequest
from bot.config import Config
from bot.handlers import (
    admin,
    announce,
    buildings,
    event_attendance,
    events,
    fallback,
    gate,
    groups,
    help,
    invites,
    language,
    menus,
    moderation,
    notify,
    paging,
    polls,
    privacy,
    profile,
    reachability,
    signup,
    start,
    surveys,
    typed,
)
from bot.handlers.common import BotContext
from bot.handlers.errors import error_handler
from bot.handlers.ratelimit import TwoLaneRateLimiter, UpdatesInHand
from bot.handlers.sender import Sender
from bot.services import Services
from bot.services.roles import Role
from bot.storage.db import Database
from bot.storage.migrations import migrate
from bot.views import buttons, charts
from bot.views.menus import bot_commands

log = logging.getLogger(__name__)

# How often unfinished sign-ups are checked for a (single) reminder.
REMINDER_CHECK_SECONDS = 3600
# Seconds after start-up before the charts warm up (see post_init).
CHARTS_WARM_AFTER = 10
# How many updates are processed at once; each runs in its own task with its own locale.
CONCURRENT_UPDATES = 16
# Telegram's flood limits (30 messages a second overall, 1 a second into one chat, 20 a minute
# into one group) are kept by one rate limiter for the whole process (handlers/ratelimit.py):
# replies first, then the outbox sender's bulk lane at BOT_SEND_RATE; a 429 holds every send
# for its retry_after, and a reply is retried after it (at most ratelimit.MAX_RETRIES times).


def button_families() -> dict:
    return {
        buttons.LanguageSet.FAMILY: language.language_button,
        buttons.ForgetConfirm.FAMILY: privacy.forget_button,
        buttons.BuildingArchive.FAMILY: buildings.building_button,
        buttons.SignupJoin.FAMILY: signup.signup_button,
        buttons.ProfileCard.FAMILY: profile.profile_button,
        buttons.Approve.FAMILY: moderation.moderation_button,
        buttons.Page.FAMILY: paging.page_button,
        buttons.AnnCard.FAMILY: announce.announce_button,
        buttons.AnnGotIt.FAMILY: announce.reply_button,
        buttons.TranslatePick.FAMILY: announce.translate_button,
        buttons.EvPublish.FAMILY: events.event_button,
        buttons.EvAnswer.FAMILY: events.answer_button,
        buttons.EvFlowNext.FAMILY: events.flow_button,
        buttons.EvOffer.FAMILY: event_attendance.offer_button,
        buttons.EvNeed.FAMILY: event_attendance.resident_button,
        buttons.EvAttend.FAMILY: event_attendance.steward_button,
        buttons.SurveyStart.FAMILY: surveys.survey_button,
        buttons.SdSave.FAMILY: surveys.draft_button,
        buttons.PollCard.FAMILY: polls.poll_button,
    }


def register_handlers(app: Application) -> None:
    # Group -2: every update, once: replays of handled updates and floods stop here.
    app.add_handler(TypeHandler(Update, gate.gate), group=-2)

    # Group -1: updates we deliberately never act on.
    app.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED | filters.UpdateType.CHANNEL_POSTS, fallback.ignore_update
        ),
        group=-1,
    )

    # Group 0, commands (anyone; role checks happen inside, on the server, every time).
    app.add_handler(CommandHandler("start", start.start_command))
    app.add_handler(CommandHandler("help", help.help_command))
    app.add_handler(CommandHandler("language", language.language_command))
    app.add_handler(CommandHandler("privacy", privacy.privacy_command))
    app.add_handler(CommandHandler("mydata", privacy.mydata_command))
    app.add_handler(CommandHandler("forget", privacy.forget_command))
    app.add_handler(CommandHandler("profile", profile.profile_command))
    app.add_handler(CommandHandler("stop", reachability.stop_command))
    app.add_handler(CommandHandler("warn", groups.warn_command))
    app.add_handler(CommandHandler("mute", groups.mute_command))
    app.add_handler(CommandHandler("linkgroup", groups.linkgroup_command))
    app.add_handler(CommandHandler("building", buildings.building_command))
    app.add_handler(CommandHandler("invite", invites.invite_command))
    app.add_handler(CommandHandler("status", admin.status_command))
    app.add_handler(CommandHandler("pending", moderation.pending_command))
    app.add_handler(CommandHandler("approve", moderation.approve_command))
    app.add_handler(CommandHandler("reject", moderation.reject_command))
    app.add_handler(
        CommandHandler("ban", groups.group_ban_command, filters=filters.ChatType.GROUPS)
    )
    app.add_handler(CommandHandler("ban", moderation.ban_command))
    app.add_handler(CommandHandler("unban", moderation.unban_command))
    app.add_handler(CommandHandler("residents", moderation.residents_command))
    app.add_handler(CommandHandler("audit", moderation.audit_command))
    app.add_handler(CommandHandler("promote", moderation.promote_command))
    app.add_handler(CommandHandler("demote", moderation.demote_command))
    app.add_handler(CommandHandler("announce", announce.announce_command))
    app.add_handler(CommandHandler("announcements", announce.announcements_command))
    app.add_handler(CommandHandler("report", announce.report_command))
    app.add_handler(CommandHandler("editannounce", announce.editannounce_command))
    app.add_handler(CommandHandler("translate", announce.translate_command))
    app.add_handler(CommandHandler("translator", announce.translator_command))
    app.add_handler(CommandHandler("newevent", events.newevent_command))
    app.add_handler(CommandHandler("events", events.events_command))
    app.add_handler(CommandHandler("myevents", events.myevents_command))
    app.add_handler(CommandHandler("editevent", events.editevent_command))
    app.add_handler(CommandHandler("cancelevent", events.cancelevent_command))
    app.add_handler(CommandHandler("attendance", event_attendance.attendance_command))
    app.add_handler(CommandHandler("eventreport", event_attendance.eventreport_command))
    app.add_handler(CommandHandler("survey", surveys.survey_command))
    app.add_handler(CommandHandler("poll", polls.poll_command))
    app.add_handler(CommandHandler("polls", polls.polls_command))
    app.add_handler(CommandHandler("closepoll", polls.closepoll_command))
    app.add_handler(CommandHandler("results", polls.results_command))

    # Buttons, one handler per family of typed codecs (bot/views/buttons.py). Callback data
    # is only a hint: each handler re-validates it, and checks the presser's rights now.
    for family, handler in button_families().items():
        app.add_handler(CallbackQueryHandler(handler, pattern=buttons.pattern(family)))

    # A resident's answer on their copy of a quick poll (changed, or withdrawn).
    app.add_handler(PollAnswerHandler(polls.poll_answer))

    # Someone asks to join a building's group.
    app.add_handler(ChatJoinRequestHandler(groups.join_request))

    # Telegram's notice that a user blocked (or unblocked) the bot.
    app.add_handler(
        ChatMemberHandler(reachability.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )

    # Typed text in private: sign-up answers, /profile changes, "stop"; else the usual hint.
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed.private_text
        )
    )
    # A YAML or JSON file in private: a steward's or organiser's own survey (else as below).
    survey_files = (
        filters.Document.FileExtension("yaml")
        | filters.Document.FileExtension("yml")
        | filters.Document.FileExtension("json")
    )
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & survey_files, surveys.survey_file))
    # A photo or document in private: an announcement's attachment, if one was asked for.
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & (filters.PHOTO | filters.Document.ALL), typed.private_text
        )
    )

    # Fallbacks: whatever is left gets a hint, or a safe silence.
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, fallback.unknown_command)
    )
    app.add_handler(MessageHandler(filters.ALL, fallback.other_message))
    app.add_handler(CallbackQueryHandler(fallback.stale_button))

    app.add_error_handler(error_handler)


def permission_gaps(app: Application) -> list[str]:
    """What the application would let through without a declared permission: a command
    handler not declared with ``@command`` (the catalogue's role and privacy), a button
    family whose handler has no ``@requires``, a registered button family with no handler.
    Empty for a sound application (``tests/handlers/test_authz_matrix.py``)."""
    gaps = []
    handled = set()
    for handler in (h for group in app.handlers.values() for h in group):
        if isinstance(handler, CommandHandler):
            spec = getattr(handler.callback, "command", None)
            for name in sorted(handler.commands):
                if spec is None or spec.name != name:
                    gaps.append(f"/{name}: no command catalogue declaration")
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            family = handler.pattern.pattern.removeprefix("^").split(buttons.SEPARATOR)[0]
            handled.add(family)
            if getattr(handler.callback, "role", None) is None:
                gaps.append(f"buttons {family}: no @requires declaration")
    gaps += [f"buttons {f}: no handler" for f in sorted(set(buttons.registered()) - handled)]
    return gaps


async def warm_charts(_context: BotContext) -> None:
    charts.start_warming()


async def post_init(app: Application) -> None:
    config: Config = app.bot_data["config"]
    db = await Database.open(config.db_path)
    await migrate(db)  # normally a no-op: the CLI migrated before start-up
    app.bot_data["services"] = Services.build(config, db)
    await app.bot_data["services"].keys.load()
    resumed = await app.bot_data["services"].delivery.resume()
    if resumed:
        log.info("Resumed %s outbox messages caught mid-send by a stop", resumed)
    sender = Sender(
        app.bot,
        app.bot_data["services"],
        paid_broadcast=config.paid_broadcast,
        rate=config.send_rate,
    )
    app.bot_data["sender"] = sender
    sender.watchers.append(announce.progress_watcher(app))
    app.bot_data["sender_task"] = asyncio.create_task(sender.run(), name="outbox sender")
    if str(config.db_path) != ":memory:":
        # `python -m bot healthcheck` reads it: the loop's and the sender's last signs of life
        app.bot_data["heartbeat_task"] = asyncio.create_task(
            health.beat_forever(
                health.heartbeat_path(config.db_path), lambda: sender.beat, __version__
            ),
            name="heartbeat",
        )
    await menus.publish_profile(app.bot, config.default_locale)
    for admin_id in config.admin_ids:
        locale = i18n.resolve_locale(
            await app.bot_data["services"].users.stored_locale(admin_id), None
        )
        try:
            await app.bot.set_my_commands(
                bot_commands(Role.ADMIN, locale), scope=BotCommandScopeChat(admin_id)
            )
        except TelegramError as exc:  # the admin has not opened a chat with the bot yet
            log.info("No admin menu for one admin yet: %s", exc.message)
    if app.job_queue is not None:
        # matplotlib's font cache and the big CJK font load in a background thread (seconds
        # on a fresh machine), so the first results photo does not wait for them; once the
        # bot is answering, not while it starts (the thread would slow start-up by half)
        app.job_queue.run_once(warm_charts, when=CHARTS_WARM_AFTER)
        app.job_queue.run_repeating(
            notify.remind_unfinished_signups, interval=REMINDER_CHECK_SECONDS, first=60
        )
        app.job_queue.run_repeating(
            announce.send_scheduled, interval=announce.SCHEDULE_CHECK_SECONDS, first=5
        )
        # Reminders live in the database; this only wakes the bot to look (one indexed read).
        app.job_queue.run_repeating(
            events.tick,
            interval=events.TICK_SECONDS,
            first=1,
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        # Offers, their deadlines, "I was there" and follow-ups: the database decides too.
        app.job_queue.run_repeating(
            event_attendance.tick,
            interval=event_attendance.TICK_SECONDS,
            first=1,
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        # Survey reminders and closing times live in the database too.
        app.job_queue.run_repeating(surveys.tick, interval=surveys.TICK_SECONDS, first=10)
        # Polls close at their time: the database says which.
        app.job_queue.run_repeating(polls.tick, interval=polls.TICK_SECONDS, first=10)
        app.job_queue.run_repeating(
            prune_processed_updates, interval=REMINDER_CHECK_SECONDS, first=REMINDER_CHECK_SECONDS
        )
        if config.backup_dir is not None:
            app.job_queue.run_daily(
                admin.daily_backup,
                time=config.backup_time.replace(tzinfo=config.timezone),
                name="daily backup",
            )
    log.info("Common Ground is up as @%s", app.bot.username)


async def prune_processed_updates(context: BotContext) -> None:
    """Hourly: forget update ids older than Telegram would ever re-deliver, and messages
    settled more than 30 days ago."""
    await context.services.updates.prune()
    await context.services.delivery.prune()


async def post_shutdown(app: Application) -> None:
    for name in ("sender_task", "heartbeat_task"):
        task: asyncio.Task | None = app.bot_data.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    services: Services | None = app.bot_data.get("services")
    if services is not None:
        await services.db.close()
    log.info("Common Ground stopped")


def build_application(
    config: Config,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limited: bool = True,
    rate_limiter: BaseRateLimiter | None = None,
) -> Application:
    """The Application for ``config``; tests pass a request that talks to the sandbox (and
    may pass a ``rate_limiter`` of their own, e.g. one on a faster clock).

    ``rate_limited=False`` drops the rate limiter, only so benchmarks can measure raw capacity.
    """
    i18n.set_default_locale(config.default_locale)
    logs.watch_errors()  # /status shows the newest error
    in_hand = UpdatesInHand(CONCURRENT_UPDATES)  # the bulk lane yields to waiting updates
    builder = (
        ApplicationBuilder()
        .token(config.require_token())
        .base_url(config.api_base_url)
        .base_file_url(config.file_base_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(in_hand)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if rate_limited:
        builder = builder.rate_limiter(
            rate_limiter or TwoLaneRateLimiter(config.send_rate, busy=lambda: in_hand.count > 0)
        )
    if request is None:  # Telegram over aiohttp (bot/aiohttp_request.py: why)
        request = AiohttpRequest()
        get_updates_request = get_updates_request or AiohttpRequest(connection_pool_size=1)
    builder = builder.request(request).get_updates_request(get_updates_request or request)
    app = builder.build()
    app.bot_data["config"] = config
    register_handlers(app)
    return app


def run(config: Config) -> None:
    """Long-poll (or, with ``BOT_WEBHOOK_URL``, serve the webhook: ``bot/webhook.py``) until
    SIGINT/SIGTERM, then shut down cleanly."""
    app = build_application(config)
    if config.webhook_url is not None:
        from bot import webhook

        asyncio.run(webhook.serve(app, config))
        return
    app.run_polling(allowed_updates=Update.ALL_TYPES)
