"""Surveys in waves, as residents and organisers live them: invitations in each resident's
language, one question per message, answers editable until close, one reminder, results with
every small group hidden (also by differencing), the link table gone at close and by /forget,
the agency index across waves, and permissions checked at the moment of use."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.clock import FixedClock
from bot.handlers import surveys as survey_handlers
from bot.services.smallgroups import PROTECTED
from bot.services.surveys import AGENCY, SKIP
from bot.views import buttons as b
from tests.handlers.test_announcements import building, make_steward, residents
from tests.support import plain, tr

K = 5


def services_of(harness):
    return harness.app.bot_data["services"]


def freeze(harness, at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) -> FixedClock:
    clock = FixedClock(at)
    services_of(harness).surveys.clock = clock
    return clock


async def answer_all(harness, user, wave_id, values):
    """The resident presses Start on their invitation, then answers each question in turn
    (``SKIP`` skips); returns the last message (the thanks)."""
    invitation = next(
        m
        for m in reversed(harness.api.bot_messages(user["id"]))
        if b.SurveyStart(wave_id).pack() in str(m.get("reply_markup"))
    )
    messages, _ = await harness.press(user, invitation, b.SurveyStart(wave_id).pack())
    question = messages[-1]
    for index, value in enumerate(values):
        assert f"{index + 1}" in plain(question["text"])
        messages, _answers = await harness.press(
            user, question, b.SurveyAnswer(wave_id, index, value).pack()
        )
        question = messages[-1]
    return question


def chart_image(harness, message) -> Image.Image:
    """The photo the bot uploaded, opened as an image."""
    file_id = message["photo"][-1]["file_id"]
    _name, content = harness.api.files()[file_id]
    return Image.open(io.BytesIO(content))


async def rows(harness, sql, params=()):
    return await services_of(harness).db.fetch_all(sql, params)


def assert_no_small_cell(cells: dict, k: int = K) -> None:
    """What is shown of a breakdown: no count below k, and never exactly one hidden non-empty
    cell (the total minus the others would give it back)."""
    hidden = [g for g, n in cells.items() if n is None or n == PROTECTED]
    for n in cells.values():
        assert n is None or n == PROTECTED or n == 0 or n >= k
    assert len(hidden) != 1


async def dozen(harness):
    """Two buildings: 8 residents in en/es (Maple), 4 in fr/ar/zh_Hans/vi (Oak); tenures
    mixed so that the owners are a small group."""
    maple = await building(harness, "Maple Court")
    oak = await building(harness, "Oak House")
    people = await residents(harness, maple, 8, first_id=7000, locales=("en", "es"))
    people += await residents(harness, oak, 4, first_id=7100, locales=("fr", "ar", "zh_Hans", "vi"))
    await services_of(harness).db.execute(
        "UPDATE residents SET tenure = 'owner' WHERE user_id IN (7000, 7001, 7100)"
    )
    return maple, oak, people


# ------------------------------------------------------------------------------ a whole wave
async def test_a_wave_answered_by_a_dozen_residents_hides_every_small_group(harness, admin):
    freeze(harness)
    _maple, _oak, people = await dozen(harness)
    [opened] = await harness.send(admin, "/survey open agency 7 all")
    assert "Wave #1" in plain(opened["text"])
    for person in people:  # each invitation in the resident's own language, with a Start button
        invitation = harness.api.bot_messages(person["id"])[-1]
        assert b.SurveyStart(1).pack() in str(invitation["reply_markup"])
    assert "Start" in str(harness.api.bot_messages(people[0]["id"])[-1]["reply_markup"])
    assert tr("es", "▶️ Start") in str(harness.api.bot_messages(people[1]["id"])[-1])
    assert tr("ar", "▶️ Start") in str(harness.api.bot_messages(people[9]["id"])[-1])
    for i, person in enumerate(people):
        values = [(i % 5) + 1] * 5 + [5 if i % 2 else 1]
        if i == 3:
            values[2] = SKIP
        thanks = await answer_all(harness, person, 1, values)
        assert "🙏" in thanks["text"]
    # an answer can be changed until close: pressing again replaces it
    first = people[0]
    question = harness.api.bot_messages(first["id"])[1]
    edited, _ = await harness.press(first, question, b.SurveyAnswer(1, 0, 4).pack())
    assert "✅ 4" in str(edited[-1]["reply_markup"])
    say = await rows(harness, "SELECT count(*) FROM survey_answers WHERE question = 'say'")
    assert say[0][0] == 12  # replaced, not added

    # while open: rates only, never distributions
    [results, document] = await harness.send(admin, "/survey results 1")
    assert "shown once the wave is closed" in plain(results["text"])

    [closed] = await harness.send(admin, "/survey close 1")
    assert "nothing ties an answer to a person" in plain(closed["text"])
    assert (await rows(harness, "SELECT count(*) FROM survey_links"))[0][0] == 0

    [results, chart, document] = await harness.send(admin, "/survey results 1")
    text = plain(results["text"])
    assert "Residents who answered: 12" in text
    assert "Wave #1 as a chart" in chart["caption"]
    assert chart_image(harness, chart).size[0] == 800
    assert "Oak House: – answered" in text  # 4 in Oak
    assert "Maple Court: – answered" in text  # else 12 - 8 gives Oak away
    assert document["document"]["file_name"] == "wave-1.csv"

    # every breakdown the service publishes, checked cell by cell
    from bot.services.roles import Actor, Role

    organiser = Actor(admin["id"], Role.ADMIN, None)
    published = await services_of(harness).surveys.results(organiser, 1)
    for rates in published.rates.values():
        assert_no_small_cell({r.group: r.respondents for r in rates})
        assert_no_small_cell({r.group: r.not_heard for r in rates})
        for rate in rates:  # a rate only when both its cells can be shown
            if rate.percent is not None:
                assert rate.respondents >= K and (rate.not_heard == 0 or rate.not_heard >= K)
    assert set(published.rates) >= {"building", "tenure", "language"}
    assert published.distributions is not None
    for cells in published.distributions.values():
        assert_no_small_cell(cells)
    csv_rows = (await services_of(harness).surveys.csv_rows(organiser, 1))[1:]
    for row in csv_rows:
        if row[0].startswith("answered_") or row[0] == "answers":
            assert row[3] == "" or int(row[3]) >= K  # an empty cell looks like a hidden one


async def test_the_link_table_is_gone_after_the_wave_closes_at_its_time(harness, admin):
    clock = freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 5, first_id=7200)
    await harness.send(admin, "/survey open agency 2 all")
    await answer_all(harness, people[0], 1, [3, 3, 3, 3, 3, 5])
    assert (await rows(harness, "SELECT count(*) FROM survey_links"))[0][0] == 1
    clock.advance(timedelta(days=2, seconds=1))
    await survey_handlers.run_due(services_of(harness))
    assert (await rows(harness, "SELECT count(*) FROM survey_links"))[0][0] == 0
    assert (await rows(harness, "SELECT count(*) FROM survey_answers"))[0][0] == 6
    wave = (await rows(harness, "SELECT state FROM survey_waves WHERE id = 1"))[0][0]
    assert wave == "closed"
    # a press after close is refused
    question = harness.api.bot_messages(people[0]["id"])[1]
    _messages, answers = await harness.press(people[0], question, b.SurveyAnswer(1, 0, 1).pack())
    assert "closed" in str(answers[-1].params)


async def test_forget_removes_every_link_and_keeps_the_counts(harness, admin):
    freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 6, first_id=7300)
    await harness.send(admin, "/survey open agency 7 all")
    for person in people:
        await answer_all(harness, person, 1, [4, 4, 4, 4, 4, 5])
    before_answers = (await rows(harness, "SELECT count(*) FROM survey_answers"))[0][0]
    before_groups = await rows(
        harness, "SELECT dimension, grp, approved, respondents FROM survey_groups ORDER BY 1, 2"
    )
    leaver = people[2]
    [prompt] = await harness.send(leaver, "/forget")
    await harness.press(leaver, prompt, b.ForgetConfirm().pack())
    links = await rows(
        harness, "SELECT count(*) FROM survey_links WHERE user_id = ?", (leaver["id"],)
    )
    assert links[0][0] == 0
    assert (await rows(harness, "SELECT count(*) FROM survey_links"))[0][0] == 5
    assert (await rows(harness, "SELECT count(*) FROM survey_answers"))[0][0] == before_answers
    after_groups = await rows(
        harness, "SELECT dimension, grp, approved, respondents FROM survey_groups ORDER BY 1, 2"
    )
    assert [tuple(r) for r in after_groups] == [tuple(r) for r in before_groups]
    await harness.send(admin, "/survey close 1")
    [results, _chart, _doc] = await harness.send(admin, "/survey results 1")
    assert "Residents who answered: 6" in plain(results["text"])


async def test_the_agency_index_over_two_waves(harness, admin):
    clock = freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 5, first_id=7400)
    await harness.send(admin, "/survey open agency 7 all")
    for person in people:
        await answer_all(harness, person, 1, [5, 5, 5, 5, 5, 5])
    await harness.send(admin, "/survey close 1")
    clock.advance(timedelta(days=90))
    await harness.send(admin, "/survey open agency 7 all")
    for person in people:
        await answer_all(harness, person, 2, [3, 3, 3, 3, 3, 1])
    await harness.send(admin, "/survey close 2")
    [results, _chart, _doc] = await harness.send(admin, "/survey results 2")
    text = plain(results["text"])
    assert "Wave #1" in text and ": 100, from 5 residents" in text
    # wave 2: five 3s (50) and a no (0) per person: (5 * 50 + 0) / 6
    assert f": {round(250 / 6)}, from 5 residents" in text


async def test_one_reminder_only_to_those_who_have_not_finished(harness, admin):
    clock = freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 5, first_id=7500, locales=("en", "fr"))
    await harness.send(admin, "/survey open agency 7 all")
    await answer_all(harness, people[0], 1, [2, 2, 2, 2, 2, 1])  # finished
    await answer_all(harness, people[1], 1, [2, 2])  # started only
    clock.advance(timedelta(days=6, minutes=1))
    reminded, _closed = await survey_handlers.run_due(services_of(harness))
    assert reminded == 4
    again, _closed = await survey_handlers.run_due(services_of(harness))
    assert again == 0
    await harness.drain()
    for person in people:
        texts = [plain(m["text"]) for m in harness.api.bot_messages(person["id"])]
        count = sum("⏰" in t for t in texts)
        assert count == (0 if person is people[0] else 1)
    french = [plain(m["text"]) for m in harness.api.bot_messages(people[1]["id"])]
    assert any("⏰" in t and "questionnaire" in t for t in french)


async def test_permissions_are_checked_at_the_moment_of_use(harness, admin):
    freeze(harness)
    maple = await building(harness, "Maple Court")
    oak = await building(harness, "Oak House")
    people = await residents(harness, maple, 5, first_id=7600)
    await residents(harness, oak, 5, first_id=7700)
    steward = harness.api.make_user(7900, "Stew", language_code="en")
    harness.api.world.register_user(steward)
    other = harness.api.make_user(7901, "Otto", language_code="en")
    harness.api.world.register_user(other)
    await make_steward(harness, steward, maple)
    await make_steward(harness, other, oak)
    # a steward opens for their own building; "all" means their buildings
    [opened] = await harness.send(steward, "/survey open agency 3")
    assert "Wave #1" in plain(opened["text"])
    audience = await rows(harness, "SELECT audience FROM survey_waves WHERE id = 1")
    assert f"[{maple}]" in audience[0][0]
    [refused] = await harness.send(steward, f"/survey open agency 3 {oak}")
    assert "not one you look after" in plain(refused["text"])
    # another building's steward does not see it
    [answer] = await harness.send(other, "/survey results 1")
    assert "no survey wave #1" in plain(answer["text"])
    # a resident is refused
    [answer] = await harness.send(people[0], "/survey list")
    assert "only stewards and organisers" in plain(answer["text"])
    # a resident banned after the invitation can no longer answer
    await services_of(harness).db.execute(
        "UPDATE residents SET status = 'banned' WHERE user_id = ?", (people[1]["id"],)
    )
    invitation = harness.api.bot_messages(people[1]["id"])[-1]
    _m, answers = await harness.press(people[1], invitation, b.SurveyStart(1).pack())
    assert tr("es", "This survey is not open to you.") in str(answers[-1].params)
    # the steward loses the role: the wave is no longer theirs to close
    await harness.send(admin, f"/demote {steward['id']}")
    [answer] = await harness.send(steward, "/survey close 1")
    assert "only stewards and organisers" in plain(answer["text"])
    # an old button of another survey or a forged one is stale
    _m, answers = await harness.press(people[0], invitation, "sv:a:1:99:3")
    assert answers


async def test_survey_command_usage_and_list(harness, admin):
    freeze(harness)
    maple = await building(harness)
    await residents(harness, maple, 2, first_id=7800)
    [usage] = await harness.send(admin, "/survey")
    assert "/survey open agency" in plain(usage["text"])
    [empty] = await harness.send(admin, "/survey list")
    assert "No survey waves yet" in plain(empty["text"])
    [bad] = await harness.send(admin, "/survey open mood")
    assert "I don't know a survey called mood" in plain(bad["text"])
    [bad] = await harness.send(admin, "/survey open agency 999")
    assert "from 1 to 28" in plain(bad["text"])


async def test_survey_list_shows_open_waves(harness, admin):
    freeze(harness)
    maple = await building(harness)
    await residents(harness, maple, 2, first_id=7850)
    await harness.send(admin, "/survey open agency")
    [listing] = await harness.send(admin, "/survey list")
    assert "#1" in plain(listing["text"]) and "open until" in plain(listing["text"])
    assert len(AGENCY) == 6  # the built-in survey: six questions


# ------------------------------------------------------------------------------ you said, we did
async def test_a_follow_up_reaches_who_answered_counted_not_named(harness, admin):
    freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 8, first_id=7950, locales=("en", "es"))
    await harness.send(admin, "/survey open agency 7 all")
    answered = people[:6]
    for person in answered:
        await answer_all(harness, person, 1, [4, 4, 4, 4, 4, 5])
    # a follow-up is for a closed wave only (who answered is known once it closed)
    [refused] = await harness.send(admin, "/announce all survey:1 | We heard you")
    assert "I did not understand who should get it" in plain(refused["text"])
    await harness.send(admin, "/survey close 1")
    respondents = await rows(harness, "SELECT user_id FROM survey_respondents ORDER BY 1")
    assert [r[0] for r in respondents] == [p["id"] for p in answered]
    # one of them leaves: they are no longer reachable by the follow-up
    leaver = answered[0]
    [prompt] = await harness.send(leaver, "/forget")
    await harness.press(leaver, prompt, b.ForgetConfirm().pack())
    [card] = await harness.send(admin, "/announce all survey:1 | You said, we did: new lights.")
    text = plain(card["text"])
    assert "who answered survey wave 1" in text
    await harness.press_label(admin, card, "📣 Send now")
    for person in people:
        got = [plain(m["text"]) for m in harness.api.bot_messages(person["id"])]
        reached = any("new lights" in t for t in got)
        assert reached == (person in answered[1:])


async def test_affordability_is_a_breakdown(harness, admin):
    """The sign-up's second question splits the results like the first."""
    freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 6, first_id=8100)
    db = services_of(harness).db
    await db.execute("UPDATE residents SET affordability = 'assisted' WHERE user_id < 8103")
    await harness.send(admin, "/survey open agency 7 all")
    for person in people:
        await answer_all(harness, person, 1, [3, 3, 3, 3, 3, 5])
    await harness.send(admin, "/survey close 1")
    [results, _chart, _doc] = await harness.send(admin, "/survey results 1")
    text = plain(results["text"])
    assert "By affordability" in text
    assert "assisted or subsidised units: – answered" in text
    assert "don't know: – answered" in text


async def test_the_chart_is_in_the_readers_language_and_left_out_without_its_fonts(
    harness, admin, monkeypatch
):
    """A photo after the text, drawn in the organiser's language; on a machine without a
    font for it (Chinese here), the text and the CSV come and no chart of boxes does."""
    from bot.views import charts

    freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 5, first_id=8200)
    await harness.send(admin, "/survey open agency 7 all")
    for person in people:
        await answer_all(harness, person, 1, [4, 4, 2, 4, 4, 5])
    await harness.send(admin, "/survey close 1")
    await services_of(harness).users.choose_locale(admin["id"], "zh_Hans")
    drawn: list[str] = []
    original = charts._Sheet.png

    def png(sheet):
        drawn.extend(t.get_text() for t in sheet.fig.texts)
        return original(sheet)

    monkeypatch.setattr(charts._Sheet, "png", png)
    [results, chart, document] = await harness.send(admin, "/survey results 1")
    assert tr("zh_Hans", "Residents who answered: {count}", count=5) in plain(results["text"])
    assert chart["caption"] == tr(
        "zh_Hans", "📊 Wave #{wave} as a chart: the answers and the agency index.", wave=1
    )
    picture = chart_image(harness, chart)
    assert picture.size[0] == 800 and picture.size[1] > 600
    assert tr("zh_Hans", "Answers, wave #{wave}", wave=1) in drawn
    assert tr("zh_Hans", "Agency index across waves") in drawn
    assert document["document"]["file_name"] == "wave-1.csv"

    dejavu = charts.installed_fonts()[-1]
    assert dejavu[0] == "DejaVu Sans"
    monkeypatch.setattr(charts, "installed_fonts", lambda: (dejavu,))
    [results, document] = await harness.send(admin, "/survey results 1")
    assert tr("zh_Hans", "Residents who answered: {count}", count=5) in plain(results["text"])
    assert "document" in document


async def test_a_chart_that_fails_to_draw_leaves_the_results_alone(harness, admin, monkeypatch):
    freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 5, first_id=8300)
    await harness.send(admin, "/survey open agency 7 all")
    for person in people:
        await answer_all(harness, person, 1, [3, 3, 3, 3, 3, 1])
    await harness.send(admin, "/survey close 1")

    def broken(results, k):
        raise MemoryError("no room to draw")

    monkeypatch.setattr(survey_handlers.views, "results_chart", broken)
    [results, document] = await harness.send(admin, "/survey results 1")
    assert "Residents who answered: 5" in plain(results["text"])
    assert document["document"]["file_name"] == "wave-1.csv"


# ------------------------------------------------------------------------------ closing mid-send
async def unsent(harness, user, text):
    """``user`` sends ``text`` and the bot handles it, but the sender does not run: what the
    command queued waits in the outbox (a large wave's invitations, still going out)."""
    from telegram import Update

    message = harness.api.send_message(user, text)
    update = {"update_id": next(harness._ids), "message": message}
    await harness.app.process_update(Update.de_json(update, harness.app.bot))


def received(harness, people, mark: str) -> int:
    """How many of ``people``'s messages from the bot start with ``mark`` (📋 an invitation,
    ⏰ a reminder)."""
    return sum(
        plain(m.get("text", "")).startswith(mark)
        for person in people
        for m in harness.api.bot_messages(person["id"])
    )


async def outbox_of(harness, kind):
    """(state, skip reason) -> rows of the jobs of ``kind``."""
    found = await rows(
        harness,
        "SELECT o.state, o.skip_reason, count(*) FROM outbox o "
        "JOIN outbox_jobs j ON j.id = o.job_id WHERE j.kind = ? GROUP BY 1, 2",
        (kind,),
    )
    return {(r[0], r[1]): r[2] for r in found}


async def part_way(harness, admin, n, *, days=7, first_id=8400):
    """A wave opened to ``n`` residents, and the sender one batch of 8 into its invitations."""
    clock = freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, n, first_id=first_id, locales=("en", "es", "ar"))
    sender = harness.app.bot_data["sender"]
    sender.batch = 8
    await unsent(harness, admin, f"/survey open agency {days} all")
    assert await sender.run_once() == 8
    assert received(harness, people, "📋") == 8
    return clock, people


async def test_closing_a_wave_stops_the_invitations_not_sent_yet(harness, admin):
    _clock, people = await part_way(harness, admin, 30)
    [closed] = await harness.send(admin, "/survey close 1")  # and the sender runs dry
    assert "Wave #1 is closed" in plain(closed["text"])
    await harness.drain()
    assert received(harness, people, "📋") == 8  # the 22 still waiting never went out
    assert await outbox_of(harness, "survey") == {("sent", None): 8, ("skipped", "cancelled"): 22}
    # a Start pressed on one that did arrive says the wave is closed
    reached = next(p for p in people if harness.api.bot_messages(p["id"]))
    invitation = harness.api.bot_messages(reached["id"])[-1]
    _messages, answers = await harness.press(reached, invitation, b.SurveyStart(1).pack())
    assert "closed" in str(answers[-1].params)
    # and closing again is refused, queueing nothing
    [again] = await harness.send(admin, "/survey close 1")
    assert "This survey wave is closed" in plain(again["text"])
    assert received(harness, people, "📋") == 8


async def test_a_wave_closing_at_its_time_stops_the_invitations_not_sent_yet(harness, admin):
    clock, people = await part_way(harness, admin, 30, days=2)
    clock.advance(timedelta(days=2, seconds=1))
    _reminded, closed = await survey_handlers.run_due(services_of(harness))
    assert closed == 1
    await harness.drain()
    assert received(harness, people, "📋") == 8
    assert await outbox_of(harness, "survey") == {("sent", None): 8, ("skipped", "cancelled"): 22}


async def test_closing_a_wave_stops_its_reminders_not_sent_yet(harness, admin):
    clock = freeze(harness)
    maple = await building(harness)
    people = await residents(harness, maple, 30, first_id=8500, locales=("en", "fr"))
    await harness.send(admin, "/survey open agency 7 all")
    assert received(harness, people, "📋") == 30
    clock.advance(timedelta(days=6, minutes=1))
    reminded, _closed = await survey_handlers.run_due(services_of(harness))  # queued, not sent
    assert reminded == 30
    sender = harness.app.bot_data["sender"]
    sender.batch = 8
    assert await sender.run_once() == 8
    [closed] = await harness.send(admin, "/survey close 1")
    assert "Wave #1 is closed" in plain(closed["text"])
    await harness.drain()
    assert received(harness, people, "⏰") == 8
    assert await outbox_of(harness, "survey.reminder") == {
        ("sent", None): 8,
        ("skipped", "cancelled"): 22,
    }
    assert await outbox_of(harness, "survey") == {("sent", None): 30}  # delivered: as they were
