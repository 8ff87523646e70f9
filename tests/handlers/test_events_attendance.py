"""Events after the answer: a freed place is offered with a time limit (accepted, declined,
or lapsed to the next in order), what residents need is counted (small groups hidden, names
only with their leave), attendance by stewards and by "I was there", the follow-up kept
without a user id, and /eventreport through the one small-group function."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import FixedClock
from bot.handlers import event_attendance as after
from bot.views import buttons as b
from tests.handlers.test_announcements import building, make_steward, residents
from tests.handlers.test_events import answer, last, published, services_of
from tests.support import plain, tr

LINE = "2026-12-05 18:30 | Winter potluck | Community room"
BEFORE = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STARTED = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
NEEDS_TEXT = (
    "What do you need to take part in {title}? Tap what would help, tap again to take it "
    "away. Stewards see only how many people need each thing, never who, unless you say "
    "they may contact you."
)


def clocked(harness, now=BEFORE) -> FixedClock:
    clock = FixedClock(now)
    services_of(harness).events.clock = clock  # the attendance service reads the same clock
    return clock


def offers_to(harness, user):
    return [
        m
        for m in harness.api.bot_messages(user["id"])
        if m.get("reply_markup") and '"eo:' in str(m["reply_markup"]).replace("'", '"')
    ]


async def state_of(harness, event_id, user):
    return await services_of(harness).events.my_answer(event_id, user["id"])


# ------------------------------------------------------------------------------ offers
async def test_a_freed_place_is_offered_and_accepted_within_the_limit(harness, admin):
    bid = await building(harness)
    a, c, d, e = await residents(harness, bid, 4, first_id=8000, locales=("en",) * 4)
    clocked(harness)
    event_id = await published(harness, admin, f"{LINE} | 1")
    await answer(harness, a, event_id, "going")
    await answer(harness, c, event_id, "going")
    _, answers = await answer(harness, d, event_id, "going")
    assert "number 2 on the waitlist" in answers[-1].params["text"]
    await answer(harness, a, event_id, "no")  # a place frees up: c is offered it, not moved
    assert await state_of(harness, event_id, c) == "waitlist"
    [offer] = offers_to(harness, c)
    assert "A place is free for you at Winter potluck" in plain(offer["text"])
    assert "until Wednesday, December 2, 2026, 12:00" in plain(offer["text"])  # now + 12 h
    assert not offers_to(harness, d)
    # while the offer is open the place is held: a newcomer joins the waitlist
    _, answers = await answer(harness, e, event_id, "going")
    assert "waitlist" in answers[-1].params["text"]
    # someone else pressing c's offer gets nothing
    _, answers = await harness.press(d, offer, b.EvOffer(1, "yes").pack())
    assert "no longer open" in answers[-1].params["text"]
    _, answers = await harness.press_label(c, offer, "✅ Yes, I'll come")
    assert answers[-1].params["text"] == "You are going. See you there!"
    assert await state_of(harness, event_id, c) == "going"
    _, answers = await harness.press_label(c, offer, "✅ Yes, I'll come")  # twice: once
    assert "no longer open" in answers[-1].params["text"]
    # the notice went once, in the tick too
    assert (await after.run_due(services_of(harness)))["told"] == 0


async def test_an_offer_lapses_to_the_next_in_order_and_no_thanks_passes_it_on(harness, admin):
    bid = await building(harness)
    a, c, d, e = await residents(harness, bid, 4, first_id=8100, locales=("en", "en", "es", "en"))
    clock = clocked(harness)
    services = services_of(harness)
    event_id = await published(harness, admin, f"{LINE} | 1")
    for person in (a, c, d, e):
        await answer(harness, person, event_id, "going")
    await answer(harness, a, event_id, "no")
    assert len(offers_to(harness, c)) == 1 and not offers_to(harness, d)
    clock.advance(timedelta(hours=11, minutes=59))
    assert (await after.run_due(services))["lapsed"] == 0
    clock.advance(timedelta(minutes=2))  # past the 12 h: c's offer lapses, d is offered
    results = await asyncio.gather(*(after.run_due(services) for _ in range(3)))  # overlapping
    assert sum(r["lapsed"] for r in results) == 1 and sum(r["told"] for r in results) == 1
    assert (await after.run_due(services))["lapsed"] == 0  # once
    await harness.drain()
    assert await state_of(harness, event_id, c) == "no"
    [offer] = offers_to(harness, d)
    assert plain(offer["text"]).startswith(
        plain(
            tr(
                "es",
                "🎟 A place is free for you at {title}, {when}. Do you want it? It waits "
                "for you until {deadline}; after that it goes to the next person on the "
                "waitlist.",
                title="·",
                when="·",
                deadline="·",
            ).split("·")[0]
        )
    )
    _, answers = await harness.press_label(c, offers_to(harness, c)[0], "✅ Yes, I'll come")
    assert "no longer open" in answers[-1].params["text"]
    # d says No thanks: e (next in order) is offered it
    await harness.press(
        d, offer, b.unpack(offer["reply_markup"]["inline_keyboard"][0][1]["callback_data"]).pack()
    )
    assert await state_of(harness, event_id, d) == "no"
    [offer_e] = offers_to(harness, e)
    await harness.press_label(e, offer_e, "✅ Yes, I'll come")
    assert await services.events.counts(event_id) == {
        "going": 1,
        "maybe": 0,
        "no": 3,
        "waitlist": 0,
    }
    states = [o.state for o in await services.attendance.offers(event_id)]
    assert states == ["lapsed", "declined", "accepted"]


# ------------------------------------------------------------------------------ needs
async def test_needs_are_counted_and_small_groups_hidden(harness, admin):
    bid = await building(harness)
    locales = ("en", "es", "es", "es", "es", "es", "fr")
    people = await residents(harness, bid, 7, first_id=8200, locales=locales)
    clocked(harness)
    steward = harness.api.make_user(8290, "Stew", language_code="en")
    await make_steward(harness, steward, bid)
    event_id = await published(harness, admin, f"{bid} {LINE}")
    for i, person in enumerate(people):
        await answer(harness, person, event_id, "going")
        ask = last(harness, person)
        assert plain(ask["text"]) == tr(locales[i], NEEDS_TEXT, title="Winter potluck")
        if i < 6:  # six ask for interpretation: five into Spanish, one into English
            await harness.press(person, ask, b.EvNeed(event_id, "interpret").pack())
        if i == 0:
            await harness.press(person, ask, b.EvNeed(event_id, "childcare").pack())
            await harness.press(person, ask, b.EvNeedContact(event_id, "yes").pack())
        if i == 1:
            await harness.press(person, ask, b.EvNeed(event_id, "ride").pack())
            await harness.press(person, ask, b.EvNeed(event_id, "ride").pack())  # toggled off
        if i == 2:
            await harness.press(person, ask, b.EvNeed(event_id, "ride").pack())
    labels = [
        x["text"]
        for row in last(harness, people[0])["reply_markup"]["inline_keyboard"]
        for x in row
    ]
    assert "✅ 🧒 Childcare" in labels and "✅ 📞 You may contact me about these" in labels
    [report] = await harness.send(steward, f"/eventreport {event_id}")
    text = plain(report["text"])
    assert "• 🗣 Interpretation into my language: 6" in text
    assert "• 🧒 Childcare: –" in text and "• 🚗 A ride: –" in text
    assert "• ♿ Step-free access: –" in text
    # by language: English (1) is small, and Spanish is hidden with it, or 6 - 5 gives it away
    assert "• English: –" in text and "• Español: –" in text
    # names only of whoever said they may be contacted, and only for that need
    assert "Who said you may contact them" in text
    assert f"• 🧒 Childcare: {people[0]['first_name']}" in text
    assert people[1]["first_name"] not in text
    # someone who is not Going cannot add needs
    [other] = await residents(harness, bid, 1, first_id=8280, locales=("en",))
    _, answers = await harness.press(other, report, b.EvNeed(event_id, "ride").pack())
    assert "Answer Going first" in answers[-1].params["text"]


# ------------------------------------------------------------------------------ attendance
async def test_attendance_by_steward_and_by_i_was_there(harness, admin):
    maple, oak = await building(harness), await building(harness, "Oak House")
    people = await residents(harness, maple, 10, first_id=8300, locales=("en",))
    clock = clocked(harness)
    steward = harness.api.make_user(8390, "Stew", language_code="en")
    await make_steward(harness, steward, maple)
    stranger = harness.api.make_user(8391, "Oaky", language_code="en")
    await make_steward(harness, stranger, oak)
    event_id = await published(harness, admin, f"{maple} {LINE}")
    for person in people[:9]:
        await answer(harness, person, event_id, "going")
    await answer(harness, people[9], event_id, "maybe")
    [early] = await harness.send(steward, f"/attendance {event_id}")
    assert "has not started yet" in plain(early["text"])
    clock.now = STARTED
    [sheet] = await harness.send(steward, f"/attendance {event_id}")
    assert "Residents 1 to 8 of 10" in plain(sheet["text"])
    rows = sheet["reply_markup"]["inline_keyboard"]
    assert len(rows) == 8 + 2  # 8 people, the paging row, "everyone who said Going"
    first = rows[0][0]["callback_data"]
    messages, _ = await harness.press(steward, sheet, first)
    assert messages[-1]["reply_markup"]["inline_keyboard"][0][0]["text"].startswith("✅")
    # a steward of another building cannot press it, nor can a resident
    for data in (first, b.EvAttendAll(event_id, 0).pack(), b.EvAttendPage(event_id, 8).pack()):
        _, answers = await harness.press(stranger, sheet, data)
        assert "There is no event" in answers[-1].params["text"]
    _, answers = await harness.press(people[0], sheet, b.EvAttendAll(event_id, 0).pack())
    assert "steward" in answers[-1].params["text"].lower()
    # a steward demoted since the list was sent is refused at the press
    async with services_of(harness).db.transaction() as tx:
        await services_of(harness).roles.repo.revoke_all(1000, steward["id"], tx)
    _, answers = await harness.press(steward, sheet, b.EvAttendAll(event_id, 0).pack())
    assert "steward" in answers[-1].params["text"].lower()
    await make_steward(harness, steward, maple)
    messages, answers = await harness.press(steward, sheet, b.EvAttendAll(event_id, 0).pack())
    assert answers[-1].params["text"] == "9 residents marked present."
    messages, _ = await harness.press(steward, messages[-1], b.EvAttendPage(event_id, 8).pack())
    assert "Residents 9 to 10 of 10" in plain(messages[-1]["text"])
    # "I was there": sent once after the start to Going and Maybe
    services = services_of(harness)
    assert (await after.run_due(services))["there"] == 1
    assert (await after.run_due(services))["there"] == 0
    await harness.drain()
    there = last(harness, people[9])
    assert "were you there?" in plain(there["text"])
    _, answers = await harness.press_label(people[9], there, "🙋 I was there")
    assert answers[-1].params["text"] == "Thank you: you were there."
    clock.now = STARTED + timedelta(hours=49)  # past the window
    _, answers = await harness.press_label(people[9], there, "🙋 I was there")
    assert "too late" in answers[-1].params["text"]
    present = await services.db.fetch_value(
        "SELECT count(*) FROM event_attendance WHERE event_id = ? AND present = 1", (event_id,)
    )
    assert present == 10


# ------------------------------------------------------------------------------ follow-up
async def test_follow_up_is_kept_without_a_user_id_and_its_links_go(harness, admin):
    bid = await building(harness)
    a, c, d = await residents(harness, bid, 3, first_id=8400, locales=("en", "vi", "en"))
    clock = clocked(harness)
    services = services_of(harness)
    event_id = await published(harness, admin)
    for person in (a, c, d):
        await answer(harness, person, event_id, "going")
    clock.now = STARTED
    await after.run_due(services)
    await harness.drain()
    for person in (a, c, d):
        await harness.press(person, last(harness, person), b.EvThere(event_id).pack())
    done = await after.run_due(services)
    assert done["followed"] == 3
    assert (await after.run_due(services))["followed"] == 0  # one follow-up each
    await harness.drain()
    ask = last(harness, a)
    assert plain(ask["text"]).startswith("How was Winter potluck?")
    _, answers = await harness.press(a, ask, b.EvRate(event_id, "4").pack())
    assert answers[-1].params["text"] == "Thank you for your answer."
    _, answers = await harness.press(a, ask, b.EvRate(event_id, "1").pack())
    assert "already answered" in answers[-1].params["text"]
    await harness.press(c, last(harness, c), b.EvRate(event_id, "5").pack())
    await harness.press_label(a, ask, "✍️ Write a comment")
    [saved] = await harness.send(a, "Lovely evening, more chairs next time")
    assert "kept without your name" in plain(saved["text"])
    columns = [r[1] for r in await services.db.fetch_all("PRAGMA table_info(event_feedback)")]
    assert not any("user" in col for col in columns)
    rows = await services.db.fetch_all("SELECT rating, comment FROM event_feedback")
    assert sorted((r[0] or 0, r[1] or "") for r in rows) == [
        (0, "Lovely evening, more chairs next time"),
        (4, ""),
        (5, ""),
    ]
    mine = await services.privacy.export(c["id"])  # /mydata shows the new tables
    assert mine["event_attendance"][0]["present"] == 1
    assert mine["event_follow_ups_sent"] == [{"event_id": event_id, "rated": 1, "commented": 0}]
    links = "SELECT count(*) FROM event_followup_links WHERE user_id = ?"
    assert await services.db.fetch_value(links, (c["id"],)) == 1
    # /forget takes c's link (and attendance, needs, offers) away; the answers stay
    await services.privacy.forget(c["id"])
    assert await services.db.fetch_value(links, (c["id"],)) == 0
    assert (
        await services.db.fetch_value(
            "SELECT count(*) FROM event_attendance WHERE user_id = ?", (c["id"],)
        )
        == 0
    )
    assert await services.db.fetch_value("SELECT count(*) FROM event_feedback") == 3
    # when the follow-up window closes, every link goes
    clock.now = STARTED + timedelta(days=8)
    assert (await after.run_due(services))["closed"] == 1
    assert await services.db.fetch_value("SELECT count(*) FROM event_followup_links") == 0
    _, answers = await harness.press(d, last(harness, d), b.EvRate(event_id, "3").pack())
    assert "too late" in answers[-1].params["text"]
    [report] = await harness.send(admin, f"/eventreport {event_id}")
    text = plain(report["text"])
    assert "2 answers, 4.5 out of 5 on average" in text
    assert "💬 Lovely evening, more chairs next time" in text
    assert a["first_name"] not in text


# ------------------------------------------------------------------------------ the report
async def test_eventreport_hides_small_groups_including_by_differencing(harness, admin):
    maple, oak = await building(harness), await building(harness, "Oak House")
    maple_people = await residents(harness, maple, 7, first_id=8500, locales=("en",))
    oak_people = await residents(harness, oak, 2, first_id=8600, locales=("en",))
    db = services_of(harness).db
    await db.execute("UPDATE residents SET tenure = 'renter' WHERE user_id BETWEEN 8500 AND 8505")
    await db.execute("UPDATE residents SET tenure = NULL WHERE user_id = 8506")
    await db.execute(
        "UPDATE residents SET affordability = 'assisted' WHERE user_id BETWEEN 8500 AND 8505"
    )
    await db.execute("UPDATE residents SET affordability = 'market' WHERE user_id >= 8506")
    await db.execute("UPDATE residents SET tenure = 'owner' WHERE user_id >= 8600")
    [x] = await residents(harness, maple, 1, first_id=8700, locales=("en",))
    clock = clocked(harness)
    event_id = await published(harness, admin)
    everyone = maple_people + oak_people
    for person in everyone:
        await answer(harness, person, event_id, "going")
    await answer(harness, x, event_id, "no")
    clock.now = STARTED
    [sheet] = await harness.send(admin, f"/attendance {event_id}")
    await harness.press(admin, sheet, b.EvAttendAll(event_id, 0).pack())
    [report] = await harness.send(admin, f"/eventreport {event_id}")
    text = plain(report["text"])
    assert "Answers: Going 9 · Maybe 0 · Can't go 1 · Waitlist 0" in text
    assert "Present: 9" in text and "No-shows: 0 of 9 who said Going (0%)" in text
    # by building: Oak (2) is small; Maple (7) is hidden too, or 9 - 7 would give Oak away
    assert "• Oak House: –" in text and "• Maple Court: –" in text
    # by tenure: renters 6 shown; not given 1 and owners 2 small; nothing to work out
    assert "• renters: 6" in text
    assert "• tenure not given: –" in text
    assert "• owners: –" in text
    assert "• other arrangements: –" in text
    # by kind of unit: market-rate 3 is small, so assisted 6 is hidden too: 9 present - 6
    assert "• assisted or subsidised units: –" in text
    assert "• market-rate units: –" in text
    assert "– means none or too few to show" in text
    # a resident may not see the report; a steward of another building may not either
    [refused] = await harness.send(maple_people[0], f"/eventreport {event_id}")
    assert "Winter potluck" not in plain(refused["text"])
    steward = harness.api.make_user(8800, "Stew", language_code="en")
    await make_steward(harness, steward, oak)
    [refused] = await harness.send(steward, f"/eventreport {event_id}")
    assert "There is no event #1" in plain(refused["text"])


async def test_an_open_offer_of_a_cancelled_or_started_event_is_void(harness, admin):
    bid = await building(harness)
    a, c, d = await residents(harness, bid, 3, first_id=8900, locales=("en",) * 3)
    clock = clocked(harness)
    services = services_of(harness)
    event_id = await published(harness, admin, f"{LINE} | 1")
    for person in (a, c, d):
        await answer(harness, person, event_id, "going")
    await answer(harness, a, event_id, "no")  # c is offered the place
    [offer] = offers_to(harness, c)
    clock.now = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)  # the event starts: the offer ends
    await after.run_due(services)
    assert [o.state for o in await services.attendance.offers(event_id)] == ["void"]
    assert await state_of(harness, event_id, c) == "waitlist"  # nobody loses their answer
    assert not offers_to(harness, d)
    _, answers = await harness.press_label(c, offer, "✅ Yes, I'll come")
    assert "no longer open" in answers[-1].params["text"]
