"""Telegram's limits: text and caption lengths, keyboards, callback data, flood control.

Two parts:

* checks a single request must pass (:func:`format_text`, :func:`check_markup` and the
  length constants), raising the 400 errors Telegram gives;
* flood control over time: :class:`FloodControl` answers 429 like Telegram when
  ``FakeBotApi(enforce_limits=True)``, and :class:`FloodMeter` records every sending call
  (always, enforced or not) so tests and the benchmark can ask how fast the bot sent.
"""

from __future__ import annotations

import copy
import math
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .formatting import ParseError, parse_html, parse_markdown_v2, strip_text
from .protocol import ApiCall, ApiError, bad

__all__ = [
    "CALLBACK_ANSWER_WINDOW",
    "EDIT_METHODS",
    "MAX_CALLBACK_DATA",
    "MAX_CAPTION",
    "MAX_TEXT",
    "SEND_METHODS",
    "FloodControl",
    "FloodMeter",
    "SendRecord",
    "check_markup",
    "format_text",
]

MAX_TEXT = 4096  # message text, after entity parsing
MAX_CAPTION = 1024  # media caption, after entity parsing
MAX_CALLBACK_DATA = 64  # bytes of an inline button's callback_data
MAX_CALLBACK_ANSWER = 200  # answerCallbackQuery text
CALLBACK_ANSWER_WINDOW = 15.0  # seconds Telegram waits for answerCallbackQuery
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MIN_POLL_OPTIONS, MAX_POLL_OPTIONS = 2, 12
MAX_DELETE_MESSAGES = 100  # message ids in one deleteMessages call
MAX_BOT_REACTIONS = 1  # reactions a bot may set on one message
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
MAX_DESCRIPTION, MAX_SHORT_DESCRIPTION, MAX_NAME = 512, 120, 64

# Flood limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
GLOBAL_PER_SECOND = 30  # messages per second across all chats
GROUP_PER_MINUTE = 20  # messages per minute in one group
PRIVATE_BURST = 3.0  # a private chat allows a burst of 3, then about one message per second

# Methods that send a new message: Telegram's flood limits count these.
SEND_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendpoll", "copymessage", "forwardmessage"}
)
# Methods that change a message already sent (recorded too, for "edits at scale").
EDIT_METHODS = frozenset(
    {"editmessagetext", "editmessagecaption", "editmessagereplymarkup", "stoppoll"}
)

_URL_RE = re.compile(r"^(https?://[^\s/$.?#][^\s]*|tg://[^\s]+)$", re.IGNORECASE)
_OTHER_BUTTON_KINDS = (
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


# ------------------------------------------------------------ one request
def format_text(
    text: Any, parse_mode: Any, entities: Any, *, limit: int, kind: str
) -> tuple[str, list[dict]]:
    """A text or caption as Telegram shows it, with its entities, checked like Telegram."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
    try:
        if mode == "html":
            plain, ents = parse_html(text)
        elif mode == "markdownv2":
            plain, ents = parse_markdown_v2(text)
        elif mode in ("", "markdown"):
            plain = text
            ents = list(entities) if isinstance(entities, list) else []
        else:
            raise bad(f"unsupported parse_mode {parse_mode}")
    except ParseError as exc:
        raise bad(f"can't parse entities: {exc}") from None
    plain, ents = strip_text(plain, ents)
    if kind == "text" and not plain:
        raise bad("message text is empty")
    if len(plain) > limit:
        raise bad("message is too long" if kind == "text" else "message caption is too long")
    return plain, ents


def check_markup(markup: Any, *, inline_only: bool = False) -> dict | None:
    """Validate reply_markup; return what Telegram stores on the message (inline only).

    `inline_only`: for methods whose reply_markup is an InlineKeyboardMarkup (edits,
    stopPoll), where Telegram refuses any other keyboard.
    """
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if inline_only and "inline_keyboard" not in markup:
        raise bad("inline keyboard expected")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        for row in rows:
            for button in row:
                _check_button(button)
        return {"inline_keyboard": copy.deepcopy(rows)}
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        return None
    if "remove_keyboard" in markup or "force_reply" in markup:
        return None
    raise bad("can't parse reply keyboard markup JSON object")


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad("can't parse inline keyboard button: Text is not specified")
    if not button["text"]:
        raise bad("BUTTON_TEXT_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad("BUTTON_DATA_INVALID")
    elif "url" in button:
        if not _URL_RE.match(str(button["url"])):
            raise bad(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
    elif not any(k in button for k in _OTHER_BUTTON_KINDS):
        raise bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


# ---------------------------------------------------------- flood control
def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class FloodControl:
    """Telegram's flood limits, enforced: raises a 429 ApiError for a send over the limit.

    30 messages a second overall; 20 a minute per group; per private chat a token bucket
    (bursts of 3, then one a second). A refused send does not count against the limits.
    """

    def __init__(self) -> None:
        self._recent_all: deque[float] = deque()
        self._recent_group: dict[int, deque[float]] = {}
        self._private_bucket: dict[int, tuple[float, float]] = {}

    def check(self, chat_id: Any, now: float) -> None:
        """Count one send to `chat_id` at `now`, or raise 429 if Telegram would refuse it."""
        recent = self._recent_all
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= GLOBAL_PER_SECOND:
            raise too_many_requests(max(1, math.ceil(1.0 - (now - recent[0]))))
        if isinstance(chat_id, int) and chat_id < 0:
            window = self._recent_group.setdefault(chat_id, deque())
            while window and now - window[0] >= 60.0:
                window.popleft()
            if len(window) >= GROUP_PER_MINUTE:
                raise too_many_requests(max(1, math.ceil(60.0 - (now - window[0]))))
            window.append(now)
        elif isinstance(chat_id, int):
            tokens, last = self._private_bucket.get(chat_id, (PRIVATE_BURST, now))
            tokens = min(PRIVATE_BURST, tokens + (now - last))
            if tokens < 1.0:
                self._private_bucket[chat_id] = (tokens, now)
                raise too_many_requests(max(1, math.ceil(1.0 - tokens)))
            self._private_bucket[chat_id] = (tokens - 1.0, now)
        recent.append(now)


@dataclass(frozen=True)
class SendRecord:
    """One sending (or editing) call: when, where, which method, and the HTTP status."""

    at: float
    method: str  # lower-case Bot API method name
    chat_id: int | str | None
    status: int
    flood_limited: bool  # refused by the sandbox's own flood control (not an injected fault)

    @property
    def ok(self) -> bool:
        return self.status == 200


class FloodMeter:
    """Records every call that sends or edits a message, and counts 429 answers.

    Recording happens whether or not limits are enforced, so a test can check that the bot
    *would* stay within Telegram's limits::

        api.flood.max_calls_in_any_window(seconds=1)   # <= 30 overall
        api.flood.max_per_chat_per_second()            # {chat_id: max in any 1 s}
        api.flood.max_per_group_per_minute()           # {group_id: max in any 60 s}
        api.flood.count_429                            # every 429 the sandbox returned

    Window queries count sends (``SEND_METHODS``) by default; pass ``methods=`` (lower-case
    names, e.g. ``SEND_METHODS | EDIT_METHODS``) to count edits too, and ``ok_only=True`` to
    count only calls that succeeded. A window of ``seconds`` is half-open: calls at ``t``
    and ``t + seconds`` are in different windows.
    """

    def __init__(self) -> None:
        self.records: list[SendRecord] = []
        self.count_429 = 0  # every 429 answer, to any method (flood control or injected)
        self.flood_limited = 0  # 429s from flood control (enforce_limits=True) only
        self.flood_by_chat: dict[int, int] = {}  # chat id -> flood-control 429s

    def observe(self, call: ApiCall, *, chat_id: Any = None, flood_limited: bool = False) -> None:
        """Account for one finished call (the facade calls this for every request).

        `chat_id` is the numeric id the call's ``chat_id`` parameter names, if known (a
        "@username" resolved); by default the parameter as sent.
        """
        name = call.method.lower()
        if call.status == 429:
            self.count_429 += 1
        if chat_id is None:
            chat_id = call.params.get("chat_id")
        if flood_limited:
            self.flood_limited += 1
            if isinstance(chat_id, int):
                self.flood_by_chat[chat_id] = self.flood_by_chat.get(chat_id, 0) + 1
        if name in SEND_METHODS or name in EDIT_METHODS:
            if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
                chat_id = None
            self.records.append(SendRecord(call.at, name, chat_id, call.status, flood_limited))

    # ---------------------------------------------------------------- queries
    def sends(
        self,
        *,
        chat_id: int | str | None = None,
        methods: Iterable[str] | None = None,
        ok_only: bool = False,
    ) -> list[SendRecord]:
        """Recorded calls, oldest first, optionally of one chat / some methods / successes."""
        wanted = SEND_METHODS if methods is None else frozenset(m.lower() for m in methods)
        return [
            r
            for r in self.records
            if r.method in wanted
            and (chat_id is None or r.chat_id == chat_id)
            and (r.ok or not ok_only)
        ]

    def max_calls_in_any_window(
        self,
        seconds: float = 1.0,
        *,
        chat_id: int | str | None = None,
        methods: Iterable[str] | None = None,
        ok_only: bool = False,
    ) -> int:
        """The most calls made within any `seconds`-long window (0 if none)."""
        return _max_in_window(
            [r.at for r in self.sends(chat_id=chat_id, methods=methods, ok_only=ok_only)],
            seconds,
        )

    def max_per_chat(
        self,
        seconds: float = 1.0,
        *,
        groups_only: bool = False,
        methods: Iterable[str] | None = None,
        ok_only: bool = False,
    ) -> dict[int | str, int]:
        """For every chat sent to: the most calls to it within any `seconds`-long window."""
        times: dict[int | str, list[float]] = {}
        for r in self.sends(methods=methods, ok_only=ok_only):
            if r.chat_id is None or (groups_only and not _is_group(r.chat_id)):
                continue
            times.setdefault(r.chat_id, []).append(r.at)
        return {chat: _max_in_window(ts, seconds) for chat, ts in times.items()}

    def max_per_chat_per_second(self, **kwargs: Any) -> dict[int | str, int]:
        """Per chat, the most calls within any one second (Telegram: about 1 a second)."""
        return self.max_per_chat(1.0, **kwargs)

    def max_per_group_per_minute(self, **kwargs: Any) -> dict[int | str, int]:
        """Per group chat, the most calls within any minute (Telegram: 20 a minute)."""
        return self.max_per_chat(60.0, groups_only=True, **kwargs)


def _is_group(chat_id: int | str) -> bool:
    return isinstance(chat_id, int) and chat_id < 0  # groups and supergroups


def _max_in_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best
