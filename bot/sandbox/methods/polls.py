"""Polls: sendPoll, stopPoll, and the votes users cast (``FakeBotApi.answer_poll``)."""

from __future__ import annotations

from ..limits import MAX_POLL_OPTION, MAX_POLL_OPTIONS, MAX_POLL_QUESTION, check_markup
from ..protocol import as_int, bad, truthy
from ..state import World
from .base import MethodGroup, api_method
from .messages import send

__all__ = ["PollMethods", "record_vote"]


class PollMethods(MethodGroup):
    @api_method("sendPoll")
    def send_poll(self, params: dict, files: dict) -> dict:
        chat = self.world.chat_for_send(params)
        question = params.get("question")
        if not isinstance(question, str) or not question.strip():
            raise bad("poll question must be non-empty")
        if len(question) > MAX_POLL_QUESTION:
            raise bad(f"poll question length must not exceed {MAX_POLL_QUESTION}")
        options = params.get("options")
        if not isinstance(options, list):
            raise bad("poll options must be an array")
        texts = []
        for option in options:
            text = option.get("text") if isinstance(option, dict) else option
            if not isinstance(text, str) or not text.strip():
                raise bad("poll options must be non-empty")
            if len(text) > MAX_POLL_OPTION:
                raise bad(f"poll options length must not exceed {MAX_POLL_OPTION}")
            texts.append(text)
        if len(texts) < 2:
            raise bad("poll must have at least 2 option")
        if len(texts) > MAX_POLL_OPTIONS:
            raise bad(f"poll can't have more than {MAX_POLL_OPTIONS} options")
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad("wrong poll type specified")
        correct = _correct_option_ids(params, len(texts)) if poll_type == "quiz" else None
        revoting = params.get("allows_revoting")
        poll_id = f"5{next(self.world.poll_counter):018d}"
        poll = {
            "id": poll_id,
            "question": question,
            "options": [
                {"text": t, "voter_count": 0, "persistent_id": str(i)} for i, t in enumerate(texts)
            ],
            "total_voter_count": 0,
            "is_closed": truthy(params.get("is_closed")),
            "is_anonymous": params.get("is_anonymous", True) is not False,
            "type": poll_type,
            "allows_multiple_answers": truthy(params.get("allows_multiple_answers")),
            # defaults: revoting allowed in regular polls, not in quizzes
            "allows_revoting": poll_type == "regular" if revoting is None else truthy(revoting),
            "members_only": False,
        }
        if correct is not None:
            poll["correct_option_ids"] = correct
        for key in ("open_period", "close_date"):
            if params.get(key) is not None:
                poll[key] = as_int(params[key], key)
        message = send(self.world, chat, params, poll=poll)
        self.world.polls[poll_id] = (chat["id"], message["message_id"])
        return message

    @api_method("stopPoll")
    def stop_poll(self, params: dict, files: dict) -> dict:
        chat = self.world.chat_for_send(params)
        message_id = as_int(params.get("message_id"), "message identifier")
        message = self.world.message(chat["id"], message_id)
        if message is None or "poll" not in message:
            raise bad("message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise bad("poll has already been closed")
        # check everything before changing anything: a refused call leaves the poll open
        markup = check_markup(params.get("reply_markup"), inline_only=True)
        message["poll"]["is_closed"] = True
        if "reply_markup" in params:
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = markup
        return message["poll"]


def _correct_option_ids(params: dict, options: int) -> list[int]:
    """A quiz's correct options: ``correct_option_ids`` (Bot API 9.6+) or the older
    ``correct_option_id``; required, 0-based, increasing, each naming an option."""
    value = params.get("correct_option_ids")
    if value is None and params.get("correct_option_id") is not None:
        value = [params["correct_option_id"]]
    if not isinstance(value, list) or not value:
        raise bad("wrong correct option ID specified")
    ids = [as_int(v, "correct option ID") for v in value]
    if any(not 0 <= i < options for i in ids) or ids != sorted(set(ids)):
        raise bad("wrong correct option ID specified")
    return ids


def record_vote(world: World, poll_id: str, user_id: int, option_ids: list[int]) -> dict | None:
    """Count a user's vote (empty `option_ids`: retract) in a poll the bot sent.

    Raises ValueError for a vote Telegram's apps would not let the user cast. Returns the
    poll as it now stands, or None for a poll the sandbox does not know (a raw poll id).
    """
    where = world.polls.get(poll_id)
    if where is None:
        return None
    message = world.message(*where)
    if message is None:
        return None
    poll = message["poll"]
    if poll["is_closed"]:
        raise ValueError(f"poll {poll_id} is closed")
    if any(not 0 <= i < len(poll["options"]) for i in option_ids):
        raise ValueError(f"poll {poll_id} has options 0..{len(poll['options']) - 1} only")
    if len(set(option_ids)) != len(option_ids):
        raise ValueError("an option can be chosen only once")
    if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
        raise ValueError(f"poll {poll_id} allows one answer only")
    votes = world.poll_votes.setdefault(poll_id, {})
    if user_id in votes and not poll["allows_revoting"]:
        raise ValueError(f"poll {poll_id} does not allow changing a vote")
    if option_ids:
        votes[user_id] = list(option_ids)
    else:
        votes.pop(user_id, None)
    for index, option in enumerate(poll["options"]):
        option["voter_count"] = sum(index in v for v in votes.values())
    poll["total_voter_count"] = len(votes)
    return poll
