"""Quick polls through the real ``python -m bot`` process against the sandbox server over real
HTTP: the admin writes ``/poll`` in one line, adds the question in Spanish and Arabic with the
preview's buttons and sends it; six residents (seeded into the database: two in English, two in
Spanish, two in Arabic) each get a native poll in their language, answer it, change and withdraw
their answers; ``/results`` adds up every copy; ``/closepoll`` stops every copy; an answer that
arrives after the close changes nothing, even once the process is stopped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks import realhttp
from bot.i18n import language_name
from bot.sandbox.core import FakeBotApi
from tests.e2e.conftest import BotProcess
from tests.support import ADMIN_ID, plain

pytestmark = pytest.mark.e2e

LOCALES = ("en", "es", "ar", "en", "es", "ar")
FIRST_ID = 7000
QUESTION = {
    "en": ("Bins on Monday?", ["Yes", "No", "Maybe"]),
    "es": ("¿Contenedores el lunes?", ["Sí", "No", "Quizás"]),
    "ar": ("هل نضع القمامة يوم الاثنين؟", ["نعم", "لا", "ربما"]),
}


def answers_in_db(db_path: Path) -> dict[int, str]:
    db = realhttp.connect(db_path)
    try:
        rows = db.execute("SELECT user_id, option_ids FROM poll_answers WHERE poll_id = 1")
        return dict(rows.fetchall())
    finally:
        db.close()


async def until_answers(db_path: Path, expected: dict[int, str], timeout: float = 15.0) -> None:
    """Wait until the bot has recorded exactly ``expected`` (user id -> option ids)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (found := await asyncio.to_thread(answers_in_db, db_path)) != expected:
        if loop.time() > deadline:
            raise AssertionError(f"answers in the database: {found}, expected {expected}")
        await asyncio.sleep(0.1)


def successful(api: FakeBotApi, method: str) -> list:
    return [c for c in api.calls if c.method.lower() == method.lower() and c.status == 200]


async def test_a_poll_in_three_languages_answered_changed_withdrawn_and_closed(sandbox, tmp_path):
    api, server = sandbox
    process = BotProcess(api, server, tmp_path)
    db_path = tmp_path / "bot.sqlite3"
    locale_of = {FIRST_ID + i: loc for i, loc in enumerate(LOCALES)}
    await asyncio.to_thread(realhttp.migrate, process.env, tmp_path)
    await asyncio.to_thread(
        realhttp.seed_residents, db_path, list(locale_of), locale_of=locale_of.get
    )
    people = {}
    for uid, loc in locale_of.items():
        people[uid] = api.make_user(uid, f"Resident {uid}", language_code=loc)
        api.world.register_user(people[uid])
    admin = api.make_user(ADMIN_ID, "Admin", language_code="en")
    await process.start()
    try:
        # the preview, two more languages, Send
        question, options = QUESTION["en"]
        card = await process.reply_to(admin, f"/poll all {question} | {' | '.join(options)}")
        assert "Poll #1" in plain(card["text"]), card["text"]
        for locale in ("es", "ar"):
            picker = await process.press_label(admin, card, "🌐 Add a language")
            await process.press_label(admin, picker, f"➕ {language_name(locale)}")
            text, answers = QUESTION[locale]
            card = await process.reply_to(admin, "\n".join([text, *answers]))
            assert f"{language_name(locale)}: – ✓" in plain(card["text"])
        sent = await process.press_label(admin, card, "📊 Send the poll")
        assert "Poll #1 is going out now to 6 residents" in plain(sent["text"])
        assert await api.wait_until(lambda: len(successful(api, "sendPoll")) == 6, timeout=20)

        # each resident got a native, non-anonymous poll in their language
        copies = {}
        for call in successful(api, "sendPoll"):
            uid = call.params["chat_id"]
            poll = call.result["poll"]
            question, options = QUESTION[locale_of[uid]]
            assert poll["question"] == question
            assert [o["text"] for o in poll["options"]] == options
            assert poll["is_anonymous"] is False
            copies[uid] = poll["id"]
        assert sorted(copies) == sorted(people)

        # answered, one changed, one withdrawn, one never answered
        ids = sorted(people)
        for uid, option in zip(ids, (0, 0, 1, 0, 2, 1), strict=True):
            api.answer_poll(people[uid], copies[uid], [option])
        api.answer_poll(people[ids[1]], copies[ids[1]], [2])  # changed: Maybe
        api.answer_poll(people[ids[3]], copies[ids[3]], [])  # withdrawn
        expected = {ids[0]: "[0]", ids[1]: "[2]", ids[2]: "[1]", ids[4]: "[2]", ids[5]: "[1]"}
        await until_answers(db_path, expected)
        results = await process.reply_to(admin, "/results 1")
        text = plain(results["text"])
        assert "Yes\n▇▇░░░░░░░░ 20% · 1" in text, text
        assert "No\n▇▇▇▇░░░░░░ 40% · 2" in text and "Maybe\n▇▇▇▇░░░░░░ 40% · 2" in text
        assert "5 of 6 answered (83%)." in text

        # /closepoll stops every copy; the result is frozen
        closed = await process.reply_to(admin, "/closepoll 1")
        assert "Poll #1 is closed" in plain(closed["text"])
        assert await api.wait_until(lambda: len(successful(api, "stopPoll")) == 6, timeout=20)
        stopped = {c.params["chat_id"] for c in successful(api, "stopPoll")}
        assert stopped == set(people)
        assert all(api.last_bot_message(uid)["poll"]["is_closed"] for uid in people)
        late = api.inject_update(
            {
                "poll_answer": {
                    "poll_id": copies[ids[3]],
                    "user": dict(people[ids[3]]),
                    "option_ids": [0],
                    "option_persistent_ids": ["0"],
                }
            }
        )
        assert await api.wait_until(lambda: api.max_delivered_update_id >= late, timeout=10)
        results = await process.reply_to(admin, "/results 1")
        assert "5 of 6 answered (83%)." in plain(results["text"])
        assert "the result is final" in plain(results["text"])
    finally:
        await process.stop()
    # the stopped process finished every update it had taken: the late answer was ignored
    assert await asyncio.to_thread(answers_in_db, db_path) == expected
