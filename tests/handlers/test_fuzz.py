"""Fuzzing every handler (issue 14): random arguments to every command of the catalogue from
every role, random and forged callback data for every button family, updates of every type
the bot may receive, and hostile residents' text through the HTML messages.

What must hold, for every example: no exception reaches the error handler, nothing is logged
at ERROR, Telegram (the sandbox) never refuses one of the bot's own sends or edits with a 400
(bad HTML entities, a text too long...), every button press is answered, and the bot still
answers ``/help`` afterwards.

Examples are drawn first (derandomized, so a failure reproduces) and then played against one
community (``test_authz_matrix.world``): buildings, every role, and real objects to aim at.
``make soak`` runs the same with many more examples.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import Any, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import button_families
from bot.i18n import use_locale
from bot.sandbox.methods.media import store_file
from bot.sandbox.protocol import ApiError
from bot.services.commands import COMMANDS
from bot.services.flood import Bucket, FloodControl
from bot.services.survey_definitions import MAX_FILE
from bot.views import buttons as b
from bot.views.surveys import file_too_big_text
from tests.handlers import test_authz_matrix as authz
from tests.support import sign_up, tr

world = authz.world  # the community every test plays against

SOAK = pytest.mark.soak
# Telegram refusals the bot may meet in normal life and handles (an edit of a message already
# showing that text, or of one too old to edit): not a bug of ours
BENIGN = ("message is not modified", "message can't be edited", "message to edit not found")
ROLES = ("resident", "steward_a", "organiser", "admin")

HOSTILE = [
    "<b>",
    "</b>",
    "</code>",
    "<i>x</i>",
    "&amp;",
    "&",
    "<",
    ">",
    "|",
    " | ",
    "||",
    "-0",
    "-1",
    "0",
    str(10**30),
    str(-(10**30)),
    "9" * 40,
    "1e309",
    "NaN",
    "\u202e",
    "\u200f",
    "\u061c",
    "\x00",
    "\x1b[31m",
    "\n",
    "\t",
    "🏠",
    "👨‍👩‍👧",
    "@",
    "@nobody",
    "#1",
    "2026-02-30",
    "25:99",
    "all",
    "series",
    "en",
    "add",
    "rename",
    "archive",
    "revoke",
    "new",
    "open",
    "close",
    "csv",
    "steward",
    "organiser",
    "1",
    "2",
    "3003",
    "1201",
]
token = st.sampled_from(HOSTILE) | st.text(max_size=12) | st.integers().map(str)
arguments = st.one_of(
    st.lists(token, max_size=8).map(" ".join),
    st.text(max_size=200),
    st.builds(lambda t, n: (t or "x") * n, st.sampled_from(HOSTILE), st.integers(1, 4000)),
)


def examples(strategy: st.SearchStrategy, count: int) -> list[Any]:
    drawn: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value):
        drawn.append(value)

    collect()
    return drawn


class Watch:
    """Every error the Application's error handler saw and every refused send, since start."""

    def __init__(self, harness, caplog) -> None:
        self.harness = harness
        self.caplog = caplog
        self.errors: list[tuple[Any, BaseException]] = []
        self.start = len(harness.api.calls)

        async def record(update, context):
            self.errors.append((update, context.error))

        harness.app.error_handlers.clear()
        harness.app.add_error_handler(record)
        # a fuzzer hammers: flood control would turn most examples into silence
        roomy = Bucket(capacity=10**9, per_second=10**9)
        harness.app.bot_data["services"].updates.flood = FloodControl(general=roomy, heavy=roomy)
        caplog.set_level(logging.WARNING)

    def refused(self) -> list[str]:
        return [
            c.summary()
            for c in self.harness.api.calls[self.start :]
            if c.status == 400
            and not any(w in str(c.response.get("description", "")).lower() for w in BENIGN)
        ]

    def logged_errors(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records if r.levelno >= logging.ERROR]

    async def check(self, users: dict, what: object) -> None:
        assert self.errors == [], (what, self.errors[:3])
        assert self.refused() == [], (what, self.refused()[:3])
        assert self.logged_errors() == [], (what, self.logged_errors()[:3])
        sorry = tr("en", "Sorry, something went wrong on our side. Please try again in a moment.")
        said = [str(c.params.get("text", "")) for c in self.harness.api.calls[self.start :]]
        assert sorry not in said, what
        for who in ROLES:  # still answering
            [reply] = await self.harness.send(users[who], "/help")
            assert reply["text"], who


# ------------------------------------------------------------------------ 1. commands
def command_examples(count: int) -> list[tuple[str, str, str, str]]:
    case = st.tuples(
        st.sampled_from([c.name for c in COMMANDS]),
        st.sampled_from(ROLES),
        arguments,
        st.sampled_from(["private", "group", "reply"]),  # or in the building's group
    )
    return examples(case, count)


async def run_commands(harness, world, caplog, cases) -> None:
    watch = Watch(harness, caplog)
    users = world["users"]
    group = harness.api.make_group(GROUP_ID, "<b>Maple</b>")
    await harness.send(users["steward_a"], "/linkgroup", chat=group)
    said = harness.api.send_message(users["resident"], "<b>hi</b> &", chat=group)
    # every command at least once from everyone, then the random ones
    cases = [(c.name, who, "", "private") for c in COMMANDS for who in ROLES] + cases
    for name, who, args, where in cases:
        text = f"/{name} {args}"[:4096]
        chat = None if where == "private" else group
        reply_to = said if where == "reply" else None
        message = harness.api.send_message(users[who], text, chat=chat, reply_to=reply_to)
        await harness.process({"message": message})
        assert watch.errors == [] and watch.refused() == [], (text, who, watch.refused()[:3])
    await watch.check(users, "commands")


async def test_every_command_with_random_arguments_from_every_role(harness, world, caplog):
    await run_commands(harness, world, caplog, command_examples(150))


@SOAK
async def test_every_command_with_random_arguments_soak(harness, world, caplog):
    await run_commands(harness, world, caplog, command_examples(3000))


# ------------------------------------------------------------------------ 2. buttons
INTS = st.sampled_from([0, 1, 2, 3, 7, 99, 3003, 3103, 1201, 10**15, 202612, 20261205, 1830])
RAW_INTS = st.sampled_from(["-1", "-0", "00", "01", str(10**30), "9" * 17, "1e3", " 1", "x", ""])


@st.composite
def well_formed(draw, cls: type[b.Button]) -> str:
    """A pack of ``cls`` with random values (ints of any size, any choice): ``unpack`` takes
    it, so the handler has to cope with the values themselves."""
    hints = get_type_hints(cls)
    values = []
    for spec in fields(cls):
        choices = spec.metadata.get("choices")
        if hints[spec.name] is int:
            values.append(draw(INTS | st.integers(0, 10**16 - 1)))
        elif choices:
            values.append(draw(st.sampled_from(sorted(choices))))
        else:
            values.append(draw(st.sampled_from(["res", "aud", "inv", "bld", "x", "zz"])))
    try:
        return cls(*values).pack()
    except ValueError:  # longer than 64 bytes: no button of ours carries it
        short = [1 if hints[f.name] is int else v for f, v in zip(fields(cls), values, strict=True)]
        return cls(*short).pack()


@st.composite
def forged(draw, cls: type[b.Button]) -> str:
    """The family and tag of ``cls`` with values no ``pack()`` writes."""
    head = [cls.FAMILY, *([cls.TAG] if cls.TAG else [])]
    tail = draw(st.lists(RAW_INTS | st.text(max_size=8), max_size=len(fields(cls)) + 1))
    return ":".join(head + tail)


def utf8_prefix(text: str, limit: int = 64) -> str:
    return text.encode()[:limit].decode(errors="ignore")


def callback_data() -> st.SearchStrategy[str]:
    classes = [cls for family in button_families() for cls in b.registered()[family]]
    return st.one_of(
        st.sampled_from(classes).flatmap(well_formed),
        st.sampled_from(classes).flatmap(forged).map(utf8_prefix),
        st.binary(max_size=64).map(lambda raw: raw.decode("latin-1")).map(utf8_prefix),
        st.text(max_size=64).map(utf8_prefix),
        st.sampled_from(sorted(button_families())).map(lambda f: f + ":"),
    )


async def run_buttons(harness, world, caplog, cases) -> None:
    watch = Watch(harness, caplog)
    users = world["users"]
    for data, who, on_real_message in cases:
        user = users[who]
        message = (
            harness.api.last_bot_message(user["id"]) if on_real_message else None
        ) or harness.api.send_message(user, "anchor")
        calls = await harness.process(harness.api.press_button(user, message, data))
        answers = [c for c in calls if c.method.lower() == "answercallbackquery"]
        assert answers, (data, who, [c.summary() for c in calls])
        assert watch.errors == [] and watch.refused() == [], (data, who, watch.refused()[:3])
    await watch.check(users, "buttons")


def button_examples(count: int) -> list[tuple[str, str, bool]]:
    return examples(st.tuples(callback_data(), st.sampled_from(ROLES), st.booleans()), count)


async def test_every_button_family_with_random_callback_data(harness, world, caplog):
    await run_buttons(harness, world, caplog, button_examples(400))


@SOAK
async def test_every_button_family_with_random_callback_data_soak(harness, world, caplog):
    await run_buttons(harness, world, caplog, button_examples(5000))


# ------------------------------------------------------------------------ 3. every update type
GROUP_ID = -100777
MEDIA = {
    "document": {"file_id": "d", "file_unique_id": "d", "file_name": "x.yaml", "file_size": 9},
    "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
    "sticker": {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    },
    "location": {"latitude": 1.5, "longitude": 2.5},
    "contact": {"phone_number": "+1", "first_name": "<b>Al</b>", "user_id": 3003},
    "voice": {"file_id": "v", "file_unique_id": "v", "duration": 1},
    "new_chat_members": [{"id": 3003, "is_bot": False, "first_name": "Resident"}],
    "left_chat_member": {"id": 3003, "is_bot": False, "first_name": "Resident"},
    "forum_topic_created": {"name": "</b>", "icon_color": 1},
    "dice": {"emoji": "🎲", "value": 6},
}
KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query_without_message",
    "inline_query",
    "chosen_inline_result",
    "poll",
    "poll_answer",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
    "message_reaction",
    "business_message",
)


@st.composite
def any_update(draw, users: dict, media: dict) -> dict:
    who = draw(st.sampled_from([*ROLES, "nobody", "pending", "resident_b", "bot", "stranger"]))
    if who == "bot":
        user = {"id": 4242, "is_bot": True, "first_name": "OtherBot", "username": "other_bot"}
    elif who == "stranger":
        user = {"id": draw(st.integers(1, 2**52)), "is_bot": False, "first_name": draw(st.text())}
        user["first_name"] = user["first_name"] or "?"
    else:
        user = dict(users[who])
    private = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    group = {"id": GROUP_ID, "type": "supergroup", "title": "<b>Maple</b>", "is_forum": True}
    channel = {"id": -100888, "type": "channel", "title": "News & <i>"}
    chat = group if who == "bot" else draw(st.sampled_from([private, group]))
    kind = draw(st.sampled_from(KINDS))
    body = draw(st.one_of(st.none(), arguments, st.sampled_from(["/help", "/start x", "stop"])))
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 2**31 - 1)),
        "date": 1700000000,
        "chat": chat,
        "from": user,
    }
    if body is not None:
        message["text"] = body
        if body.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(body.split()[0] or "/")}
            ]
    else:
        kind_of_media = draw(st.sampled_from(sorted(media)))
        message[kind_of_media] = media[kind_of_media]
        if kind_of_media in ("document", "photo") and draw(st.booleans()):
            message["caption"] = draw(arguments)
    if chat is group and draw(st.booleans()):  # in a forum topic
        message["message_thread_id"] = draw(st.integers(1, 99))
        message["is_topic_message"] = True
    if chat is group and draw(st.booleans()):  # an anonymous admin of the group
        message["sender_chat"] = group
        message["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
    if draw(st.booleans()):
        message["reply_to_message"] = {
            "message_id": 1,
            "date": 1700000000,
            "chat": chat,
            "from": draw(st.sampled_from([user, {"id": 1, "is_bot": True, "first_name": "B"}])),
            "text": "x",
        }
    member = {"status": "member", "user": user}
    left = {"status": "kicked", "user": user, "until_date": 0}
    if kind == "message":
        return {"message": message}
    if kind == "edited_message":
        return {"edited_message": {**message, "edit_date": 1700000001}}
    if kind == "business_message":
        return {"business_message": {**message, "business_connection_id": "bc"}}
    if kind in ("channel_post", "edited_channel_post"):
        post = {k: v for k, v in message.items() if k not in ("from", "reply_to_message")}
        return {kind: {**post, "chat": channel, "sender_chat": channel}}
    if kind == "callback_query_without_message":
        query = {"id": "1", "from": user, "chat_instance": "c"}
        choice = draw(st.sampled_from(["data", "inline", "game"]))
        if choice == "data":
            query["data"] = draw(callback_data())
        elif choice == "inline":
            query["inline_message_id"] = "im"
            query["data"] = draw(callback_data())
        else:
            query["game_short_name"] = "g"
        return {"callback_query": query}
    if kind == "inline_query":
        return {"inline_query": {"id": "q", "from": user, "query": body or "", "offset": ""}}
    if kind == "chosen_inline_result":
        return {"chosen_inline_result": {"result_id": "r", "from": user, "query": body or ""}}
    if kind == "poll":
        options = [
            {
                "text": draw(st.text(min_size=1, max_size=100)),
                "voter_count": 1,
                "persistent_id": "p",
            }
        ]
        return {
            "poll": {
                "id": draw(st.sampled_from(["1", "unknown", "", "x" * 300])),
                "question": draw(st.text(min_size=1, max_size=300)),
                "options": options,
                "total_voter_count": draw(st.integers(0, 10**9)),
                "is_closed": draw(st.booleans()),
                "is_anonymous": draw(st.booleans()),
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": True,
                "members_only": False,
            }
        }
    if kind == "poll_answer":
        answer: dict[str, Any] = {
            "poll_id": draw(st.sampled_from(["1", "2", "unknown", "", "-1", "9" * 30])),
            "option_ids": draw(
                st.lists(st.integers(0, 3) | st.sampled_from([-1, 10**9, 2**63]), max_size=12)
            ),
        }
        answer["option_persistent_ids"] = [str(i) for i in answer["option_ids"]]
        if draw(st.booleans()):
            answer["user"] = user
        else:
            answer["voter_chat"] = group
        return {"poll_answer": answer}
    if kind in ("chat_member", "my_chat_member"):
        old, new = draw(st.permutations([member, left]))
        if kind == "my_chat_member":
            bot = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "CommonGroundBot"}
            old, new = {**old, "user": bot}, {**new, "user": bot}
        return {
            kind: {
                "chat": draw(st.sampled_from([private, group, channel])),
                "from": user,
                "date": 1700000000,
                "old_chat_member": old,
                "new_chat_member": new,
            }
        }
    if kind == "chat_join_request":
        return {
            "chat_join_request": {
                "chat": draw(st.sampled_from([group, channel])),
                "from": user,
                "user_chat_id": user["id"],
                "date": 1700000000,
                "bio": draw(st.text(max_size=70)),
            }
        }
    return {
        "message_reaction": {
            "chat": chat,
            "message_id": 1,
            "user": user,
            "date": 1700000000,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }
    }


async def run_updates(harness, world, caplog, count: int) -> None:
    watch = Watch(harness, caplog)
    users = world["users"]
    harness.api.make_group(GROUP_ID, "<b>Maple</b>")
    await harness.send(users["steward_a"], "/linkgroup", chat={"id": GROUP_ID})
    # a file Telegram keeps (a survey file from a steward is downloaded)
    stored = store_file(harness.api.world, "document", "x.yaml", b"questions: [<b>")
    document = {k: stored[k] for k in ("file_id", "file_unique_id", "file_name", "file_size")}
    for update in examples(any_update(users, {**MEDIA, "document": document}), count):
        for person in (v.get("from") or v.get("user") for v in update.values()):
            if person and not person["is_bot"]:  # they opened a chat with the bot
                harness.api.world.register_user(person)
        harness.api.inject_update(update)
        await harness.process(update)
        assert watch.errors == [] and watch.refused() == [], (update, watch.errors[:1])
    await watch.check(users, "updates")


async def test_updates_of_every_type(harness, world, caplog):
    await run_updates(harness, world, caplog, 400)


@SOAK
async def test_updates_of_every_type_soak(harness, world, caplog):
    await run_updates(harness, world, caplog, 5000)


# ------------------------------------------------------------------------ 4. escaping
# What residents and stewards type, meant to break HTML: it must reach every message as typed.
NAME = "Zoë <b>& </b>Co"
ANNOUNCEMENT = "Bins </b><i>moved</i> & <a href='x'>here</a> &amp; 1 < 2 > 0"
QUESTION = "Which </code> bins? <script>&lt;"
ANSWER = "The <u>green</u> ones & </b>"
TITLE = "Party <b>&"
PLACE = "Room </i>1 &amp; 2"
POLL = "Bins <b>on</b> Monday & Tuesday?"
OPTIONS = ("<i>Yes</i>", "No & never", "&lt;maybe&gt;")


def shown(call) -> str:
    """The text of a send or edit as its reader sees it (HTML parsed like Telegram does)."""
    from bot.sandbox.formatting import parse_html

    text = call.params.get("text") or call.params.get("caption") or call.params.get("question")
    if text is None:
        return ""
    return parse_html(str(text))[0] if call.params.get("parse_mode") == "HTML" else str(text)


def seen_by(harness, chat_id: int, start: int) -> str:
    return "\n".join(
        shown(c)
        for c in harness.api.calls[start:]
        if c.params and str(c.params.get("chat_id")) == str(chat_id)
    )


async def test_hostile_text_reaches_every_message_escaped(harness, world, caplog):
    watch = Watch(harness, caplog)
    services, users = world["services"], world["users"]
    api, steward = harness.api, users["steward_a"]
    start = len(api.calls)
    zoe = api.make_user(3500, NAME, username="zoe")
    api.world.register_user(zoe)
    await harness.send(zoe, "/start")
    await sign_up(services, zoe, authz.A, unit="A-9")
    # the steward's lists and the approval show her name as she wrote it
    pending = await harness.send(steward, "/pending")
    await harness.press(steward, pending[-1], b.Approve(3500).pack())
    await harness.send(steward, "/residents")
    assert NAME in seen_by(harness, steward["id"], start)
    # an announcement, a question on it and the steward's answer
    [card] = await harness.send(steward, f"/announce {authz.A} | {ANNOUNCEMENT}")
    ann = await services.db.fetch_value("SELECT max(id) FROM announcements")
    await harness.press(steward, card, b.AnnSend(ann).pack())
    assert ANNOUNCEMENT in seen_by(harness, 3500, start)
    copy = next(m for m in api.bot_messages(3500) if ANNOUNCEMENT in shown_text(m))
    await harness.press(zoe, copy, b.AnnQuestion(ann).pack())
    await harness.send(zoe, QUESTION)
    assert QUESTION in seen_by(harness, steward["id"], start)
    question = await services.db.fetch_value("SELECT max(id) FROM announcement_questions")
    asked = api.last_bot_message(steward["id"])
    await harness.press(steward, asked, b.AnnAnswer(question).pack())
    await harness.send(steward, ANSWER)
    assert ANSWER in seen_by(harness, 3500, start)
    # an event: the preview, the post, /events
    [preview] = await harness.send(steward, f"/newevent 2026-12-05 18:30 | {TITLE} | {PLACE}")
    event = await services.db.fetch_value("SELECT max(id) FROM events")
    await harness.press(steward, preview, b.EvPublish(event).pack())
    await harness.send(zoe, "/events")
    for words in (TITLE, PLACE):
        assert words in seen_by(harness, steward["id"], start), words
        assert words in seen_by(harness, 3500, start), words
    # a quick poll: the preview, and the poll itself (plain text, not escaped twice)
    [card] = await harness.send(steward, f"/poll {POLL} | {' | '.join(OPTIONS)}")
    poll = await services.db.fetch_value("SELECT max(id) FROM polls")
    await harness.press(steward, card, b.PollSend(poll).pack())
    assert POLL in seen_by(harness, steward["id"], start)
    [sent] = [c for c in api.calls[start:] if c.method.lower() == "sendpoll" and c.ok][-1:]
    assert sent.params["question"] == POLL
    assert [o["text"] for o in sent.params["options"]] == list(OPTIONS)
    # every one of those sends was accepted by Telegram
    assert [c.summary() for c in api.calls[start:] if not c.ok] == []
    await watch.check(users, "escaping")


def shown_text(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


# ------------------------------------------------------------------------ found by the fuzzer
async def test_a_survey_file_telegram_will_not_hand_over_is_too_big(harness, admin, caplog):
    """A document's file_size is optional; getFile then refuses a file over Telegram's 20 MB
    with a 400 ("file is too big"). Found by the update fuzzer: it was an unhandled error."""
    watch = Watch(harness, caplog)
    check = harness.api.faults.check

    def too_big(name, params):
        if name == "getfile":
            raise ApiError(400, "Bad Request: file is too big")
        check(name, params)

    harness.api.faults.check = too_big
    document = {"file_id": "big", "file_unique_id": "big", "file_name": "survey.yaml"}
    [answer] = await harness.send(admin, None, document=document)
    with use_locale("en"):
        assert answer["text"] == file_too_big_text(MAX_FILE // 1024)
    assert watch.errors == [] and watch.logged_errors() == []


# What residents type as free text (a survey's typed answer, an event comment) reaches the
# organisers' messages as typed: HTML is escaped, and Markdown means nothing in HTML mode.
FREE_TEXTS = (
    "<b>x</b> & <script>",
    "*bold* _it_ [link](http://x)",
    "`code`",
    "<b>x</b> & <script> *bold* _it_ [link](http://x) `code`",
    "&lt;b&gt; &amp; </code>",
    "<a href='http://x'>here</a>",
    '=HYPERLINK("http://x","pay here")',
    "@SUM(1+1)",
)


def entities_since(harness, start: int) -> list[dict]:
    """Every formatting entity of the HTML sends and edits since ``start``."""
    from bot.sandbox.formatting import parse_html

    found = []
    for call in harness.api.calls[start:]:
        text = call.params.get("text") or call.params.get("caption")
        if text and call.params.get("parse_mode") == "HTML":
            found += parse_html(str(text))[1]
    return found


async def test_survey_typed_answers_are_shown_literally_to_the_resident_and_organisers(
    harness, admin
):
    import csv
    import io

    from tests.handlers.test_announcements import building, residents
    from tests.handlers.test_custom_surveys import answer_laundry, saved
    from tests.handlers.test_surveys import freeze

    api = harness.api
    freeze(harness)
    await saved(harness, admin)  # a text question: "What would you change?"
    maple = await building(harness)
    people = await residents(harness, maple, len(FREE_TEXTS), first_id=8900, locales=("en",))
    await harness.send(admin, "/survey open laundry 7 all")
    start = len(api.calls)
    for person, typed in zip(people, FREE_TEXTS, strict=True):
        await answer_laundry(harness, person, 1, 1, 4, typed)
        assert f"Your answer: {typed}" in seen_by(harness, person["id"], start), typed
    await harness.send(admin, "/survey close 1")
    [_results, _chart, document] = await harness.send(admin, "/survey results 1")
    seen = seen_by(harness, admin["id"], start)
    for typed in FREE_TEXTS:
        assert f"— {typed}" in seen, typed
    content = api.world.files[document["document"]["file_id"]]["content"].decode()
    cells = [row[3] for row in csv.reader(io.StringIO(content)) if row[0] == "text"]
    # a cell a spreadsheet would run as a formula starts with an apostrophe (shown as typed)
    assert sorted(cells) == sorted("'" + t if t[0] in "=@" else t for t in FREE_TEXTS)
    assert not any(e.get("url") == "http://x" for e in entities_since(harness, start))
    assert [c.summary() for c in api.calls[start:] if not c.ok] == []


async def test_event_comments_are_shown_literally_in_the_report(harness, admin):
    from bot.handlers import event_attendance as after
    from tests.handlers.test_announcements import building, residents
    from tests.handlers.test_events import answer, last, published
    from tests.handlers.test_events_attendance import STARTED, clocked

    api, services = harness.api, harness.app.bot_data["services"]
    maple = await building(harness)
    people = await residents(harness, maple, len(FREE_TEXTS), first_id=8950, locales=("en",))
    clock = clocked(harness)
    event_id = await published(harness, admin)
    for person in people:
        await answer(harness, person, event_id, "going")
    clock.now = STARTED
    await after.run_due(services)
    await harness.drain()
    for person in people:
        await harness.press(person, last(harness, person), b.EvThere(event_id).pack())
    await after.run_due(services)  # the follow-up: rate, or write a comment
    await harness.drain()
    start = len(api.calls)
    for person, typed in zip(people, FREE_TEXTS, strict=True):
        await harness.press_label(person, last(harness, person), "✍️ Write a comment")
        [saved] = await harness.send(person, typed)
        assert "kept without your name" in shown_text(saved)
    await harness.send(admin, f"/eventreport {event_id}")
    seen = seen_by(harness, admin["id"], start)
    for typed in FREE_TEXTS:
        assert f"💬 {typed}" in seen, typed
    assert not any(e.get("url") == "http://x" for e in entities_since(harness, start))
    assert [c.summary() for c in api.calls[start:] if not c.ok] == []
