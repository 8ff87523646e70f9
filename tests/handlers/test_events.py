"""Events, as stewards and residents live them: one line makes a preview, Publish sends the post
to every resident in their language, answers are counted once, a waitlist moves in order, the
calendar file is valid and follows changes, and reminders are queued exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.clock import FixedClock, to_db
from bot.handlers import events as handlers
from bot.views import buttons as b
from tests.handlers.test_announcements import LOCALES, building, make_steward, residents
from tests.support import button_data, plain, tr

PARIS = ZoneInfo("Europe/Paris")
LINE = "2026-12-05 18:30 | Winter potluck | Community room"


def services_of(harness):
    return harness.app.bot_data["services"]


def last(harness, user):
    return harness.api.bot_messages(user["id"])[-1]


async def published(harness, admin, line=LINE):
    """/newevent ``line`` by the admin, published; returns the event's id."""
    [preview] = await harness.send(admin, f"/newevent {line}")
    await harness.press_label(admin, preview, "📣 Publish")
    return int(button_data(preview, "📣 Publish").rsplit(":", 1)[1])


async def answer(harness, user, event_id, what):
    post = next(
        m
        for m in harness.api.bot_messages(user["id"])
        if m.get("reply_markup") and b.EvAnswer(event_id, "going").pack() in str(m["reply_markup"])
    )
    return await harness.press(user, post, b.EvAnswer(event_id, what).pack())


def ics_of(harness, message) -> Calendar:
    content = harness.api.world.files[message["document"]["file_id"]]["content"]
    return Calendar.from_ical(content)


# ------------------------------------------------------------------------------ create, publish
async def test_one_line_preview_then_publish_reaches_residents_in_their_language(harness, admin):
    bid = await building(harness)
    people = await residents(harness, bid, 6, first_id=7000)
    [preview] = await harness.send(admin, f"/newevent {bid} {LINE} | 40")
    text = plain(preview["text"])
    assert "Event #1" in text and "Winter potluck" in text and "Community room" in text
    assert "40 places" in text and "Maple Court" in text
    assert "Saturday, December 5, 2026, 6:30\u202fPM" in text  # the community's zone (UTC), en
    messages, _ = await harness.press_label(admin, preview, "📣 Publish")
    assert "Event #1 is published: it goes to 6 residents." in plain(messages[-1]["text"])
    for person, locale in zip(people, LOCALES, strict=True):
        got = last(harness, person)
        assert "Winter potluck" in got["text"]
        assert plain(tr(locale, "📅 Event #{id}", id=1)) in plain(got["text"])
        labels = [x["text"] for row in got["reply_markup"]["inline_keyboard"] for x in row]
        assert tr(locale, "✅ Going") in labels and tr(locale, "📅 Add to calendar") in labels
    es = last(harness, people[1])["text"]
    assert "sábado, 5 de diciembre de 2026" in es
    # one outbox job of kind 'event'; a second press publishes nothing more
    db = services_of(harness).db
    assert await db.fetch_value("SELECT count(*) FROM outbox_jobs WHERE kind = 'event'") == 1
    _, answers = await harness.press_label(admin, preview, "📣 Publish")
    assert await db.fetch_value("SELECT count(*) FROM outbox_jobs WHERE kind = 'event'") == 1
    assert "can't be done any more" in answers[-1].params["text"]


async def test_steward_events_are_for_their_buildings_only(harness, admin):
    mine, other = await building(harness), await building(harness, "Oak House")
    steward = harness.api.make_user(7100, "Stew", language_code="en")
    await make_steward(harness, steward, mine)
    [answer_] = await harness.send(steward, f"/newevent {other} {LINE}")
    assert "is not one you look after" in plain(answer_["text"])
    [preview] = await harness.send(steward, f"/newevent {LINE}")
    assert "Maple Court" in plain(preview["text"]) and "Oak House" not in plain(preview["text"])


async def test_bad_lines_and_dates_get_the_translated_form(harness, admin):
    await building(harness)
    [got] = await harness.send(admin, "/newevent 2026-12-05 18:30 Winter potluck")
    assert "/newevent 2026-12-05 18:30 | Winter potluck | Community room | 40" in plain(got["text"])
    [got] = await harness.send(admin, "/newevent 2026-02-30 18:30 | Potluck | Room")
    assert "There is no such date or time (2026-02-30 18:30)" in plain(got["text"])
    [got] = await harness.send(admin, "/newevent 2020-01-01 18:30 | Potluck | Room")
    assert "already passed" in plain(got["text"])
    await services_of(harness).users.choose_locale(admin["id"], "es")
    [got] = await harness.send(admin, "/newevent 2026-13-01 18:30 | Potluck | Room")
    assert plain(
        tr(
            "es",
            "There is no such date or time ({date}). Write it like <code>2026-12-05 18:30</code>.",
            date="2026-13-01 18:30",
        )
    ) == plain(got["text"])


# ------------------------------------------------------------------------------ answers
async def test_answers_count_once_and_the_waitlist_moves_in_order(harness, admin):
    bid = await building(harness)
    a, c, d, e = await residents(harness, bid, 4, first_id=7200, locales=("en", "es", "fr", "en"))
    event_id = await published(harness, admin, f"{LINE} | 2")
    messages, answers = await answer(harness, a, event_id, "going")
    assert answers[-1].params["text"] == "You are going. See you there!"
    assert "Going 1 · Maybe 0 · Waitlist 0" in plain(messages[0]["text"])
    await answer(harness, a, event_id, "going")  # a double press changes nothing
    await answer(harness, c, event_id, "going")
    _, answers = await answer(harness, d, event_id, "going")
    assert answers[-1].params["text"] == tr(
        "fr", "The event is full: you are number {position} on the waitlist.", position=1
    )
    messages, _ = await answer(harness, e, event_id, "going")
    assert "Going 2 · Maybe 0 · Waitlist 2" in plain(messages[0]["text"])
    counts = await services_of(harness).events.counts(event_id)
    assert counts == {"going": 2, "maybe": 0, "no": 0, "waitlist": 2}
    # a Going person can't come: the first on the waitlist (d, French) is offered the place
    # in their language (tests/handlers/test_events_attendance.py follows the offer through)
    await answer(harness, c, event_id, "no")
    assert await services_of(harness).events.my_answer(event_id, d["id"]) == "waitlist"
    assert await services_of(harness).events.my_answer(event_id, e["id"]) == "waitlist"
    offer = tr(
        "fr",
        "🎟 A place is free for you at {title}, {when}. Do you want it? It waits "
        "for you until {deadline}; after that it goes to the next person on the "
        "waitlist.",
        title="·",
        when="·",
        deadline="·",
    )
    assert plain(last(harness, d)["text"]).startswith(plain(offer.split("·")[0]))
    assert "Winter potluck" in last(harness, d)["text"]
    await harness.press_label(d, last(harness, d), tr("fr", "✅ Yes, I'll come"))
    assert await services_of(harness).events.my_answer(event_id, d["id"]) == "going"


async def test_other_copies_are_refreshed_at_most_every_30_seconds(harness, admin):
    bid = await building(harness)
    a, c = await residents(harness, bid, 2, first_id=7300, locales=("en", "en"))
    services = services_of(harness)
    clock = FixedClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    services.events.clock = clock
    event_id = await published(harness, admin)
    await answer(harness, a, event_id, "going")
    assert (await handlers.run_due(services))[1] == 1  # first change: refreshed at once
    await harness.drain()
    assert "Going 1 · Maybe 0" in plain(last(harness, c)["text"])
    await answer(harness, c, event_id, "maybe")
    assert (await handlers.run_due(services))[1] == 0  # within 30 s: waits
    clock.advance(timedelta(seconds=31))
    assert (await handlers.run_due(services))[1] == 1
    assert (await handlers.run_due(services))[1] == 0
    await harness.drain()
    post = next(m for m in harness.api.bot_messages(a["id"]) if "Event #1" in plain(m["text"]))
    assert "Going 1 · Maybe 1" in plain(post["text"])


# ------------------------------------------------------------------------------ calendar
async def test_calendar_file_is_valid_and_follows_changes(harness, admin):
    bid = await building(harness)
    [a] = await residents(harness, bid, 1, first_id=7400, locales=("en",))
    services_of(harness).events.timezone = PARIS  # the .ics carries the community's zone
    event_id = await published(harness, admin)
    post = last(harness, a)
    messages, _ = await harness.press_label(a, post, "📅 Add to calendar")
    cal = ics_of(harness, messages[-1])
    assert str(cal["METHOD"]) == "PUBLISH"
    [zone] = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event_id}@commonground"
    assert int(vevent["SEQUENCE"]) == 0
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert vevent.decoded("DTSTART") == datetime(2026, 12, 5, 18, 30, tzinfo=PARIS)
    assert vevent.decoded("DTEND") - vevent.decoded("DTSTART") == timedelta(hours=2)
    assert str(vevent["SUMMARY"]) == "Winter potluck"
    await answer(harness, a, event_id, "going")
    [done] = await harness.send(admin, f"/editevent {event_id} when 2026-12-06 19:00")
    assert "is saved" in plain(done["text"])
    notice = last(harness, a)
    assert "has changed" in notice["text"] and "December 6, 2026" in plain(notice["text"])
    messages, _ = await harness.press_label(a, notice, "📅 Add to calendar")
    [vevent] = ics_of(harness, messages[-1]).walk("VEVENT")
    assert int(vevent["SEQUENCE"]) == 1
    assert vevent.decoded("DTSTART") == datetime(2026, 12, 6, 19, 0, tzinfo=PARIS)
    [done] = await harness.send(admin, f"/cancelevent {event_id} the room is flooded")
    assert "is cancelled" in plain(done["text"])
    notice = last(harness, a)
    assert "the room is flooded" in notice["text"]
    messages, _ = await harness.press_label(a, notice, "📅 Add to calendar")
    cal = ics_of(harness, messages[-1])
    assert str(cal["METHOD"]) == "CANCEL"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED" and int(vevent["SEQUENCE"]) == 2
    reminders = await services_of(harness).events.reminders(event_id)
    assert {r["state"] for r in reminders} == {"dropped"}
    # the post lost its buttons (edited through the engine); an old press is refused
    post = harness.api.bot_messages(a["id"])[0]
    assert "Cancelled: the room is flooded" in plain(post["text"])
    assert not post.get("reply_markup")
    _, answers = await harness.press(a, post, b.EvAnswer(event_id, "going").pack())
    assert "answers are closed" in answers[-1].params["text"]


# ------------------------------------------------------------------------------ reminders
async def test_a_due_reminder_is_queued_once_even_when_ticks_overlap(harness, admin):
    bid = await building(harness)
    a, c, d = await residents(harness, bid, 3, first_id=7500, locales=("en", "es", "en"))
    services = services_of(harness)
    clock = FixedClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    services.events.clock = clock
    event_id = await published(harness, admin)  # 2026-12-05 18:30: 24 h and 1 h ahead
    reminders = await services.events.reminders(event_id)
    assert [(r["lead_minutes"], r["state"]) for r in reminders] == [
        (1440, "pending"),
        (60, "pending"),
    ]
    await answer(harness, a, event_id, "going")
    await answer(harness, c, event_id, "maybe")
    await answer(harness, d, event_id, "no")
    clock.now = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)  # the 24 h reminder is due
    results = await asyncio.gather(*(handlers.run_due(services) for _ in range(3)))
    assert sum(q for q, _r in results) == 1
    assert (await handlers.run_due(services))[0] == 0
    await harness.drain()
    assert plain(last(harness, a)["text"]).startswith("⏰ Reminder")
    assert plain(last(harness, c)["text"]).startswith(tr("es", "⏰ Reminder"))
    assert not plain(last(harness, d)["text"]).startswith("⏰")
    db = services.db
    jobs = "SELECT count(*) FROM outbox_jobs WHERE kind = 'event.reminder'"
    assert await db.fetch_value(jobs) == 1
    # "Can't come after all" sets the answer to no
    _, answers = await harness.press_label(a, last(harness, a), "❌ Can't come after all")
    assert answers[-1].params["text"] == "Noted: you can't go."
    assert await services.events.my_answer(event_id, a["id"]) == "no"


async def test_a_reminder_whose_event_started_is_dropped(harness, admin):
    bid = await building(harness)
    [a] = await residents(harness, bid, 1, first_id=7600, locales=("en",))
    services = services_of(harness)
    clock = FixedClock(datetime(2026, 12, 5, 17, 0, tzinfo=UTC))
    services.events.clock = clock
    event_id = await published(harness, admin)
    reminders = await services.events.reminders(event_id)
    assert [(r["lead_minutes"], r["state"]) for r in reminders] == [(60, "pending")]
    await answer(harness, a, event_id, "going")
    clock.now = datetime(2026, 12, 5, 18, 31, tzinfo=UTC)  # down until after the start
    assert (await handlers.run_due(services))[0] == 0
    assert [r["state"] for r in await services.events.reminders(event_id)] == ["dropped"]


async def test_editing_the_time_moves_the_reminders(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 1, first_id=7700, locales=("en",))
    services = services_of(harness)
    services.events.clock = FixedClock(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    event_id = await published(harness, admin)
    await harness.send(admin, f"/editevent {event_id} when 2026-12-06 19:00")
    due = {r["lead_minutes"]: r["due_at"] for r in await services.events.reminders(event_id)}
    assert due == {
        1440: to_db(datetime(2026, 12, 5, 19, 0, tzinfo=UTC)),
        60: to_db(datetime(2026, 12, 6, 18, 0, tzinfo=UTC)),
    }
    [bad] = await harness.send(admin, f"/editevent {event_id} colour blue")
    assert "/editevent 4 when 2026-12-06 19:00" in plain(bad["text"])


# ------------------------------------------------------------------------------ lists
async def test_events_and_myevents(harness, admin):
    maple, oak = await building(harness), await building(harness, "Oak House")
    [a] = await residents(harness, maple, 1, first_id=7800, locales=("en",))
    await published(harness, admin, f"{maple} {LINE}")
    await published(harness, admin, f"{oak} 2026-12-07 10:00 | Oak meeting | Hall")
    await published(harness, admin, "2026-12-08 10:00 | Everyone's party | Park")
    [listing] = await harness.send(a, "/events")
    text = plain(listing["text"])
    assert "Winter potluck" in text and "Everyone's party" in text and "Oak meeting" not in text
    [mine] = await harness.send(a, "/myevents")
    assert "You have not answered any event yet" in plain(mine["text"])
    await answer(harness, a, 1, "maybe")
    [mine] = await harness.send(a, "/myevents")
    assert "Winter potluck" in plain(mine["text"]) and "maybe" in plain(mine["text"])
    messages, _ = await harness.press_label(a, mine, "📅 Winter potluck")
    assert messages[-1]["document"]["file_name"] == "event-1.ics"
    [everything] = await harness.send(admin, "/events")
    assert "Oak meeting" in plain(everything["text"])
    # someone of another building cannot fetch a Maple event's file with a forged press
    [o] = await residents(harness, oak, 1, first_id=7850, locales=("en",))
    [listing] = await harness.send(o, "/events")
    messages, answers = await harness.press(o, listing, b.EvCalendar(1).pack())
    assert not messages and "There is no event #1" in answers[-1].params["text"]


async def test_publish_and_reminders_skip_paused_unreachable_and_pending(harness, admin):
    bid = await building(harness)
    ok, paused, gone = await residents(harness, bid, 3, first_id=7900, locales=("en",) * 3)
    [waiting] = await residents(harness, bid, 1, first_id=7950, status="pending")
    services = services_of(harness)
    services.events.clock = FixedClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    await services.users.pause(paused["id"])
    await services.users.unreachable(gone["id"])
    [preview] = await harness.send(admin, f"/newevent {LINE}")
    messages, _ = await harness.press_label(admin, preview, "📣 Publish")
    assert "it goes to 1 resident." in plain(messages[-1]["text"])
    rows = await services.db.fetch_all(
        "SELECT o.user_id, o.state, o.skip_reason FROM outbox o JOIN outbox_jobs j "
        "ON j.id = o.job_id WHERE j.kind = 'event' ORDER BY o.user_id"
    )
    assert [tuple(r) for r in rows] == [
        (ok["id"], "sent", None),
        (paused["id"], "skipped", "paused"),
        (gone["id"], "skipped", "unreachable"),
        (waiting["id"], "skipped", "pending"),
    ]
    await answer(harness, ok, 1, "going")
    await services.users.pause(ok["id"])  # paused since: the reminder skips them
    services.events.clock.now = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert (await handlers.run_due(services))[0] == 1
    state = await services.db.fetch_value(
        "SELECT o.skip_reason FROM outbox o JOIN outbox_jobs j ON j.id = o.job_id "
        "WHERE j.kind = 'event.reminder'"
    )
    assert state == "paused"


async def test_a_steward_moved_to_another_building_no_longer_manages_their_old_event(
    harness, admin
):
    maple, oak = await building(harness, "Maple Court"), await building(harness, "Oak House")
    await residents(harness, maple, 1, first_id=7900, locales=("en",))
    steward = harness.api.make_user(7950, "Stew", username="stew")
    await make_steward(harness, steward, maple)
    [preview] = await harness.send(steward, f"/newevent {maple} {LINE}")
    await harness.press_label(steward, preview, "📣 Publish")
    event_id = int(button_data(preview, "📣 Publish").rsplit(":", 1)[1])
    services = services_of(harness)
    await services.db.execute("DELETE FROM roles WHERE user_id = 7950")
    await make_steward(harness, steward, oak)
    await harness.send(steward, f"/editevent {event_id} title Taken over")
    event = await services.events.get(event_id)
    assert event.title == "Winter potluck"


async def test_a_reminder_whose_request_left_before_a_crash_is_never_sent_again(harness, admin):
    """At most once (issue 12): the bot is killed with reminders claimed. One resident's
    request had left (the limiter let it go: attempted_at written), so it may have arrived:
    after the restart it is not sent again. The others' had not: they are sent, once each.
    An announcement caught the same way is simply sent again (at least once)."""
    bid = await building(harness)
    people = await residents(harness, bid, 3, first_id=7560, locales=("en", "es", "en"))
    services = services_of(harness)
    clock = FixedClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    services.events.clock = clock
    event_id = await published(harness, admin)
    for person in people:
        await answer(harness, person, event_id, "going")
    clock.now = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)  # the 24 h reminder is due
    assert (await handlers.run_due(services))[0] == 1
    claim = await services.delivery.claim(30)  # the sender took the batch...
    reminder_rows = {d.user_id: d for d in claim.deliveries if d.once}
    assert set(reminder_rows) == {p["id"] for p in people}
    assert all("⏰" in str(d.payload) for d in reminder_rows.values()), reminder_rows
    first = people[0]["id"]
    await services.delivery.attempting(reminder_rows[first].id)  # ...its request left; kill
    before = len(harness.calls("sendMessage"))
    await services.delivery.resume()  # the restart
    await harness.drain()
    sent = [c.params["chat_id"] for c in harness.calls("sendMessage")[before:]]
    assert sorted(sent) == sorted(p["id"] for p in people[1:])  # each once, not the first
    row = await services.db.fetch_one(
        "SELECT state, error FROM outbox WHERE id = ?", (reminder_rows[first].id,)
    )
    assert row["state"] == "failed" and row["error"].startswith("interrupted")
