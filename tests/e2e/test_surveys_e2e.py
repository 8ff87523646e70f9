"""Surveys through the real ``python -m bot`` process against the sandbox server over real HTTP
(issue 13, "done means"):

- a wave of the agency survey answered by a dozen residents (seeded into the database) across
  two buildings, two tenures, two affordability groups and six languages, with every small
  group suppressed in every breakdown the organiser gets (the message and the CSV), including
  by differencing (never exactly one hidden cell next to a shown total);
- ``/forget`` by one respondent before the wave closes: the aggregate counts stay, and no row
  of any survey table names them any more;
- the agency index over two waves (close wave 1, open wave 2: the results show both points);
- a survey file with mistakes, rejected with clear line-numbered errors.

Two organisers (both admins) share the commands: ``/survey`` is a heavy command, and flood
control allows five at once per person.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path

import pytest

from benchmarks import realhttp
from bot.sandbox.methods.media import store_file
from bot.views import buttons as b
from bot.views.common import shown_count
from tests.e2e.conftest import BotProcess
from tests.support import ADMIN_ID, plain

pytestmark = pytest.mark.e2e

K = 5
SECOND_ADMIN = ADMIN_ID + 1
MAPLE = {9000 + i: ("en", "es")[i % 2] for i in range(8)}
OAK = dict(zip(range(9100, 9104), ("fr", "ar", "zh_Hans", "vi"), strict=True))
PHONE = {"zh_Hans": "zh-CN"}
OWNERS = (9000, 9001, 9100)  # a small group by tenure
ASSISTED = tuple(range(9000, 9006))
LEAVER = 9003
SURVEY_TABLES = {  # every column of the survey tables that can hold a person's id
    "survey_links": "user_id",
    "survey_respondents": "user_id",
    "survey_waves": "author_id",
    "survey_definitions": "created_by",
    "survey_drafts": "user_id",
}
BAD_FILE = b"""name: lifts
title: The lifts
questions:
  - kind: choice
    text: Does the lift work?
    options:
      - Yes
  - kind: poll
    text: How often?
  - kind: text
"""
HIDDEN = {plain(shown_count(None, K)), plain(shown_count(-1, K))}
RATE = re.compile(r"^(?P<group>.+): (?P<yes>.+) answered, (?P<no>.+) not yet")


def db_rows(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    db = realhttp.connect(db_path)
    try:
        return [tuple(r) for r in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def stage_residents(db_path: Path) -> None:
    realhttp.seed_residents(db_path, list(MAPLE), building="Maple Court", locale_of=MAPLE.get)
    realhttp.seed_residents(db_path, list(OAK), building="Oak House", locale_of=OAK.get)
    db = realhttp.connect(db_path)
    try:
        with db:
            db.execute("UPDATE residents SET affordability = 'market'")
            marks = ",".join("?" * len(OWNERS))
            db.execute(f"UPDATE residents SET tenure = 'owner' WHERE user_id IN ({marks})", OWNERS)
            marks = ",".join("?" * len(ASSISTED))
            db.execute(
                f"UPDATE residents SET affordability = 'assisted' WHERE user_id IN ({marks})",
                ASSISTED,
            )
    finally:
        db.close()


async def sent_with(api, user_id: int, data: str, start: int = 0, timeout: float = 20.0) -> dict:
    """The next message sent to ``user_id`` carrying a button whose data starts with ``data``."""
    call = await api.wait_for_call(
        lambda c: (
            c.method.lower() == "sendmessage"
            and c.ok
            and c.params.get("chat_id") == user_id
            and data in str(c.params.get("reply_markup", ""))
        ),
        start=start,
        timeout=timeout,
    )
    return call.result


async def answer_wave(api, user: dict, wave: int, values: list[int]) -> None:
    """Press Start on the invitation, then one button per question, each on its message."""
    start = len(api.calls)
    invitation = await sent_with(api, user["id"], b.SurveyStart(wave).pack())
    api.press_button(user, invitation, b.SurveyStart(wave).pack())
    for index, value in enumerate(values):
        question = await sent_with(api, user["id"], f"sv:a:{wave}:{index}:", start)
        start = len(api.calls)
        api.press_button(user, question, b.SurveyAnswer(wave, index, value).pack())
    await api.wait_for_call(
        lambda c: c.ok and c.params.get("chat_id") == user["id"] and "🙏" in str(c.params),
        start=start,
        timeout=20,
    )


def breakdowns(text: str) -> dict[str, list[tuple[str, str, str]]]:
    """The response-rate sections of the results message: title -> (group, yes, not yet)."""
    sections: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("By "):
            current = sections.setdefault(line, [])
        elif current is not None and (m := RATE.match(line)):
            current.append((m["group"], m["yes"].strip(), m["no"].strip()))
    return sections


def assert_suppressed(cells: list[str], total: int | None = None) -> None:
    """Shown counts are 0 or at least k; hidden ones are the small-group wordings; and never
    exactly one hidden cell (the total minus the shown ones would give it back)."""
    hidden = [c for c in cells if c in HIDDEN or c == ""]
    for cell in cells:
        assert cell in HIDDEN or cell == "" or int(cell) == 0 or int(cell) >= K, cells
    assert len(hidden) != 1, cells
    if total is not None and not hidden:
        assert sum(int(c) for c in cells) == total


async def test_surveys_end_to_end(sandbox, tmp_path):
    api, server = sandbox
    process = BotProcess(
        api,
        server,
        tmp_path,
        BOT_ADMIN_IDS=f"{ADMIN_ID},{SECOND_ADMIN}",
        BOT_QUIET_HOURS="",
    )
    db_path = tmp_path / "bot.sqlite3"
    await asyncio.to_thread(realhttp.migrate, process.env, tmp_path)
    await asyncio.to_thread(stage_residents, db_path)
    people = {}
    for uid, locale in {**MAPLE, **OAK}.items():
        people[uid] = api.make_user(uid, f"Resident {uid}", language_code=PHONE.get(locale, locale))
        api.world.register_user(people[uid])
    admin = api.make_user(ADMIN_ID, "Admin", language_code="en")
    second = api.make_user(SECOND_ADMIN, "Second", language_code="en")
    await process.start()
    try:
        # ---------------------------------------------------------------- wave 1, a dozen
        opened = await process.reply_to(admin, "/survey open agency 7 all")
        assert "Wave #1" in plain(opened["text"]), opened["text"]
        await asyncio.gather(
            *(
                answer_wave(api, person, 1, [(i % 5) + 1] * 5 + [5 if i % 2 else 1])
                for i, person in enumerate(people.values())
            )
        )
        answers_before = db_rows(db_path, "SELECT count(*) FROM survey_answers")
        groups_before = db_rows(db_path, "SELECT * FROM survey_groups ORDER BY 1, 2, 3")
        assert answers_before == [(12 * 6,)]

        # ---------------------------------------------------------------- /forget before close
        leaver = people[LEAVER]
        prompt = await process.reply_to(leaver, "/forget")
        await process.press(leaver, prompt, b.ForgetConfirm().pack())
        for table, column in SURVEY_TABLES.items():
            found = db_rows(db_path, f"SELECT count(*) FROM {table} WHERE {column} = ?", (LEAVER,))
            assert found == [(0,)], table
        assert db_rows(db_path, "SELECT count(*) FROM survey_answers") == answers_before
        assert db_rows(db_path, "SELECT * FROM survey_groups ORDER BY 1, 2, 3") == groups_before

        closed = await process.reply_to(admin, "/survey close 1")
        assert "nothing ties an answer to a person" in plain(closed["text"])
        for table, column in SURVEY_TABLES.items():
            found = db_rows(db_path, f"SELECT count(*) FROM {table} WHERE {column} = ?", (LEAVER,))
            assert found == [(0,)], table
        assert db_rows(db_path, "SELECT count(*) FROM survey_links") == [(0,)]

        # ---------------------------------------------------------------- results, suppressed
        start = len(api.calls)
        results = await process.reply_to(admin, "/survey results 1")
        text = plain(results["text"])
        assert "Residents who answered: 12" in text  # the leaver's answers still count
        sections = breakdowns(text)
        assert set(sections) == {"By building", "By tenure", "By affordability", "By language"}
        for rows in sections.values():
            assert_suppressed([yes for _g, yes, _n in rows], total=12)
            assert_suppressed([no for _g, _y, no in rows], total=0)
        buildings = dict((g, yes) for g, yes, _n in sections["By building"])
        assert buildings["Oak House"] == plain(shown_count(None, K))  # 4 residents
        assert buildings["Maple Court"] == plain(shown_count(-1, K))  # else 12 - 8 gives it
        tenures = {g: yes for g, yes, _n in sections["By tenure"]}
        assert plain(shown_count(None, K)) in tenures.values()  # 3 owners
        document = await api.wait_for_call(
            lambda c: (
                c.method.lower() == "senddocument" and c.ok and c.params.get("chat_id") == ADMIN_ID
            ),
            start=start,
            timeout=15,
        )
        content = api.world.files[document.result["document"]["file_id"]]["content"].decode()
        table = list(csv.reader(io.StringIO(content)))[1:]
        by_section: dict[tuple[str, str], list[str]] = {}
        for section, item, group, count in table:
            if section.startswith("answered_"):
                by_section.setdefault((section, group), []).append(count)
            elif section == "answers":
                by_section.setdefault((section, item), []).append(count)
        assert by_section
        for cells in by_section.values():
            assert_suppressed(cells)

        # ---------------------------------------------------------------- wave 2: the trend
        opened = await process.reply_to(second, "/survey open agency 7 all")
        assert "Wave #2" in plain(opened["text"]), opened["text"]
        again = [p for uid, p in people.items() if uid != LEAVER][:6]
        await asyncio.gather(*(answer_wave(api, p, 2, [5, 5, 5, 5, 5, 5]) for p in again))
        closed = await process.reply_to(second, "/survey close 2")
        assert "Wave #2 is closed" in plain(closed["text"])
        results = await process.reply_to(second, "/survey results 2")
        text = plain(results["text"])
        first = re.search(r"Wave #1 \(.+\): (\d+), from (\d+) residents", text)
        later = re.search(r"Wave #2 \(.+\): (\d+), from (\d+) residents", text)
        assert first and later, text
        assert first[2] == "12" and later[1] == "100" and later[2] == "6"
        assert int(first[1]) < int(later[1])

        # ---------------------------------------------------------------- a bad survey file
        record = store_file(api.world, "document", "lifts.yaml", BAD_FILE)
        keys = ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
        start = len(api.calls)
        api.send_message(second, None, document={k: record[k] for k in keys})
        call = await api.wait_for_call(
            lambda c: (
                c.method.lower() == "sendmessage"
                and c.ok
                and c.params.get("chat_id") == SECOND_ADMIN
                and "Line" in str(c.params.get("text"))
            ),
            start=start,
            timeout=15,
        )
        reply = call.result
        text = plain(reply["text"])
        assert "This survey file cannot be used yet" in text
        assert "Line 7: an option list needs 2 to 10 options" in text
        assert "Line 8: a question's kind is choice, likert or text" in text
        assert "Line 10: “text” is missing" in text
        assert "Save" not in str(reply.get("reply_markup"))
        assert db_rows(db_path, "SELECT count(*) FROM survey_definitions") == [(0,)]
    finally:
        await process.stop()
