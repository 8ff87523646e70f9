"""Quick polls, as organisers, stewards and residents live them: /poll in one line (a preview
with Send, Cancel, the audience, several answers, the closing time and other languages) or
guided; native polls reach residents in their language, answers are added up over every copy,
changed, withdrawn; /closepoll and the tick stop every copy and freeze the result; /results
with bars, breakdowns through the small-group rule, and CSV; /polls; refusals and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.handlers import polls as poll_handlers
from bot.i18n import language_name
from bot.services.polls import PollProblem, parse_poll
from bot.services.roles import Actor, Role
from bot.views import buttons as b
from bot.views.common import shown_count
from tests.handlers.test_announcements import building, make_steward, residents
from tests.support import button_data, buttons, plain, tr

ORGANISER = Actor(1, Role.ORGANISER, None)


def test_the_one_line_form():
    draft = parse_poll("2 lang:es Which day? | Tue | Wed | multi | close 2h", {1, 2})
    assert (draft.audience_words, draft.question) == ("2 lang:es", "Which day?")
    assert (draft.options, draft.multi, draft.close_after) == (["Tue", "Wed"], True, 7200)
    with pytest.raises(PollProblem):
        parse_poll("Only one? | Yes", {1, 2})


def test_a_leading_number_is_a_building_only_when_that_building_exists():
    def read(line):
        draft = parse_poll(line, {1, 2})
        return draft.audience_words, draft.question

    assert read("3 bins on Monday? | Yes | No") == (None, "3 bins on Monday?")
    assert read("1,000 euros for the roof? | Yes | No") == (None, "1,000 euros for the roof?")
    assert read("2 bins on Monday? | Yes | No") == ("2", "bins on Monday?")
    assert read("1,2 bins on Monday? | Yes | No") == ("1,2", "bins on Monday?")
    # with a building 2, "all" first asks everyone about 2 bins
    assert read("all 2 bins on Monday? | Yes | No") == ("all", "2 bins on Monday?")


async def test_poll_answers_close_and_results(harness):
    services = harness.app.bot_data["services"]
    bid = await building(harness)
    people = await residents(harness, bid, 12, first_id=6000, locales=("en", "es", "ar"))
    poll = await services.polls.draft(ORGANISER, f"{bid} Bins on Monday? | Yes | No")
    poll = await services.polls.send(ORGANISER, poll.id, update_id=77)
    await harness.drain()
    copies = await services.polls.repo.copies(poll.id)
    assert len(copies) == 12 and poll.recipients == 12
    sent = harness.calls("sendPoll")
    assert len(sent) == 12 and all(not c.params.get("is_anonymous", True) for c in sent)
    poll_ids = {c["user_id"]: row for c, row in zip(copies, copies, strict=True)}
    ids = {
        r["user_id"]: (
            await services.db.fetch_value(
                "SELECT telegram_poll_id FROM poll_copies WHERE user_id = ?", (r["user_id"],)
            )
        )
        for r in poll_ids.values()
    }
    for i, person in enumerate(people):
        update = harness.api.answer_poll(person, ids[person["id"]], [0 if i < 8 else 1])
        await harness.process(update)
    replay = harness.api.answer_poll  # a replayed answer: the same row, counted once
    assert replay
    await services.polls.answer(ids[people[0]["id"]], people[0]["id"], [0])
    # changed and withdrawn
    await services.polls.answer(ids[people[1]["id"]], people[1]["id"], [1])
    await services.polls.answer(ids[people[2]["id"]], people[2]["id"], [])
    results = await services.polls.results(ORGANISER, poll.id)
    assert results.counts == [6, 5] and results.answered == 11 and results.sent_to == 12
    steward = Actor(2, Role.STEWARD, frozenset({bid}))
    with pytest.raises(PollProblem):
        await services.polls.results(steward, poll.id)
    await services.polls.close(ORGANISER, poll.id)
    await harness.drain()
    assert len(harness.calls("stopPoll")) == 12
    assert not await services.polls.answer(ids[people[3]["id"]], people[3]["id"], [1])
    results = await services.polls.results(steward, poll.id, "language")
    assert results.counts == [6, 5]
    for cells in results.breakdown.values():  # 4 people per language: every cell hidden
        assert all(v is None or v == 0 or v < 0 for v in cells.values()), cells


# ------------------------------------------------------------------------------ the commands


def polls_sent_to(harness, user):
    return [c for c in harness.calls("sendPoll") if c.params["chat_id"] == user["id"]]


def texts(messages):
    return "\n".join(plain(m.get("text") or m.get("caption") or "") for m in messages)


async def answer(harness, person, option_ids):
    """The person votes on the copy the bot sent them (as in Telegram's app)."""
    [call] = polls_sent_to(harness, person)
    poll_id = call.response["result"]["poll"]["id"]
    await harness.process(harness.api.answer_poll(person, poll_id, option_ids))


async def test_one_line_poll_preview_send_once_and_each_resident_gets_their_language(
    harness, admin
):
    services = harness.app.bot_data["services"]
    bid = await building(harness)
    en, es, ar = await residents(harness, bid, 3, first_id=6100, locales=("en", "es", "ar"))
    [card] = await harness.send(admin, f"/poll {bid} Bins on Monday? | Yes | No")
    text = plain(card["text"])
    assert "Poll #1" in text and "Bins on Monday?" in text and "1. Yes" in text
    assert "Maple Court" in text and "It will go to fewer than 5 residents." in text
    assert "Español: missing, – will get English" in text
    # another language, through the buttons
    [picker], _ = await harness.press_label(admin, card, "🌐 Add a language")
    [prompt], _ = await harness.press_label(admin, picker, f"➕ {language_name('es')}")
    assert "the question on the first line" in plain(prompt["text"])
    [answer_] = await harness.send(admin, "¿Contenedores el lunes?\nSí\nNo\nQuizás")
    assert "exactly 2 answers" in plain(answer_["text"])  # the same number of options
    [card] = await harness.send(admin, "¿Contenedores el lunes?\nSí\nNo")
    assert "Español: – ✓" in plain(card["text"])
    messages, _ = await harness.press_label(admin, card, "📊 Send the poll")
    assert "Poll #1 is going out now" in texts(messages)
    [to_es] = polls_sent_to(harness, es)
    assert to_es.params["question"] == "¿Contenedores el lunes?"
    assert [o["text"] for o in to_es.response["result"]["poll"]["options"]] == ["Sí", "No"]
    [to_en] = polls_sent_to(harness, en)
    [to_ar] = polls_sent_to(harness, ar)  # no Arabic text: the author's
    assert to_en.params["question"] == to_ar.params["question"] == "Bins on Monday?"
    assert to_en.params["is_anonymous"] is False
    # a second press (the card was edited: press the old Send again) sends nothing more
    _, alerts = await harness.press(admin, card, b.PollSend(1).pack())
    assert "already been sent" in alerts[-1].params["text"]
    assert len(harness.calls("sendPoll")) == 3
    assert (
        await services.db.fetch_value(
            "SELECT count(*) FROM audit_log WHERE action = 'poll.send' AND actor_id = "
            "(SELECT pseudonym FROM person_keys WHERE user_id = ?)",
            (admin["id"],),
        )
        == 1
    )


async def test_a_question_starting_with_a_number_goes_to_everyone_as_typed(harness, admin):
    bid = await building(harness)  # building 1; there is no building 3
    people = await residents(harness, bid, 2, first_id=6170, locales=("en",))
    [card] = await harness.send(admin, "/poll 3 bins on Monday? | Yes | No")
    text = plain(card["text"])
    assert "To: every building" in text and "\n3 bins on Monday?\n" in text, text
    await harness.press_label(admin, card, "📊 Send the poll")
    for person in people:
        [sent] = polls_sent_to(harness, person)
        assert sent.params["question"] == "3 bins on Monday?"
    # the number of a building that exists is still its audience
    [card] = await harness.send(admin, f"/poll {bid} Lift fixed? | Yes | No")
    text = plain(card["text"])
    assert "To: Maple Court" in text and "\nLift fixed?\n" in text, text


async def test_a_replayed_send_press_sends_once(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 2, first_id=6150, locales=("en",))
    [card] = await harness.send(admin, "/poll all Bins? | Yes | No")
    update = harness.api.press_button(admin, card, b.PollSend(1).pack())
    await harness.process(dict(update))
    await harness.process(dict(update))  # Telegram delivers it again after a restart
    assert len(harness.calls("sendPoll")) == 2


async def test_guided_poll_with_audience_buttons(harness, admin):
    maple = await building(harness)
    oak = await building(harness, "Oak House")
    await residents(harness, maple, 1, first_id=6200, locales=("en",))
    [oaky] = await residents(harness, oak, 1, first_id=6210, locales=("fr",))
    [prompt] = await harness.send(admin, "/poll")
    assert "Write the question" in plain(prompt["text"])
    [refused] = await harness.send(admin, "Which evening " * 30)
    assert "keep the question to 300 characters at most" in plain(refused["text"])
    [prompt] = await harness.send(admin, "Which evening suits you?")
    assert "one per line" in plain(prompt["text"])
    [refused] = await harness.send(admin, "Tuesday")
    assert "you gave 1" in plain(refused["text"])
    [card] = await harness.send(admin, "Tuesday\nWednesday\n\nThursday")
    text = plain(card["text"])
    assert "1. Tuesday" in text and "3. Thursday" in text and "every building" in text
    [picker], _ = await harness.press_label(admin, card, "👥 Audience")
    [picker], _ = await harness.press_label(admin, picker, "⬜ Oak House")
    assert ("✅ Oak House", b.PollBuilding(1, oak).pack()) in buttons(picker)
    [card], _ = await harness.press_label(admin, picker, "◀️ Back")
    assert "To: Oak House" in plain(card["text"])
    [card], _ = await harness.press_label(admin, card, "Several answers: no")
    assert "Several answers allowed." in plain(card["text"])
    await harness.press_label(admin, card, "📊 Send the poll")
    [only] = harness.calls("sendPoll")
    assert only.params["chat_id"] == oaky["id"] and only.params["allows_multiple_answers"]


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/poll Only one? | Yes", "from 2 to 12 answers to choose from; you gave 1"),
        (
            "/poll Too many? | " + " | ".join(str(i) for i in range(13)),
            "from 2 to 12 answers to choose from; you gave 13",
        ),
        ("/poll " + "Why " * 80 + "? | Yes | No", "keep the question to 300 characters at most"),
        ("/poll Long answer? | Yes | " + "n" * 101, "each answer to 100"),
        ("/poll No bar at all?", "then the answers, each after a bar"),
        ("/results 99", "There is no poll #99 that you look after"),
        ("/results seven", "There is no poll #seven"),
        ("/results", "Write the poll's number"),
        ("/closepoll", "Write the poll's number"),
        ("/closepoll 42", "There is no poll #42"),
        ("/poll all Q? | A | B | close 2020-01-01 10:00", "That time has already passed"),
        ("/poll all Q? | A | B | close 2099-13-01 10:00", "I could not read that time"),
    ],
)
async def test_bad_input_gets_a_clear_answer(harness, admin, line, said):
    await building(harness)
    [answer_] = await harness.send(admin, line)
    assert said in plain(answer_["text"])


async def test_a_bad_breakdown_is_explained(harness, admin):
    bid = await building(harness)
    await residents(harness, bid, 1, first_id=6250, locales=("en",))
    [card] = await harness.send(admin, "/poll Q? | A | B")
    await harness.press_label(admin, card, "📊 Send the poll")
    [answer_] = await harness.send(admin, "/results 1 colour")
    assert "split by building, tenure, affordability or language" in plain(answer_["text"])


async def test_residents_and_stewards_of_other_buildings_are_refused(harness, admin, resident):
    maple = await building(harness)
    oak = await building(harness, "Oak House")
    await residents(harness, maple, 2, first_id=6300, locales=("en",))
    harness.api.world.register_user(resident)
    steward = harness.api.make_user(6390, "Stew", language_code="en")
    other = harness.api.make_user(6391, "Otto", language_code="en")
    for person in (steward, other):
        harness.api.world.register_user(person)
    await make_steward(harness, steward, maple)
    await make_steward(harness, other, oak)
    refusal = tr("en", "Sorry, only stewards and organisers can use that command.")
    for line in ("/poll Q? | A | B", "/polls", "/results 1", "/closepoll 1"):
        [answer_] = await harness.send(resident, line)
        assert plain(answer_["text"]) == refusal
    # a steward's poll goes to their building by default; another building is refused
    [card] = await harness.send(steward, "/poll Bins? | Yes | No")
    assert "To: Maple Court" in plain(card["text"])
    [answer_] = await harness.send(steward, f"/poll {oak} Bins? | Yes | No")
    assert f"Building {oak} is not one you look after" in plain(answer_["text"])
    # buttons are checked at the press: a resident, and the other building's steward
    _, alerts = await harness.press(resident, card, b.PollSend(1).pack())
    assert alerts[-1].params["text"] == refusal
    _, alerts = await harness.press(other, card, b.PollSend(1).pack())
    assert "There is no poll #1 that you look after" in alerts[-1].params["text"]
    assert not harness.calls("sendPoll")
    await harness.press_label(steward, card, "📊 Send the poll")
    assert len(harness.calls("sendPoll")) == 2
    for line in ("/results 1", "/closepoll 1"):
        [answer_] = await harness.send(other, line)
        assert "There is no poll #1 that you look after" in plain(answer_["text"])
    [listed] = await harness.send(other, "/polls")
    assert "No polls yet" in plain(listed["text"])
    # a steward sees results only after close; the organiser at any time
    [answer_] = await harness.send(steward, "/results 1")
    assert "shown when it closes" in plain(answer_["text"])
    [shown] = await harness.send(admin, "/results 1")
    assert "0 of 2 answered" in plain(shown["text"])
    _, alerts = await harness.press_label(steward, shown, "🏢 Building")  # checked at the press
    assert "shown when it closes" in alerts[-1].params["text"]
    _, alerts = await harness.press_label(other, shown, "📄 CSV")
    assert "There is no poll #1 that you look after" in alerts[-1].params["text"]
    # demoted: the buttons refuse at the press
    await harness.send(admin, f"/demote {steward['id']}")
    [results] = await harness.send(admin, "/results 1")
    _, alerts = await harness.press_label(steward, results, "⏹ Close now")
    assert alerts[-1].params["text"] == refusal


async def test_answers_changed_withdrawn_results_breakdown_csv_and_close(harness, admin):
    services = harness.app.bot_data["services"]
    bid = await building(harness)
    people = await residents(harness, bid, 12, first_id=6400, locales=("en", "es", "ar"))
    [card] = await harness.send(admin, f"/poll {bid} Bins on Monday? | Yes | No")
    await harness.press_label(admin, card, "📊 Send the poll")
    for i, person in enumerate(people):
        await answer(harness, person, [0 if i < 8 else 1])
    await answer(harness, people[1], [])  # withdrawn
    await answer(harness, people[1], [1])  # and given again, differently
    await answer(harness, people[2], [])  # withdrawn
    [results, chart] = await harness.send(admin, "/results 1")
    assert chart["caption"] == "📊 Poll #1 as a chart."  # bars after the text
    assert chart["photo"][-1]["width"] == 800
    text = plain(results["text"])
    assert "Yes\n▇▇▇▇▇░░░░░ 55% · 6" in text  # 6 of 11
    assert "No\n▇▇▇▇▇░░░░░ 45% · 5" in text
    assert "11 of 12 answered (92%)." in text and "Still open" in text
    # the breakdown by language: 4 per language, every cell hidden
    [split], _ = await harness.press_label(admin, results, "🌐 Language")
    text = plain(split["text"])
    assert "By language" in text
    for locale in ("en", "es", "ar"):
        line = next(ln for ln in text.splitlines() if ln.startswith(language_name(locale)))
        cells = line.split(": ", 1)[1].split(" · ")
        hidden = (shown_count(None, 5), shown_count(-1, 5), "0")
        assert [c.split(" ", 1)[0] for c in cells] == ["Yes", "No"], line
        assert all(c.split(" ", 1)[1] in hidden for c in cells), line
    # the CSV: counts only
    messages, _ = await harness.press_label(admin, split, "📄 CSV")
    [document] = [m for m in messages if "document" in m]
    content = harness.api.files()[document["document"]["file_id"]][1].decode()
    assert "All answers,,Yes,6" in content and "All answers,,No,5" in content
    assert str(people[0]["id"]) not in content and "R6400" not in content
    assert shown_count(None, 5) in content
    # close: every copy is stopped, the result frozen, a late answer ignored
    [closed] = await harness.send(admin, "/closepoll 1")
    assert "Poll #1 is closed" in plain(closed["text"])
    assert len(harness.calls("stopPoll")) == 12
    late = {
        "poll_answer": {
            "poll_id": polls_sent_to(harness, people[3])[0].response["result"]["poll"]["id"],
            "user": dict(people[3]),
            "option_ids": [1],
            "option_persistent_ids": ["1"],
        }
    }
    await harness.process(late)
    final = await services.polls.results(ORGANISER, 1)
    assert final.counts == [6, 5] and final.answered == 11
    [again] = await harness.send(admin, "/closepoll 1")
    assert "already been sent or closed" in plain(again["text"])
    [results, _chart] = await harness.send(admin, "/results 1")
    assert "the result is final" in plain(results["text"])
    assert "⏹ Close now" not in [label for label, _ in buttons(results)]


async def test_polls_lists_state_and_answers(harness, admin):
    bid = await building(harness)
    people = await residents(harness, bid, 3, first_id=6500, locales=("en",))
    [card] = await harness.send(admin, "/poll Bins? | Yes | No")
    await harness.press_label(admin, card, "📊 Send the poll")
    await answer(harness, people[0], [1])
    await harness.send(admin, "/poll Later? | Yes | No")
    [cancel_me] = await harness.send(admin, "/poll Never? | Yes | No")
    [cancelled], _ = await harness.press_label(admin, cancel_me, "✖ Cancel")
    assert "Poll #3 was cancelled" in plain(cancelled["text"])
    [listed] = await harness.send(admin, "/polls")
    text = plain(listed["text"])
    assert "#1 · open · Bins? · 1 of 3 answered" in text
    assert "#2 · draft · Later?" in text and "#3" not in text


async def test_a_poll_closes_at_its_time(harness, admin):
    services = harness.app.bot_data["services"]
    clock = FixedClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    services.polls.clock = services.delivery.clock = clock
    bid = await building(harness)
    people = await residents(harness, bid, 2, first_id=6600, locales=("en",))
    [card] = await harness.send(admin, "/poll Bins? | Yes | No | close 2h")
    assert "Closes 2 hours after it is sent." in plain(card["text"])
    [card], _ = await harness.press_label(admin, card, "⏱ Closes: after 2 hours")
    assert "Closes 24 hours after it is sent." in plain(card["text"])
    await harness.press_label(admin, card, "📊 Send the poll")
    await answer(harness, people[0], [0])
    sender = harness.app.bot_data["sender"]
    clock.advance(timedelta(hours=23))
    assert await poll_handlers.run_due(services, sender) == []
    clock.advance(timedelta(hours=1))
    assert await poll_handlers.run_due(services, sender) == [1]
    await harness.drain()
    assert len(harness.calls("stopPoll")) == 2
    notice = plain(harness.api.bot_messages(admin["id"])[-1]["text"])
    assert "Poll #1 closed at the time you chose" in notice
    assert await poll_handlers.run_due(services, sender) == []  # once


async def test_a_poll_closes_at_a_time_of_day(harness, admin):
    services = harness.app.bot_data["services"]
    services.polls.clock = FixedClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    bid = await building(harness)
    await residents(harness, bid, 1, first_id=6700, locales=("en",))
    [card] = await harness.send(admin, "/poll Bins? | Yes | No | close 2026-12-05 18:00")
    assert "Closes on Dec 5, 2026, 6:00" in plain(card["text"])
    await harness.press_label(admin, card, "📊 Send the poll")
    poll = await services.polls.repo.get(1)
    assert poll.close_at == "2026-12-05T18:00:00Z"  # the community's zone: UTC in tests


async def test_a_breakdown_shows_groups_large_enough_and_actions_are_audited(harness, admin):
    services = harness.app.bot_data["services"]
    maple = await building(harness)
    oak = await building(harness, "Oak House")
    maples = await residents(harness, maple, 10, first_id=6800, locales=("en",))
    oaks = await residents(harness, oak, 5, first_id=6850, locales=("es",))
    [card] = await harness.send(admin, "/poll all Bins on Monday? | Yes | No")
    await harness.press_label(admin, card, "📊 Send the poll")
    for person in maples:
        await answer(harness, person, [0])
    for person in oaks:
        await answer(harness, person, [1])
    [split] = await harness.send(admin, "/results 1 building")
    text = plain(split["text"])
    # an empty cell looks like a hidden one
    assert "Maple Court: Yes 10 · No –" in text and "Oak House: Yes – · No 5" in text
    assert "– means none or too few to show" in text
    [split], _ = await harness.press_label(admin, split, "🌐 Language")
    text = plain(split["text"])
    assert "English: Yes 10 · No –" in text and "Español: Yes – · No 5" in text
    [cancel_me] = await harness.send(admin, "/poll Never? | Yes | No")
    await harness.press_label(admin, cancel_me, "✖ Cancel")
    await harness.send(admin, "/closepoll 1")
    rows = await services.db.fetch_all(
        "SELECT action, details FROM audit_log WHERE actor_id = "
        "(SELECT pseudonym FROM person_keys WHERE user_id = ?) AND action LIKE 'poll.%' "
        "ORDER BY id",
        (admin["id"],),
    )
    assert [(r["action"], r["details"]) for r in rows] == [
        ("poll.send", '{"poll": 1, "recipients": 15}'),
        ("poll.cancel", '{"poll": 2}'),
        ("poll.close", '{"poll": 1}'),
    ]


async def test_closing_a_poll_stops_the_copies_not_sent_yet(harness, admin):
    """A large poll still going out when it is closed: the copies waiting in the outbox are
    never sent (nobody receives a closed poll), and only the sent ones are stopped."""
    from telegram import Update

    from tests.handlers.test_surveys import outbox_of

    bid = await building(harness)
    people = await residents(harness, bid, 30, first_id=6900, locales=("en", "vi"))
    [card] = await harness.send(admin, f"/poll {bid} Bins on Monday? | Yes | No")
    sender = harness.app.bot_data["sender"]
    sender.batch = 8
    press = harness.api.press_button(admin, card, button_data(card, "📊 Send the poll"))
    press["update_id"] = next(harness._ids)
    await harness.app.process_update(Update.de_json(press, harness.app.bot))  # not sent yet
    assert await sender.run_once() == 8
    [closed] = await harness.send(admin, "/closepoll 1")  # and the sender runs dry
    assert "Poll #1 is closed" in plain(closed["text"])
    assert sum(len(polls_sent_to(harness, p)) for p in people) == 8
    assert len(harness.calls("stopPoll")) == 8
    assert await outbox_of(harness, "poll") == {("sent", None): 8, ("skipped", "cancelled"): 22}
