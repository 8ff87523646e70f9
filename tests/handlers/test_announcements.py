"""Announcements, as stewards, organisers, translators and residents live them: write once,
see the languages covered, send to the right residents in their own language, with quiet
hours, a second approval for large sends, reports, edits, and replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as dtime

import pytest

from bot.handlers import announce
from bot.i18n import language_name
from bot.views import buttons as b
from tests.support import ADMIN_ID, plain, sign_up, tr

LOCALES = ("en", "es", "fr", "ar", "zh_Hans", "vi")


async def building(harness, name="Maple Court"):
    services = harness.app.bot_data["services"]
    return (await services.buildings.add(ADMIN_ID, name)).id


async def residents(harness, building_id, n, *, first_id, locales=LOCALES, status="approved"):
    """``n`` residents of ``building_id``, languages in turn, each with a chat with the bot."""
    services = harness.app.bot_data["services"]
    people = []
    for i in range(n):
        locale = locales[i % len(locales)]
        code = {"zh_Hans": "zh-hans"}.get(locale, locale)
        user = harness.api.make_user(first_id + i, f"R{first_id + i}", language_code=code)
        harness.api.world.register_user(user)  # they have opened a chat with the bot
        await sign_up(services, user, building_id, unit=f"{i + 1}A")
        await services.users.choose_locale(user["id"], locale)
        people.append(user)
    await services.db.execute(
        "UPDATE residents SET status = ? WHERE user_id BETWEEN ? AND ?",
        (status, first_id, first_id + n - 1),
    )
    return people


def last(harness, user):
    return harness.api.bot_messages(user["id"])[-1]


async def make_steward(harness, user, building_id):
    services = harness.app.bot_data["services"]
    await services.users.remember(user["id"], user.get("username"))
    async with services.db.transaction() as tx:
        await services.roles.repo.grant(ADMIN_ID, user["id"], "steward", building_id, tx)


# ------------------------------------------------------------------------------ one line
async def test_one_line_announcement_reaches_every_resident_in_their_language(harness, admin):
    bid = await building(harness)
    people = await residents(harness, bid, 6, first_id=5000)
    [card] = await harness.send(admin, "/announce all | Water is off on Tuesday 9-12.")
    text = plain(card["text"])
    assert "Announcement #1" in text
    for locale in LOCALES:  # the coverage names every language of the audience
        assert language_name(locale) in text
    # five languages are missing and will get the author's English
    assert text.count("missing, – will get English") == 5
    assert "fewer than 5" in text  # one resident per language: small groups hidden
    messages, _ = await harness.press_label(admin, card, "📣 Send now")
    assert any("going out now" in plain(m["text"]) for m in messages)
    for person, locale in zip(people, LOCALES, strict=True):
        got = plain(last(harness, person)["text"])
        assert "Water is off on Tuesday 9-12." in got
        header = tr(
            locale, "📣 <b>{building}</b> · announcement #{id}", building="Maple Court", id=1
        )
        assert plain(header) in got  # the header in the resident's own language
        labels = [
            btn["text"]
            for row in last(harness, person)["reply_markup"]["inline_keyboard"]
            for btn in row
        ]
        assert tr(locale, "👍 Got it") in labels


async def test_a_missing_language_can_be_written_and_residents_get_their_variant(harness, admin):
    bid = await building(harness)
    en, es = await residents(harness, bid, 2, first_id=5100, locales=("en", "es"))
    [card] = await harness.send(admin, "/announce all | Meeting tonight")
    prompt, _ = await harness.press_label(admin, card, f"➕ {language_name('es')}")
    assert "Español" in plain(prompt[0]["text"]) or "español" in plain(prompt[0]["text"])
    [card] = await harness.send(admin, "Reunión esta noche")
    assert "Español: – ✓" in plain(card["text"])
    await harness.press_label(admin, card, "📣 Send now")
    assert "Reunión esta noche" in plain(last(harness, es)["text"])
    assert "Meeting tonight" in plain(last(harness, en)["text"])


async def test_waiting_for_translations_holds_the_send(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 2, first_id=5150, locales=("en", "fr"))
    [card] = await harness.send(admin, "/announce all | Meeting tonight")
    [card], _ = await harness.press_label(admin, card, "Missing: send English")
    assert "will wait for a translation" in plain(card["text"])
    messages, answers = await harness.press_label(admin, card, "📣 Send now")
    said = plain(messages[-1]["text"]) if messages else answers[-1].params.get("text", "")
    assert "Some languages are still missing (fr)" in said


async def test_bad_audience_gets_a_clear_answer(harness, admin):
    await building(harness)
    [answer] = await harness.send(admin, "/announce lang:xx | hi")
    assert "I did not understand who should get it" in plain(answer["text"])
    [answer] = await harness.send(admin, "/announce all hi")
    assert "/announce 2,5 | Your text" in plain(answer["text"])


async def test_filters_narrow_the_audience(harness, admin):
    bid = await building(harness)
    en, es = await residents(harness, bid, 2, first_id=5200, locales=("en", "es"))
    [card] = await harness.send(admin, f"/announce {bid} lang:es | Hola")
    await harness.press_label(admin, card, "📣 Send now")
    assert "Hola" in plain(last(harness, es)["text"])
    assert not any("Hola" in plain(m.get("text", "")) for m in harness.api.bot_messages(en["id"]))


# ------------------------------------------------------------------------------ who gets it
async def test_skipped_residents_get_nothing_and_the_report_says_why(harness, admin):
    bid = await building(harness)
    _ok, paused, _banned, _pending = await residents(
        harness, bid, 4, first_id=5300, locales=("en",)
    )
    services = harness.app.bot_data["services"]
    await services.users.pause(paused["id"])
    await services.db.execute("UPDATE residents SET status = 'banned' WHERE user_id = 5302")
    await services.db.execute("UPDATE residents SET status = 'pending' WHERE user_id = 5303")
    [card] = await harness.send(admin, "/announce all | Bins moved")
    assert "It will go to 1 resident." in plain(card["text"])
    await harness.press_label(admin, card, "📣 Send now")
    for quiet_one in (5301, 5302, 5303):
        assert not any(
            "Bins moved" in plain(m.get("text", "")) for m in harness.api.bot_messages(quiet_one)
        )
    [report] = await harness.send(admin, "/report 1")
    text = plain(report["text"])
    assert "delivered: 1" in text
    assert "paused announcements 1" in text
    assert "blocked by a steward 1" in text
    assert "sign-up not approved yet 1" in text


async def test_a_steward_announces_to_their_own_buildings_only(harness, admin):
    mine, other = await building(harness, "Maple Court"), await building(harness, "Oak House")
    steward = harness.api.make_user(5400, "Stew", username="stew")
    await make_steward(harness, steward, mine)
    [mine_res] = await residents(harness, mine, 1, first_id=5401)
    [_other_res] = await residents(harness, other, 1, first_id=5402)
    [answer] = await harness.send(steward, f"/announce {other} | Hi")
    assert "is not one you look after" in plain(answer["text"])
    [card] = await harness.send(steward, "/announce all | Hi neighbours")
    assert "To: Maple Court" in plain(card["text"])
    await harness.press_label(steward, card, "📣 Send now")
    assert "Hi neighbours" in plain(last(harness, mine_res)["text"])
    assert not any(
        "Hi neighbours" in plain(m.get("text", "")) for m in harness.api.bot_messages(5402)
    )


async def test_residents_cannot_announce(harness, resident):
    [answer] = await harness.send(resident, "/announce all | hi")
    assert "only stewards and organisers" in plain(answer["text"])


# ------------------------------------------------------------------------------ effect once
async def test_a_double_pressed_send_sends_once(harness, admin):
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=5500)
    [card] = await harness.send(admin, "/announce all | Once only")
    await harness.press(admin, card, b.AnnSend(1).pack())
    messages, answers = await harness.press(admin, card, b.AnnSend(1).pack())
    got = [m for m in harness.api.bot_messages(person["id"]) if "Once only" in plain(m["text"])]
    assert len(got) == 1
    said = " ".join(plain(m["text"]) for m in messages) + " ".join(
        a.params.get("text", "") for a in answers
    )
    assert "It is being sent." in said or "It has been sent." in said


async def test_a_replayed_announce_update_creates_one_announcement(harness, admin):
    await building(harness)
    message = harness.api.send_message(admin, "/announce all | Replayed")
    update = {"update_id": 777001, "message": message}
    await harness.process(dict(update))
    await harness.process(dict(update))
    services = harness.app.bot_data["services"]
    assert await services.db.fetch_value("SELECT count(*) FROM announcements") == 1


# ---------------------------------------------------------------------- approval, quiet hours
async def test_a_large_send_waits_for_a_second_person(harness, admin):
    services = harness.app.bot_data["services"]
    services.announcements.approval_threshold = 2
    bid = await building(harness)
    people = await residents(harness, bid, 3, first_id=5600, locales=("en",))
    steward = harness.api.make_user(5650, "Stew", username="stew")
    await make_steward(harness, steward, bid)
    await harness.send(steward, "/start")
    [card] = await harness.send(admin, f"/announce {bid} | Big news")
    assert "a second steward or organiser approves it first" in plain(card["text"])
    [asked], _ = await harness.press_label(admin, card, "📣 Send now")
    assert "I have asked them" in plain(asked["text"])
    assert not any("Big news" in plain(m["text"]) for m in harness.api.bot_messages(5600))
    # the author cannot approve their own send, even with a forged press
    _messages, answers = await harness.press(admin, card, b.AnnApproveSend(1).pack())
    assert "another steward or organiser has to approve it" in answers[-1].params["text"]
    request = last(harness, steward)
    # the size of one building's audience is a small group here: not shown
    assert "wants to send announcement #1 to fewer than 5 residents" in plain(request["text"])
    await harness.press_label(steward, request, "✅ Approve and send")
    for person in people:
        assert "Big news" in plain(last(harness, person)["text"])
    assert any(
        "#1 is going out now" in plain(m["text"]) for m in harness.api.bot_messages(ADMIN_ID)
    )


@pytest.fixture
def quiet_now(harness):
    """Quiet hours around the present moment."""
    services = harness.app.bot_data["services"]
    now = datetime.now(UTC)
    start = (now - timedelta(hours=1)).time().replace(microsecond=0)
    end = (now + timedelta(hours=1)).time().replace(microsecond=0)
    services.announcements.quiet_hours = (start, end)
    return start, end


async def test_quiet_hours_hold_a_send_until_morning_unless_urgent(harness, admin, quiet_now):
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=5700)
    [card] = await harness.send(admin, "/announce all | Not urgent")
    assert "Quiet hours now" in plain(card["text"])
    [held], _ = await harness.press_label(admin, card, "📣 Send now")
    assert "waits for the end of quiet hours" in plain(held["text"])
    assert not any("Not urgent" in plain(m["text"]) for m in harness.api.bot_messages(5700))
    # the morning comes: the scheduled check sends it
    services = harness.app.bot_data["services"]
    await services.db.execute("UPDATE announcements SET send_at = '2000-01-01T00:00:00Z'")
    await announce.send_scheduled(_Context(harness))
    await harness.drain()
    assert "Not urgent" in plain(last(harness, person)["text"])
    # an urgent one goes at once
    [card] = await harness.send(admin, "/announce all | Gas leak: leave now")
    [card], _ = await harness.press_label(admin, card, "Urgent: no")
    await harness.press_label(admin, card, "📣 Send now")
    assert "Gas leak" in plain(last(harness, person)["text"])


class _Context:
    """Enough of a job's context for send_scheduled."""

    def __init__(self, harness):
        self.services = harness.app.bot_data["services"]
        self.bot_data = harness.app.bot_data
        self.bot = harness.app.bot
        self.application = harness.app


async def test_a_scheduled_announcement_goes_at_its_time(harness, admin):
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=5750)
    [card] = await harness.send(admin, "/announce all | Later")
    [choice], _ = await harness.press_label(admin, card, "🕘 Schedule")
    [_prompt], _ = await harness.press_label(admin, choice, "⌨️ Type a date and time")
    [answer] = await harness.send(admin, "2020-01-01 10:00")
    assert "That time has already passed" in plain(answer["text"])
    [answer] = await harness.send(admin, "2099-01-01 10:00")
    assert "will go at" in plain(answer["text"])
    await announce.send_scheduled(_Context(harness))
    await harness.drain()
    assert not any("Later" in plain(m["text"]) for m in harness.api.bot_messages(5750))
    services = harness.app.bot_data["services"]
    await services.db.execute("UPDATE announcements SET send_at = '2000-01-01T00:00:00Z'")
    await announce.send_scheduled(_Context(harness))
    await harness.drain()
    assert "Later" in plain(last(harness, person)["text"])


# ------------------------------------------------------------------------------ long texts, edits
async def test_a_long_announcement_is_split_between_words(harness, admin):
    bid = await building(harness)
    [_person] = await residents(harness, bid, 1, first_id=5800)
    words = " ".join(f"word{i}" for i in range(1200))  # about 9,000 characters
    [card] = await harness.send(admin, f"/announce all | {words}")
    await harness.press_label(admin, card, "📣 Send now")
    parts = [m for m in harness.api.bot_messages(5800) if "word" in m.get("text", "")]
    assert len(parts) == 3
    assert "(1/3)" in parts[0]["text"] and "(3/3)" in parts[2]["text"]
    joined = " ".join(plain(p["text"]).split("\n\n", 1)[1] for p in parts)
    assert joined.split() == words.split()
    assert parts[-1].get("reply_markup")  # the buttons are on the last part


async def test_editing_a_sent_announcement_updates_every_copy(harness, admin):
    bid = await building(harness)
    people = await residents(harness, bid, 2, first_id=5900, locales=("en",))
    [card] = await harness.send(admin, "/announce all | Meeting at 6")
    await harness.press_label(admin, card, "📣 Send now")
    [choice] = await harness.send(admin, "/editannounce 1")
    await harness.press_label(admin, choice, "English")
    await harness.send(admin, "Meeting at 7 (new time)")
    for person in people:
        copy = [m for m in harness.api.bot_messages(person["id"]) if "Meeting" in m["text"]]
        assert len(copy) == 1  # edited in place, not sent again
        assert "Meeting at 7 (new time)" in plain(copy[0]["text"])
        assert "(edited)" in plain(copy[0]["text"])


# ------------------------------------------------------------------------------ replies
async def test_got_it_and_a_question_relayed_to_the_stewards_and_back(harness, admin):
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=6000)
    steward = harness.api.make_user(6050, "Stew", username="stew")
    await make_steward(harness, steward, bid)
    await harness.send(steward, "/start")
    [card] = await harness.send(admin, "/announce all | Lift repairs")
    await harness.press_label(admin, card, "📣 Send now")
    post = last(harness, person)
    _m, answers = await harness.press_label(person, post, "👍 Got it")
    assert answers[-1].params["text"] == "Thank you!"
    await harness.press_label(person, post, "👍 Got it")  # twice counts once
    await harness.press_label(person, post, "❓ I have a question")
    await harness.send(person, "Will the lift work on Sunday?")
    notice = last(harness, steward)
    assert "Will the lift work on Sunday?" in plain(notice["text"])
    await harness.press_label(steward, notice, "↩️ Answer")
    await harness.send(steward, "Yes, from noon.")
    assert "Yes, from noon." in plain(last(harness, person)["text"])
    [report] = await harness.send(admin, "/report 1")
    assert "Got it: 1 · ❓ questions: 1" in plain(report["text"])


# ------------------------------------------------------------------------------ translators
async def test_a_translator_writes_a_missing_language_and_the_author_approves_it(harness, admin):
    bid = await building(harness)
    _en, _vi = await residents(harness, bid, 2, first_id=6100, locales=("en", "vi"))
    translator = harness.api.make_user(6150, "Tran", username="tran", language_code="vi")
    await harness.send(translator, "/start")
    [answer] = await harness.send(admin, "/translator @tran")
    assert "translator now" in plain(answer["text"])
    [card] = await harness.send(admin, "/announce all | Rent office closed Friday")
    _m, answers = await harness.press_label(admin, card, "🌐 Ask translators")
    assert "I asked 1 translator" in answers[-1].params["text"]
    [listing] = await harness.send(translator, "/translate")
    await harness.press_label(translator, listing, f"#1 → {language_name('vi')}")
    await harness.send(translator, "Văn phòng đóng cửa thứ Sáu")
    notice = last(harness, admin)
    assert "Văn phòng đóng cửa thứ Sáu" in plain(notice["text"])
    await harness.press_label(admin, notice, "✓ Use it")
    [card] = await harness.send(admin, "/announcements")
    assert "#1" in plain(card["text"])
    # the card (sent again by /announce's own button) now shows Vietnamese covered
    services = harness.app.bot_data["services"]
    texts = await services.announcements.texts(1)
    assert texts["vi"].approved
    ann = await services.announcements.reload(1)
    decision = await services.announcements.request_send(
        await services.roles.actor(ADMIN_ID), ann.id
    )
    assert decision.outcome == "go"


async def test_a_resident_cannot_translate(harness, resident):
    await harness.send(resident, "/start")
    [answer] = await harness.send(resident, "/translate")
    assert "Only translators can do that" in plain(answer["text"])


# ------------------------------------------------------------------------------ progress controls
async def test_cancelling_a_send_in_progress_stops_what_is_not_sent(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 3, first_id=6200, locales=("en",))
    [card] = await harness.send(admin, "/announce all | Cancel me")
    # press Send without letting the sender run
    update = harness.api.press_button(admin, card, b.AnnSend(1).pack())
    from telegram import Update

    await harness.app.process_update(Update.de_json(update, harness.app.bot))
    status = last(harness, admin)
    assert "⏸ Pause" in [
        btn["text"] for row in status["reply_markup"]["inline_keyboard"] for btn in row
    ]
    update = harness.api.press_button(admin, status, b.AnnControl(1, "cancel").pack())
    await harness.app.process_update(Update.de_json(update, harness.app.bot))
    await harness.drain()
    assert not any(
        "Cancel me" in plain(m.get("text", ""))
        for uid in (6200, 6201, 6202)
        for m in harness.api.bot_messages(uid)
    )
    [report] = await harness.send(admin, "/report 1")
    assert "send cancelled 3" in plain(report["text"])


async def test_forget_erases_a_residents_replies(harness, admin):
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=6300)
    [card] = await harness.send(admin, "/announce all | Hello")
    await harness.press_label(admin, card, "📣 Send now")
    await harness.press_label(person, last(harness, person), "👍 Got it")
    services = harness.app.bot_data["services"]
    await services.privacy.forget(person["id"])
    assert await services.db.fetch_value("SELECT count(*) FROM announcement_replies") == 0


def test_quiet_window_crosses_midnight():
    from zoneinfo import ZoneInfo

    from bot.services.announcements import quiet_window

    zone = ZoneInfo("Europe/Paris")
    quiet = (dtime(21, 0), dtime(8, 0))
    late = datetime(2026, 12, 1, 22, 30, tzinfo=zone)
    ends = quiet_window(late, quiet, zone)
    assert ends.astimezone(zone) == datetime(2026, 12, 2, 8, 0, tzinfo=zone)
    early = datetime(2026, 12, 2, 6, 0, tzinfo=zone)
    assert quiet_window(early, quiet, zone).astimezone(zone).hour == 8
    assert quiet_window(datetime(2026, 12, 2, 12, 0, tzinfo=zone), quiet, zone) is None


# ------------------------------------------------------------------------------ guided flow
async def test_the_guided_flow_with_a_filter_and_a_photo(harness, admin):
    from bot.sandbox.methods.media import store_file

    maple, oak = await building(harness, "Maple Court"), await building(harness, "Oak House")
    es_maple, en_maple = await residents(harness, maple, 2, first_id=6400, locales=("es", "en"))
    [es_oak] = await residents(harness, oak, 1, first_id=6410, locales=("es",))
    [picker] = await harness.send(admin, "/announce")
    assert "who should get it?" in plain(picker["text"])
    [picker], _ = await harness.press_label(admin, picker, "⬜ Maple Court")
    [picker], _ = await harness.press_label(admin, picker, language_name("es"))
    assert "✅ Maple Court" in [
        x["text"] for r in picker["reply_markup"]["inline_keyboard"] for x in r
    ]
    [prompt], _ = await harness.press_label(admin, picker, "Next ▶️")
    assert "You can send a photo" in plain(prompt["text"])
    photo = store_file(harness.api.world, "photo", "flyer.jpg", b"\xff\xd8 jpeg bytes")
    size = {
        "file_id": photo["file_id"],
        "file_unique_id": photo["file_unique_id"],
        "width": 10,
        "height": 10,
    }
    [card] = await harness.send(admin, None, photo=[size], caption="Potluck on Friday")
    text = plain(card["text"])
    assert "With a photo or document." in text
    assert "To: Maple Court · Español" in text
    await harness.press_label(admin, card, "📣 Send now")
    photos = [c for c in harness.calls("sendPhoto") if c.params["chat_id"] == es_maple["id"]]
    assert len(photos) == 1
    assert "Potluck on Friday" in plain(last(harness, es_maple)["text"])
    for other in (en_maple, es_oak):  # another language, another building: nothing
        assert not any(
            "Potluck" in plain(m.get("text", "")) for m in harness.api.bot_messages(other["id"])
        )


async def test_a_button_of_another_buildings_announcement_is_refused(harness, admin):
    mine, other = await building(harness, "Maple Court"), await building(harness, "Oak House")
    await residents(harness, other, 1, first_id=6500)
    [card] = await harness.send(admin, f"/announce {other} | For Oak only")
    steward = harness.api.make_user(6550, "Stew", username="stew")
    await make_steward(harness, steward, mine)
    await harness.send(steward, "/start")
    _m, answers = await harness.press(steward, card, b.AnnSend(1).pack())
    assert "no announcement #1 that you look after" in answers[-1].params["text"]
    assert not any(
        "For Oak only" in plain(m.get("text", "")) for m in harness.api.bot_messages(6500)
    )


async def test_an_announcement_to_the_people_who_answered_an_event(harness, admin):
    from tests.handlers.test_events import answer, published

    bid = await building(harness)
    going, maybe, no, silent = await residents(harness, bid, 4, first_id=6600, locales=("en",))
    event_id = await published(harness, admin)
    await answer(harness, going, event_id, "going")
    await answer(harness, maybe, event_id, "maybe")
    await answer(harness, no, event_id, "no")
    [card] = await harness.send(admin, f"/announce all event:{event_id} | The room changed")
    assert f"who answered event #{event_id}" in plain(card["text"])
    await harness.press_label(admin, card, "📣 Send now")
    for person, gets in ((going, True), (maybe, True), (no, False), (silent, False)):
        got = any(
            "The room changed" in plain(m.get("text", ""))
            for m in harness.api.bot_messages(person["id"])
        )
        assert got is gets, person["id"]
    [answer_] = await harness.send(admin, "/announce all event:999 | Nobody")
    assert "I did not understand who should get it (event:999)" in plain(answer_["text"])
