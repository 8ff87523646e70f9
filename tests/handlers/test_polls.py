"""Quick polls through the delivery engine (services level: the /poll commands and their
views are the next increment): native polls reach residents in three languages, answers are
added up over every copy, changed, withdrawn, counted once when replayed; close stops every
copy and freezes the result; results are hidden from stewards until close; breakdowns hide
small groups."""

from __future__ import annotations

import pytest

from bot.services.polls import PollProblem, parse_poll
from bot.services.roles import Actor, Role
from tests.handlers.test_announcements import building, residents

ORGANISER = Actor(1, Role.ORGANISER, None)


def test_the_one_line_form():
    draft = parse_poll("2 lang:es Which day? | Tue | Wed | multi | close 2h")
    assert (draft.audience_words, draft.question) == ("2 lang:es", "Which day?")
    assert (draft.options, draft.multi, draft.close_after) == (["Tue", "Wed"], True, 7200)
    with pytest.raises(PollProblem):
        parse_poll("Only one? | Yes")


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
