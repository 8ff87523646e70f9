"""Polls in the sandbox: sendPoll, stopPoll and users voting (poll_answer / poll updates)."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import BadRequest

from bot.sandbox.core import FakeBotApi

# Fields the Bot API (10.x) requires on Poll, PollOption and PollAnswer objects.
POLL_FIELDS = {
    "id",
    "question",
    "options",
    "total_voter_count",
    "is_closed",
    "is_anonymous",
    "type",
    "allows_multiple_answers",
    "allows_revoting",
    "members_only",
}
OPTION_FIELDS = {"persistent_id", "text", "voter_count"}
ANSWER_FIELDS = {"poll_id", "option_ids", "option_persistent_ids"}


@pytest.fixture
def sam(api: FakeBotApi) -> dict:
    user = api.make_user(1000, "Sam")
    api.send_message(user, "hi")
    return user


async def test_poll_object_has_the_required_fields(api: FakeBotApi, tg_bot: Bot, sam) -> None:
    msg = await tg_bot.send_poll(1000, "Paint the hall?", ["Yes", "No"])
    poll = api.last_bot_message(1000)["poll"]
    assert set(poll) >= POLL_FIELDS
    assert all(set(option) >= OPTION_FIELDS for option in poll["options"])
    assert poll["is_anonymous"] is True and poll["allows_revoting"] is True
    assert msg.poll.type == "regular" and msg.poll.allows_revoting is True


async def test_votes_give_poll_answer_and_poll_updates(api: FakeBotApi, tg_bot: Bot, sam) -> None:
    lee = api.make_user(3000, "Lee")
    msg = await tg_bot.send_poll(
        1000, "Which days?", ["Mon", "Tue", "Wed"], is_anonymous=False, allows_multiple_answers=True
    )
    skip = len(api.pending_updates())
    answer = api.answer_poll(sam, msg.poll.id, [0, 2])
    api.answer_poll(lee, msg.poll.id, [2])
    assert set(answer["poll_answer"]) >= ANSWER_FIELDS
    updates = (await tg_bot.get_updates())[skip:]
    assert [("poll_answer" if u.poll_answer else "poll") for u in updates] == [
        "poll_answer",
        "poll",
        "poll_answer",
        "poll",
    ]
    assert updates[0].update_id == answer["update_id"]
    assert updates[0].poll_answer.option_ids == (0, 2)
    assert updates[0].poll_answer.option_persistent_ids == ("0", "2")
    assert updates[0].poll_answer.user.id == 1000
    state = updates[-1].poll
    assert [o.voter_count for o in state.options] == [1, 0, 2] and state.total_voter_count == 2

    retract = api.answer_poll(sam, msg.poll.id, [])  # an empty list takes the vote back
    assert retract["poll_answer"]["option_ids"] == []
    poll = api.last_bot_message(1000)["poll"]
    assert [o["voter_count"] for o in poll["options"]] == [0, 0, 1]
    assert poll["total_voter_count"] == 1

    stopped = await tg_bot.stop_poll(1000, msg.message_id)
    assert stopped.is_closed and stopped.total_voter_count == 1
    with pytest.raises(ValueError, match="closed"):
        api.answer_poll(lee, msg.poll.id, [0])


async def test_anonymous_poll_gives_no_poll_answer(api: FakeBotApi, tg_bot: Bot, sam) -> None:
    msg = await tg_bot.send_poll(1000, "Paint the hall?", ["Yes", "No"])
    skip = len(api.pending_updates())
    update = api.answer_poll(sam, msg.poll.id, [1])
    assert "poll_answer" not in update and update["poll"]["options"][1]["voter_count"] == 1
    (only,) = (await tg_bot.get_updates())[skip:]
    assert only.poll is not None and only.poll.total_voter_count == 1


async def test_votes_the_poll_does_not_allow(api: FakeBotApi, tg_bot: Bot, sam) -> None:
    msg = await tg_bot.send_poll(1000, "One?", ["A", "B"], is_anonymous=False)
    with pytest.raises(ValueError, match=r"options 0\.\.1 only"):
        api.answer_poll(sam, msg.poll.id, [2])
    with pytest.raises(ValueError, match="one answer only"):
        api.answer_poll(sam, msg.poll.id, [0, 1])
    with pytest.raises(ValueError, match="only once"):
        api.answer_poll(sam, msg.poll.id, [0, 0])
    api.answer_poll(sam, msg.poll.id, [0])
    api.answer_poll(sam, msg.poll.id, [1])  # regular polls allow changing a vote
    fixed = await tg_bot.send_poll(1000, "Final?", ["A", "B"], allows_revoting=False)
    api.answer_poll(sam, fixed.poll.id, [0])
    with pytest.raises(ValueError, match="does not allow changing"):
        api.answer_poll(sam, fixed.poll.id, [])
    # a poll the sandbox never sent (a raw id): the poll_answer is queued as given
    raw = api.answer_poll(sam, "999", [5])
    assert raw["poll_answer"]["option_persistent_ids"] == ["5"]


async def test_quiz_correct_option_ids(api: FakeBotApi, tg_bot: Bot, sam) -> None:
    quiz = await tg_bot.send_poll(
        1000, "2+2?", ["3", "4", "5"], type="quiz", correct_option_ids=[1]
    )
    assert quiz.poll.correct_option_ids == (1,)
    stored = api.last_bot_message(1000)["poll"]
    assert stored["correct_option_ids"] == [1] and "correct_option_id" not in stored
    assert stored["allows_revoting"] is False  # the default for quizzes
    status, body = await api.handle(
        api.token,
        "sendPoll",
        {
            "chat_id": "1000",
            "question": "Old style",
            "options": '["a", "b"]',
            "type": "quiz",
            "correct_option_id": "0",  # before Bot API 9.6
        },
    )
    assert status == 200 and body["result"]["poll"]["correct_option_ids"] == [0]
    for bad_ids in (None, [3], [1, 0], [0, 0]):
        with pytest.raises(BadRequest, match="Wrong correct option id"):
            await tg_bot.send_poll(
                1000, "2+2?", ["3", "4", "5"], type="quiz", correct_option_ids=bad_ids
            )
    quiz = await tg_bot.send_poll(1000, "Q", ["a", "b"], type="quiz", correct_option_ids=[0])
    api.answer_poll(sam, quiz.poll.id, [1])
    with pytest.raises(ValueError, match="does not allow changing"):
        api.answer_poll(sam, quiz.poll.id, [0])


async def test_stop_poll(api: FakeBotApi, tg_bot: Bot, sam) -> None:
    msg = await tg_bot.send_poll(1000, "Q", ["a", "b"], open_period=60)
    assert api.last_bot_message(1000)["poll"]["open_period"] == 60
    reply_keyboard = ReplyKeyboardMarkup([[KeyboardButton("x")]])
    with pytest.raises(BadRequest, match="Inline keyboard expected"):
        await tg_bot.stop_poll(1000, msg.message_id, reply_markup=reply_keyboard)
    done = InlineKeyboardMarkup([[InlineKeyboardButton("Results", callback_data="r")]])
    stopped = await tg_bot.stop_poll(1000, msg.message_id, reply_markup=done)
    assert stopped.is_closed
    assert api.last_bot_message(1000)["reply_markup"] == done.to_dict()
    with pytest.raises(BadRequest, match="Message with poll to stop not found"):
        await tg_bot.stop_poll(1000, 1)  # the user's text message
    status, body = await api.handle(api.token, "stopPoll", {"chat_id": "1000"})
    assert (status, body["description"]) == (400, "Bad Request: message identifier is empty")
