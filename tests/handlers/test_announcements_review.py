"""Announcements under a hostile review: each test is a defect the review found (all failed
before their fix), kept so that none comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import Update

from bot.views import buttons as b
from tests.handlers.test_announcements import (
    building,
    last,
    make_steward,
    residents,
)
from tests.support import ADMIN_ID, plain


def texts_of(harness, uid):
    return [plain(m.get("text", "") or m.get("caption", "")) for m in harness.api.bot_messages(uid)]


async def raw_press(harness, user, message, data):
    """Process a press without draining the outbox (the sender has not run yet)."""
    update = harness.api.press_button(user, message, data)
    await harness.app.process_update(Update.de_json(update, harness.app.bot))


# 1. privacy: /report hides small language groups per language only, but prints the exact
#    total, so the hidden cell is the total minus the shown one.
async def test_report_small_language_group_recoverable_by_differencing(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 6, first_id=7000, locales=("en",))
    await residents(harness, bid, 1, first_id=7010, locales=("ar",))
    [card] = await harness.send(admin, "/announce all | Hello")
    await harness.press_label(admin, card, "📣 Send now")
    [report] = await harness.send(admin, "/report 1")
    text = plain(report["text"])
    # "delivered: 7" overall, "English: delivered 6", "Arabic: delivered fewer than 5"
    assert not ("delivered: 7" in text and "delivered 6" in text), text


# 2. privacy: the card's total with a filter is the exact size of a small group.
async def test_card_total_reveals_small_tenure_group(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 6, first_id=7100, locales=("en",))
    services = harness.app.bot_data["services"]
    await services.db.execute(
        "UPDATE residents SET affordability = 'assisted' WHERE user_id IN (7100, 7101)"
    )
    [card] = await harness.send(admin, f"/announce {bid} afford:assisted | Subsidy forms")
    assert "It will go to 2 residents" not in plain(card["text"]), plain(card["text"])


# 3. two-person rule: whoever presses Send on someone else's draft can approve it themselves.
async def test_requester_approves_their_own_send_of_anothers_draft(harness, admin):
    services = harness.app.bot_data["services"]
    services.announcements.approval_threshold = 2
    bid = await building(harness)
    people = await residents(harness, bid, 3, first_id=7200, locales=("en",))
    steward = harness.api.make_user(7250, "Stew", username="stew")
    await make_steward(harness, steward, bid)
    await harness.send(steward, "/start")
    [card] = await harness.send(steward, f"/announce {bid} | draft by the steward")
    # the organiser rewrites it and sends it
    await harness.press(admin, card, b.AnnWrite(1, "en").pack())
    await harness.send(admin, "text nobody else has read")
    await harness.press(admin, card, b.AnnSend(1).pack())
    await harness.press(admin, card, b.AnnApproveSend(1).pack())  # approves own request
    assert not any("text nobody else" in t for t in texts_of(harness, people[0]["id"]))


# 4. two-person rule: after approval (held for quiet hours), the text can still be replaced.
async def test_text_replaced_after_approval_goes_out_unapproved(harness, admin):
    services = harness.app.bot_data["services"]
    services.announcements.approval_threshold = 2
    now = datetime.now(UTC)
    services.announcements.quiet_hours = (
        (now - timedelta(hours=1)).time().replace(microsecond=0),
        (now + timedelta(hours=1)).time().replace(microsecond=0),
    )
    bid = await building(harness)
    people = await residents(harness, bid, 3, first_id=7300, locales=("en",))
    steward = harness.api.make_user(7350, "Stew", username="stew")
    await make_steward(harness, steward, bid)
    await harness.send(steward, "/start")
    [card] = await harness.send(admin, f"/announce {bid} | Approved words")
    await harness.press_label(admin, card, "📣 Send now")
    await harness.press_label(steward, last(harness, steward), "✅ Approve and send")
    assert (await services.announcements.reload(1)).state == "scheduled"
    await harness.press(admin, card, b.AnnWrite(1, "en").pack())
    await harness.send(admin, "Words the approver never saw")
    await services.db.execute("UPDATE announcements SET send_at = '2000-01-01T00:00:00Z'")
    from bot.handlers import announce
    from tests.handlers.test_announcements import _Context

    await announce.send_scheduled(_Context(harness))
    await harness.drain()
    assert not any("never saw" in t for t in texts_of(harness, people[0]["id"]))


# 5. /editannounce while the send is still queued: 0 copies edited, the queued rows keep the
#    old text, so residents get the text the author just corrected.
async def test_edit_before_copies_are_sent_is_lost(harness, admin):
    bid = await building(harness)
    people = await residents(harness, bid, 2, first_id=7450, locales=("en",))
    [card] = await harness.send(admin, "/announce all | Meeting at 6")
    await raw_press(harness, admin, card, b.AnnSend(1).pack())  # queued, nothing sent yet
    # the author corrects it at once, through the typed answer, before the sender ran
    services = harness.app.bot_data["services"]
    await services.awaiting.ask(ADMIN_ID, "announce.edit", "1:en")
    message = harness.api.send_message(admin, "Meeting at 7")
    await harness.app.process_update(
        Update.de_json({"update_id": 99_000_001, "message": message}, harness.app.bot)
    )
    said = plain(last(harness, admin)["text"])
    await harness.drain()
    got = texts_of(harness, people[0]["id"])
    assert any("Meeting at 7" in t for t in got), (said, got)


# 6. /forget: a resident's question (name, unit, words) stays in the stewards' outbox rows.
async def test_forget_leaves_the_question_in_the_stewards_outbox(harness, admin):
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=7500)
    steward = harness.api.make_user(7550, "Stew", username="stew")
    await make_steward(harness, steward, bid)
    await harness.send(steward, "/start")
    [card] = await harness.send(admin, "/announce all | Lift repairs")
    await harness.press_label(admin, card, "📣 Send now")
    await harness.press_label(person, last(harness, person), "❓ I have a question")
    await harness.send(person, "My secret medical question")
    services = harness.app.bot_data["services"]
    await services.privacy.forget(person["id"])
    left = await services.db.fetch_value(
        "SELECT count(*) FROM outbox WHERE payload LIKE '%secret medical%'"
    )
    assert left == 0


# 7. A failed "Schedule" leaves send_at on the draft: "Send now" later schedules it instead.
async def test_send_now_after_a_refused_schedule_does_not_send_now(harness, admin):
    bid = await building(harness)
    en, _fr = await residents(harness, bid, 2, first_id=7600, locales=("en", "fr"))
    [card] = await harness.send(admin, "/announce all | Tonight")
    [card], _ = await harness.press_label(admin, card, "Missing: send English")  # wait
    await harness.press(admin, card, b.AnnWhen(1, "3h").pack())  # refused: fr missing
    services = harness.app.bot_data["services"]
    assert (await services.announcements.reload(1)).state == "draft"
    await harness.press(admin, card, b.AnnWrite(1, "fr").pack())
    [card] = await harness.send(admin, "Ce soir")
    messages, _ = await harness.press_label(admin, card, "📣 Send now")
    said = [plain(m["text"]) for m in messages]
    assert any("Tonight" in t for t in texts_of(harness, en["id"])), said


# 8. A translator opening a long announcement: the prompt is over Telegram's limit -> crash.
async def test_translate_prompt_for_a_long_announcement(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 2, first_id=7700, locales=("en", "vi"))
    translator = harness.api.make_user(7750, "Tran", username="tran", language_code="vi")
    await harness.send(translator, "/start")
    await harness.send(admin, "/translator @tran")
    words = " ".join(f"word{i}" for i in range(800))  # ~6,000 characters
    await harness.send(admin, f"/announce all | {words}")
    [listing] = await harness.send(translator, "/translate")
    _messages, answers = await harness.press(translator, listing, b.TranslatePick(1, "vi").pack())
    # "Message is too long" -> the generic "something went wrong" alert
    assert not any(a.params.get("show_alert") for a in answers), answers[-1].params


# 9. A steward moved off a building still manages (edits, reports) its announcements.
async def test_former_steward_still_edits_their_old_buildings_announcement(harness, admin):
    maple, oak = await building(harness, "Maple Court"), await building(harness, "Oak House")
    people = await residents(harness, maple, 1, first_id=7800, locales=("en",))
    steward = harness.api.make_user(7850, "Stew", username="stew")
    await make_steward(harness, steward, maple)
    await harness.send(steward, "/start")
    [card] = await harness.send(steward, f"/announce {maple} | Original")
    await harness.press_label(steward, card, "📣 Send now")
    services = harness.app.bot_data["services"]
    await services.db.execute("DELETE FROM roles WHERE user_id = 7850")
    await make_steward(harness, steward, oak)  # now looks after Oak House only
    [choice] = await harness.send(steward, "/editannounce 1")
    if choice.get("reply_markup"):
        await harness.press_label(steward, choice, "English")
        await harness.send(steward, "Rewritten by someone no longer in charge")
    assert not any("no longer in charge" in t for t in texts_of(harness, people[0]["id"]))


# 10. Anyone can press a forged "Got it" for any announcement (even a draft they never got).
async def test_forged_got_it_from_a_stranger_is_counted(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 1, first_id=7900)
    [card] = await harness.send(admin, "/announce all | Hello")
    await harness.press_label(admin, card, "📣 Send now")
    stranger = harness.api.make_user(7990, "Nobody")
    await harness.send(stranger, "/start")
    msg = harness.api.bot_messages(7990)[-1]
    await harness.press(stranger, msg, b.AnnGotIt(1).pack())
    services = harness.app.bot_data["services"]
    assert (await services.announcements.reply_counts(1)).get("got_it", 0) == 0


# 11. Nobody to approve: the author is told "I have asked them" and it waits forever.
async def test_large_send_with_no_possible_approver(harness, admin):
    services = harness.app.bot_data["services"]
    services.announcements.approval_threshold = 2
    bid = await building(harness)
    await residents(harness, bid, 3, first_id=8000, locales=("en",))
    [card] = await harness.send(admin, f"/announce {bid} | Big news")
    messages, answers = await harness.press_label(admin, card, "📣 Send now")
    said = [plain(m["text"]) for m in messages] + [a.params.get("text", "") for a in answers]
    assert not any("I have asked them" in t for t in said), "nobody was asked"
    assert any("nobody else can approve it yet" in t for t in said), said
    assert (await services.announcements.reload(1)).state == "draft"


# 12. A job finishes but the watcher never runs (crash between the batch's commit and the
#     watcher, or a watcher exception): the announcement stays 'sending' for good.
async def test_announcement_not_stuck_in_sending_when_the_watcher_missed_the_end(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 1, first_id=8100)
    [card] = await harness.send(admin, "/announce all | Hello")
    sender = harness.app.bot_data["sender"]
    watchers, sender.watchers = sender.watchers, []  # the process dies after the batch
    await raw_press(harness, admin, card, b.AnnSend(1).pack())
    await harness.drain()
    sender.watchers = watchers  # restart
    from bot.handlers import announce
    from tests.handlers.test_announcements import _Context

    await announce.send_scheduled(_Context(harness))
    await harness.drain()
    services = harness.app.bot_data["services"]
    assert (await services.announcements.reload(1)).state == "sent"
