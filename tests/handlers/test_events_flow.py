"""Events, part three: the guided /newevent flow pressed by label (calendar, times, places,
repetition), weekly series that keep their local time across a clock change, cancelling one
date or the rest of a series, the post in a building's linked group, and delivered copies
edited once an event is cancelled. Clocks are injected; nothing sleeps."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application
from bot.clock import FixedClock, from_db, to_db
from bot.config import Config
from bot.handlers import events as handlers
from bot.sandbox.core import FakeBotApi
from bot.sandbox.request import SandboxRequest
from bot.services.roles import Role
from bot.views import buttons as b
from tests.handlers.test_announcements import building, residents
from tests.support import ADMIN_ID, Harness, plain, tr, trn

PARIS = ZoneInfo("Europe/Paris")
GROUP = -100555
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


def services_of(harness):
    return harness.app.bot_data["services"]


def labels(message) -> list[str]:
    return [x["text"] for row in message["reply_markup"]["inline_keyboard"] for x in row]


def last(harness, chat_id):
    return harness.api.bot_messages(chat_id)[-1]


def clocked(harness, now=NOW) -> FixedClock:
    clock = FixedClock(now)
    services_of(harness).events.clock = clock
    services_of(harness).awaiting.clock = clock
    return clock


@pytest.fixture
async def paris(tmp_path):
    """The bot of a community in Paris (a zone with summer time), by a config override."""
    api = FakeBotApi()
    config = Config(
        token=api.token,
        db_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({ADMIN_ID}),
        send_rate=None,
        timezone=PARIS,
    )
    app = build_application(config, request=SandboxRequest(api))
    await app.initialize()
    await app.post_init(app)
    task = app.bot_data.pop("sender_task")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    yield Harness(api, app)
    await app.post_shutdown(app)
    await app.shutdown()


# ------------------------------------------------------------------------------ the guided flow
@pytest.mark.parametrize("locale", ["en", "es"])
async def test_the_guided_flow_by_buttons_in_two_languages(harness, admin, locale):
    services = services_of(harness)
    clocked(harness)
    maple = await building(harness)
    await building(harness, "Oak House")
    people = await residents(harness, maple, 2, first_id=8000, locales=("en", "fr"))
    await services.users.choose_locale(admin["id"], locale)

    def t(msgid, **kw):
        return tr(locale, msgid, **kw)

    [step] = await harness.send(admin, "/newevent")
    assert plain(t("Who is it for? Pick the buildings, then Next.")) in plain(step["text"])
    assert f"✅ {t('Every building')}" in labels(step)
    [step], _ = await harness.press_label(admin, step, "⬜ Maple Court")  # only Maple Court
    assert "✅ Maple Court" in labels(step) and f"⬜ {t('Every building')}" in labels(step)
    [step], _ = await harness.press_label(admin, step, t("Next ▶️"))
    assert t("What is the event called? Write its title.") in step["text"]
    [step] = await harness.send(admin, "Winter potluck")
    assert t("Which day? Pick it in the calendar.") in step["text"]
    [step], _ = await harness.press_label(admin, step, "▶️")  # December
    [step], _ = await harness.press_label(admin, step, "5")
    assert "18:30" in labels(step) and "09:00" in labels(step) and "21:00" in labels(step)
    [step], _ = await harness.press_label(admin, step, "18:30")
    assert t("Where is it? Write the place.") in step["text"]
    [step] = await harness.send(admin, "Community room")
    assert t("No limit") in labels(step)
    [step], _ = await harness.press_label(admin, step, "20")
    [step], _ = await harness.press_label(admin, step, t("Only once"))
    [preview], _ = await harness.press_label(admin, step, t("Skip ▶️"))
    text = plain(preview["text"])
    assert plain(t("📅 Event #{id}", id=1)) in text and "Winter potluck" in text
    assert "Community room" in text and "Maple Court" in text and "Oak House" not in text
    assert services.events.timezone == ZoneInfo("UTC")
    event = await services.events.get(1)
    assert from_db(event.starts_at) == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    assert event.capacity == 20 and event.state == "draft"
    messages, _ = await harness.press_label(admin, preview, t("📣 Publish"))
    assert plain(
        trn(
            locale,
            "Event #{id} is published: it goes to {count} resident.",
            "Event #{id} is published: it goes to {count} residents.",
            2,
            id=1,
        )
    ) in plain(messages[-1]["text"])
    got = last(harness, people[1]["id"])  # the French resident reads it in French
    assert tr("fr", "✅ Going") in labels(got)
    # the draft is gone: an old button of the flow is answered as stale
    messages, answers = await harness.press(admin, step, b.EvFlowSkip(1).pack())
    assert answers and not messages
    assert await services.db.fetch_value("SELECT count(*) FROM events") == 1


async def test_the_flow_is_resumed_typed_answers_work_and_roles_are_checked(harness, admin):
    services = services_of(harness)
    clocked(harness)
    await building(harness)
    [step] = await harness.send(admin, "/newevent")
    [step], _ = await harness.press_label(admin, step, "Next ▶️")
    await harness.send(admin, "Tenant meeting")
    # a restart later, /newevent shows the step it was at: the calendar
    [step] = await harness.send(admin, "/newevent")
    assert "Which day?" in step["text"] and "Tenant meeting" in step["text"]
    [step], _ = await harness.press_label(admin, step, "30")
    [bad] = await harness.send(admin, "25:99")
    assert "There is no such date or time" in plain(bad["text"])
    [step] = await harness.send(admin, "19:15")
    assert "Where is it?" in step["text"]
    [step] = await harness.send(admin, "Hall")
    [step] = await harness.send(admin, "12")  # places, typed
    [step], _ = await harness.press_label(admin, step, "Only once")
    [preview] = await harness.send(admin, "Bring a dish if you can.")
    assert "Bring a dish if you can." in plain(preview["text"])
    event = await services.events.get(1)
    assert event.capacity == 12 and event.description == "Bring a dish if you can."
    # a steward demoted mid-flow: the next press is refused
    stew = harness.api.make_user(8100, "Stew", language_code="en")
    await harness.send(stew, "/start")
    await services.roles.promote(ADMIN_ID, stew["id"], Role.STEWARD, 1)
    [step] = await harness.send(stew, "/newevent")
    assert "Every building" not in str(labels(step)) and "✅ Maple Court" in labels(step)
    await services.roles.demote(ADMIN_ID, stew["id"])
    _, answers = await harness.press_label(stew, step, "Next ▶️")
    assert answers[-1].params["show_alert"]
    assert (await services.events.repo.draft_of(stew["id"]))["step"] == "audience"


async def test_the_calendar_refuses_past_days_and_moves_between_months(harness, admin):
    services = services_of(harness)
    clocked(harness)
    await building(harness)
    [step] = await harness.send(admin, "/newevent")
    [step], _ = await harness.press_label(admin, step, "Next ▶️")
    [cal] = await harness.send(admin, "Potluck")
    assert "November 2026" in labels(cal)
    assert labels(cal)[:3] == [" ", "November 2026", "▶️"]  # no going back before this month
    assert labels(cal)[3:10] == ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"]  # en: Sunday first
    assert "24" not in labels(cal) and "25" in labels(cal) and "·" in labels(cal)
    noop = b.EvFlowNoop(1).pack()
    past_days = [
        x for x in cal["reply_markup"]["inline_keyboard"][2:] for x in x if x["text"] == "·"
    ]
    assert len(past_days) == 24 and {x["callback_data"] for x in past_days} == {noop}
    _, answers = await harness.press(admin, cal, noop)
    assert answers[-1].params["text"] == "Pick a day from today on."
    _, answers = await harness.press(admin, cal, b.EvFlowDay(1, 20261124).pack())  # forged
    assert "already passed" in answers[-1].params["text"]
    [cal], _ = await harness.press_label(admin, cal, "▶️")
    assert labels(cal)[:3] == ["◀️", "December 2026", "▶️"] and "1" in labels(cal)
    [cal], _ = await harness.press_label(admin, cal, "◀️")
    assert "November 2026" in labels(cal)
    # another language: its own month and day names, and its own first day of the week
    await services.users.choose_locale(admin["id"], "fr")
    [cal] = await harness.send(admin, "/newevent")
    assert "novembre 2026" in labels(cal) and labels(cal)[3] == "lu"
    await services.users.choose_locale(admin["id"], "ar")
    [cal] = await harness.send(admin, "/newevent")
    assert labels(cal)[3] == "سبت"  # Saturday first
    assert services.events.repo  # the draft kept its step throughout
    assert (await services.events.repo.draft_of(admin["id"]))["step"] == "date"


# ------------------------------------------------------------------------------ series
async def test_a_weekly_series_keeps_its_local_time_across_the_clock_change(paris, admin):
    harness = paris
    services = services_of(harness)
    clock = clocked(harness, datetime(2026, 10, 1, 12, 0, tzinfo=UTC))
    bid = await building(harness)
    [a, c] = await residents(harness, bid, 2, first_id=8200, locales=("en", "es"))
    line = f"{bid} 2026-10-15 18:30 | Tenant meeting | Room 1 | every week until 2026-11-12"
    [preview] = await harness.send(admin, f"/newevent {line}")
    assert "5 dates in all" in plain(preview["text"])
    messages, _ = await harness.press_label(admin, preview, "📣 Publish")
    assert "The series has 4 more dates" in plain(messages[-1]["text"])
    series = await services.events.repo.series(1)
    assert [e.id for e in series] == [1, 2, 3, 4, 5] and {e.series_id for e in series} == {1}
    starts = [from_db(e.starts_at) for e in series]
    assert [s.astimezone(PARIS).strftime("%m-%d %H:%M") for s in starts] == [
        "10-15 18:30",
        "10-22 18:30",
        "10-29 18:30",  # after the clock went back on 25 October: still 18:30 in Paris
        "11-05 18:30",
        "11-12 18:30",
    ]
    assert starts[1].hour == 16 and starts[2].hour == 17  # UTC moved by the hour
    for event, start in zip(series, starts, strict=True):  # each has its own reminders
        due = {r["lead_minutes"]: r["due_at"] for r in await services.events.reminders(event.id)}
        assert due == {
            1440: to_db(start - timedelta(days=1)),
            60: to_db(start - timedelta(hours=1)),
        }
    # only the first is posted; the next when the first starts
    assert (
        await services.db.fetch_value("SELECT count(*) FROM outbox_jobs WHERE kind = 'event'") == 1
    )
    assert "every week until" in plain(last(harness, a["id"])["text"]).lower()
    await harness.press(a, last(harness, a["id"]), b.EvAnswer(1, "going").pack())
    clock.now = starts[0] + timedelta(minutes=1)
    await handlers.run_due(services)
    await harness.drain()
    post = last(harness, c["id"])
    assert plain(tr("es", "📅 Event #{id}", id=2)) in plain(post["text"])
    assert "22 de octubre" in post["text"] and "18:30" in post["text"]
    await harness.press(c, post, b.EvAnswer(2, "going").pack())
    assert await services.events.my_answer(2, c["id"]) == "going"
    assert await services.events.my_answer(1, c["id"]) is None  # its own answers
    await handlers.run_due(services)
    assert (
        await services.db.fetch_value("SELECT count(*) FROM outbox_jobs WHERE kind = 'event'") == 2
    )


async def test_cancelling_one_date_or_the_rest_of_the_series(harness, admin):
    services = services_of(harness)
    clock = clocked(harness)
    bid = await building(harness)
    [_a, c] = await residents(harness, bid, 2, first_id=8300, locales=("en", "es"))
    line = "2026-12-01 18:30 | Tenant meeting | Room 1 | every week until 2026-12-29"
    [preview] = await harness.send(admin, f"/newevent {line}")
    await harness.press_label(admin, preview, "📣 Publish")
    for event_id in (1, 2, 3):  # each date posted in turn; the Spanish resident answers each
        clock.now = from_db((await services.events.get(event_id)).starts_at) - timedelta(hours=2)
        if event_id > 1:
            clock.now = from_db((await services.events.get(event_id - 1)).starts_at)
            await handlers.run_due(services)
            await harness.drain()
        await harness.press(c, last(harness, c["id"]), b.EvAnswer(event_id, "going").pack())
    clock.now = NOW.replace(day=30, month=11)
    [done] = await harness.send(admin, "/cancelevent 2 the room is taken")
    assert "Event #2 is cancelled" in plain(done["text"])
    states = {e.id: e.state for e in await services.events.repo.series(1)}
    assert states == {
        1: "published",
        2: "cancelled",
        3: "published",
        4: "published",
        5: "published",
    }
    [done] = await harness.send(admin, "/cancelevent 3 series we meet online now")
    assert "Event #3 and the later dates of its series are cancelled: 3 events in all" in plain(
        done["text"]
    )
    states = {e.id: e.state for e in await services.events.repo.series(1)}
    assert states == {
        1: "published",
        2: "cancelled",
        3: "cancelled",
        4: "cancelled",
        5: "cancelled",
    }
    notice = plain(last(harness, c["id"])["text"])  # told in Spanish, with the reason
    assert plain(tr("es", "Reason: {reason}", reason="we meet online now")) in notice
    reminders = await services.events.reminders(4)
    assert {r["state"] for r in reminders} == {"dropped"}
    # nothing more is posted for the cancelled dates
    clock.now = from_db((await services.events.get(4)).starts_at)
    await handlers.run_due(services)
    assert (await services.events.get(4)).job_id is None
    [bad] = await harness.send(admin, "/cancelevent 1")
    assert "/cancelevent 4 series the room is taken" in plain(bad["text"])


# ------------------------------------------------------------------------------ groups, copies
async def test_the_post_in_the_linked_group_and_presses_there(harness, admin):
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    [a] = await residents(harness, bid, 1, first_id=8400, locales=("en",))
    group = harness.api.make_group(GROUP, "Maple Court neighbours")
    await services.groups.link(ADMIN_ID, bid, GROUP)
    await harness.send(admin, "/newevent 2026-12-05 18:30 | Winter potluck | Community room")
    [preview] = harness.api.bot_messages(admin["id"])[-1:]
    await harness.press_label(admin, preview, "📣 Publish")
    post = last(harness, GROUP)
    assert "Winter potluck" in post["text"] and "✅ Going" in labels(post)
    row = await services.db.fetch_one(
        "SELECT user_id, state FROM outbox WHERE chat_id = ?", (GROUP,)
    )
    assert tuple(row) == (None, "sent")
    # a resident answers in the group; the group's copy follows at the next refresh
    _, answers = await harness.press(a, post, b.EvAnswer(1, "going").pack())
    assert answers[-1].params["text"] == "You are going. See you there!"
    assert await services.events.my_answer(1, a["id"]) == "going"
    await handlers.run_due(services)
    await harness.drain()
    assert "Going 1" in plain(last(harness, GROUP)["text"])
    # someone who never signed up is told so, in their language
    stranger = harness.api.make_user(8450, "Lu", language_code="es")
    harness.api.world.register_user(stranger)
    _, answers = await harness.press(stranger, post, b.EvAnswer(1, "going").pack())
    assert answers[-1].params["text"] == plain(
        tr(
            "es",
            "Only residents who have signed up can answer. Write to me in a private chat to "
            "sign up.",
        )
    )
    # the calendar file goes to the presser privately, never into the group
    _, answers = await harness.press(a, post, b.EvCalendar(1).pack())
    assert answers[-1].params["text"] == "I sent you the calendar file in a private chat."
    assert last(harness, a["id"])["document"]["file_name"] == "event-1.ics"
    assert group  # the group itself got no file
    assert not any("document" in m for m in harness.api.bot_messages(GROUP))


async def test_a_cancelled_events_copies_are_edited_everywhere(harness, admin):
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    a, c = await residents(harness, bid, 2, first_id=8500, locales=("en", "fr"))
    harness.api.make_group(GROUP, "Maple Court neighbours")
    await services.groups.link(ADMIN_ID, bid, GROUP)
    [preview] = await harness.send(admin, "/newevent 2026-12-05 18:30 | Winter potluck | Hall")
    await harness.press_label(admin, preview, "📣 Publish")
    await harness.send(admin, "/cancelevent 1 the hall is flooded")
    jobs = await services.db.fetch_value(
        "SELECT count(*) FROM outbox_jobs WHERE kind = 'event.copies'"
    )
    assert jobs == 1
    for chat_id, locale in ((a["id"], "en"), (c["id"], "fr"), (GROUP, "en")):
        post = harness.api.bot_messages(chat_id)[0]
        assert plain(tr(locale, "❌ Cancelled: {reason}", reason="the hall is flooded")) in plain(
            post["text"]
        )
        assert not post.get("reply_markup")


async def test_an_edited_events_copies_show_the_new_details_at_once(harness, admin):
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    [a] = await residents(harness, bid, 1, first_id=8600, locales=("es",))
    harness.api.make_group(GROUP, "Maple Court neighbours")
    await services.groups.link(ADMIN_ID, bid, GROUP)
    [preview] = await harness.send(admin, "/newevent 2026-12-05 18:30 | Winter potluck | Hall")
    await harness.press_label(admin, preview, "📣 Publish")
    await harness.send(admin, "/editevent 1 place Roof garden")
    # the group reads as its one resident does (Spanish)
    for chat_id, going in ((a["id"], tr("es", "✅ Going")), (GROUP, tr("es", "✅ Going"))):
        post = harness.api.bot_messages(chat_id)[0]
        assert "Roof garden" in post["text"] and "Hall" not in post["text"]
        assert going in labels(post)  # still open for answers


async def test_the_groups_post_is_in_the_language_most_of_its_residents_read(harness, admin):
    """Not the steward's, nor the community default when most of the building reads
    another: the group's copy (and its later edits) are in the building's main language."""
    services = services_of(harness)
    clocked(harness)
    bid = await building(harness)
    await residents(harness, bid, 3, first_id=8700, locales=("es", "es", "fr"))
    harness.api.make_group(GROUP, "Maple Court neighbours")
    await services.groups.link(ADMIN_ID, bid, GROUP)
    [preview] = await harness.send(admin, "/newevent 2026-12-05 18:30 | Winter potluck | Hall")
    await harness.press_label(admin, preview, "📣 Publish")  # the admin reads English
    post = last(harness, GROUP)
    assert plain(tr("es", "📅 Event #{id}", id=1)) in plain(post["text"])
    assert tr("es", "✅ Going") in labels(post)
    await harness.send(admin, "/editevent 1 place Roof garden")
    edited = harness.api.bot_messages(GROUP)[0]
    assert "Roof garden" in edited["text"] and tr("es", "✅ Going") in labels(edited)
