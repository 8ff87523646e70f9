"""``kill -9`` while a survey wave closes, at several random moments (issue 14).

A wave of the agency survey: six residents answer it through the sandbox (the real answer
path), and 16,000 more respondents are written straight into the survey tables as that path
writes them (a link, their answers, one respondent more in each of their groups; most stopped
after a question or two; they paused announcements, so the invitations went to the six only),
so that closing the wave (marked closed, who answered copied into ``survey_respondents``,
every link deleted, the close audited: one transaction) has work for a kill to land in. A bot
started on a copy of that database (the base) closes the wave cleanly: how long it takes from
the gate's record of ``/survey close`` to the close's commit (a thread reads the database
every half millisecond) sets the span of the kills, and its ``/survey results`` are the
reference. Each kill starts a bot on a new copy of the base and lands at a random moment of
that span (see :func:`moments`) or just after the commit.

After each kill, read with sqlite3: the file is whole and the wave is either fully open
(every link as before, nobody copied, no close audited) or fully closed (no link left, every
respondent copied, no response id anywhere but in ``survey_answers`` and no respondent's id in
any other survey table, the close audited once), never between; every answer and group count
as before and no outbox row added. The bot is restarted, the organiser closes the wave again
("already closed" when the kill came after the commit), and ``/survey results`` gives the
counts of the answers given and the clean run's very CSV. Closing tells residents nothing, and
the organiser hears "is closed" at most once per database.

``KILL_SEED`` (an integer) picks other moments; the moments and what each kill found are
printed (``pytest -s``). The long variant (twelve kills) is in ``make soak``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import realhttp
from bot import i18n
from bot.services.surveys import AGENCY
from tests.e2e.conftest import BotProcess
from tests.e2e.test_surveys_e2e import answer_wave
from tests.support import ADMIN_ID, plain

pytestmark = pytest.mark.e2e

WAVE = 1
LOCALES = ("en", "es", "fr", "ar", "zh_Hans", "vi")
PHONE = {"zh_Hans": "zh-CN"}
REAL = {9500 + i: LOCALES[i % len(LOCALES)] for i in range(6)}  # answer through the bot
BULK = range(100_000, 116_000)  # written straight into the survey tables
ANSWERED = (1, 1, 1, 1, 2, 6)  # a bulk respondent answered the first n questions, n one of these
SEED = int(os.environ.get("KILL_SEED", "14"))
SPAN = 1.2  # the kills after the gate: from it to a little past the clean close's commit
AFTER = 0.02  # seconds past the commit: the organiser's reply goes out about then
CLOSED = "Wave #1 is closed"
ALREADY = "This survey wave is closed"
SENDS = ("sendmessage", "sendphoto", "senddocument", "sendpoll", "editmessagetext", "copymessage")


def connect(db_path: Path) -> sqlite3.Connection:
    return realhttp.connect(db_path)


def stage_residents(db_path: Path) -> None:
    realhttp.seed_residents(db_path, list(REAL), locale_of=REAL.get)
    realhttp.seed_residents(db_path, list(BULK))
    db = connect(db_path)
    try:
        with db:
            db.execute("UPDATE users SET paused = 1 WHERE id >= ?", (BULK.start,))
            db.execute("UPDATE residents SET affordability = 'assisted' WHERE user_id % 3 = 0")
            db.execute("UPDATE residents SET tenure = 'owner' WHERE user_id % 4 = 0")
    finally:
        db.close()


def seed_answers(db_path: Path, users: range, rng: random.Random) -> None:
    """What ``SurveyService._record`` writes for each of ``users``: a random response id
    linked to them, their answers to the first questions (a few skipped), and one respondent
    more in each of their groups."""
    db = connect(db_path)
    try:
        people = db.execute(
            "SELECT r.user_id, r.building_id, r.tenure, r.affordability, u.locale, "
            "u.telegram_language FROM residents r JOIN users u ON u.id = r.user_id "
            "WHERE r.user_id BETWEEN ? AND ?",
            (users.start, users.stop - 1),
        ).fetchall()
        links, answers, groups = [], [], Counter()
        for user_id, building, tenure, affordability, locale, phone in people:
            response = rng.randbytes(12).hex()
            links.append((WAVE, user_id, response))
            for question in AGENCY[: rng.choice(ANSWERED)]:
                value = rng.choice((1, 5)) if question == "activity" else rng.randint(1, 5)
                answers.append((WAVE, response, question, None if rng.random() < 0.05 else value))
            groups[("building", str(building))] += 1
            groups[("tenure", tenure or "undisclosed")] += 1
            groups[("affordability", affordability or "undisclosed")] += 1
            groups[("language", i18n.resolve_locale(locale, phone))] += 1
        with db:
            db.executemany("INSERT INTO survey_links VALUES (?, ?, ?)", links)
            db.executemany(
                "INSERT INTO survey_answers (wave_id, response_id, question, value) "
                "VALUES (?, ?, ?, ?)",
                answers,
            )
            db.executemany(
                "INSERT INTO survey_groups (wave_id, dimension, grp, respondents) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (wave_id, dimension, grp) "
                "DO UPDATE SET respondents = respondents + excluded.respondents",
                [(WAVE, dim, grp, n) for (dim, grp), n in groups.items()],
            )
    finally:
        db.close()


def copy_db(source: Path, dest: Path) -> None:
    """A whole copy (through SQLite's backup, so nothing waits in a -wal file)."""
    dest.parent.mkdir(exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def snapshot(db_path: Path) -> dict:
    """What the close must keep or move, read with sqlite3 (after checking the file)."""
    db = connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        state, closed_at = db.execute(
            "SELECT state, closed_at FROM survey_waves WHERE id = ?", (WAVE,)
        ).fetchone()
        return {
            "state": state,
            "closed_at": closed_at,
            "links": dict(
                db.execute(
                    "SELECT user_id, response_id FROM survey_links WHERE wave_id = ?", (WAVE,)
                )
            ),
            "respondents": {
                r[0]
                for r in db.execute(
                    "SELECT user_id FROM survey_respondents WHERE wave_id = ?", (WAVE,)
                )
            },
            "answers": db.execute(
                "SELECT response_id, question, value, text FROM survey_answers "
                "WHERE wave_id = ? ORDER BY 1, 2",
                (WAVE,),
            ).fetchall(),
            "groups": db.execute(
                "SELECT dimension, grp, approved, respondents FROM survey_groups "
                "WHERE wave_id = ? ORDER BY 1, 2",
                (WAVE,),
            ).fetchall(),
            "close_audits": db.execute(
                "SELECT count(*) FROM audit_log WHERE action = 'survey.close'"
            ).fetchone()[0],
            "outbox": dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state")),
        }
    finally:
        db.close()


def joins(db_path: Path, responses: set[str], people: set[int]) -> list[str]:
    """(table.column) of every value, in every table, that is one of the wave's response ids
    (but survey_answers.response_id), or one of its respondents' ids in a survey table (but
    survey_respondents.user_id, which says who answered and never what)."""
    found = set()
    db = connect(db_path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')  # sql-ok: a name SQLite gave
            columns = [d[0] for d in cursor.description]
            survey = table.startswith("survey_")
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    where = f"{table}.{column}"
                    if value in responses and where != "survey_answers.response_id":
                        found.add(where)
                    if survey and value in people and where != "survey_respondents.user_id":
                        found.add(where)
    finally:
        db.close()
    return sorted(found)


def check_whole(db_path: Path, base: dict) -> str:
    """The wave after a kill: fully open or fully closed (which is returned), nothing lost."""
    now = snapshot(db_path)
    assert now["answers"] == base["answers"], "answers changed"
    assert now["groups"] == base["groups"], "group counts changed"
    assert now["outbox"] == base["outbox"], "the close queued or re-queued messages"
    if now["state"] == "open":
        assert now["closed_at"] is None
        assert now["links"] == base["links"], "an open wave lost links"
        assert now["respondents"] == set()
        assert now["close_audits"] == 0
        return "open"
    assert now["state"] == "closed" and now["closed_at"] is not None
    assert now["links"] == {}, "a closed wave kept links"
    assert now["respondents"] == set(base["links"]), "respondents not all copied"
    assert now["close_audits"] == 1
    responses = {r[0] for r in base["answers"]}
    assert joins(db_path, responses, set(base["links"])) == []
    return "closed"


def watch(
    db_path: Path, update_id: int, *, pid: int | None = None, after: str = "", delay: float = 0
) -> dict[str, float]:
    """Read the bot's database every half millisecond (in a thread; a WAL reader, which the
    bot never waits for): when the gate recorded ``update_id`` and when the wave's close
    committed (monotonic seconds). With ``pid``, kill -9 it ``delay`` seconds after the event
    ``after`` ("gate" or "commit") instead of waiting for the commit."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + 30
    db = connect(db_path)
    try:
        while time.monotonic() < deadline:
            gate, state = db.execute(
                "SELECT (SELECT count(*) FROM processed_updates WHERE update_id = ?), "
                "(SELECT state FROM survey_waves WHERE id = ?)",
                (update_id, WAVE),
            ).fetchone()
            now = time.monotonic()
            if gate and "gate" not in seen:
                seen["gate"] = now
            if state == "closed" and "commit" not in seen:
                seen["commit"] = now
            if pid is not None and after in seen and now >= seen[after] + delay:
                os.kill(pid, signal.SIGKILL)
                seen["kill"] = now
                return seen
            if pid is None and "commit" in seen:
                return seen
            time.sleep(0.0005)
    finally:
        db.close()
    raise AssertionError(f"update {update_id}: only {sorted(seen)} within 30 s")


def moments(rng: random.Random, kills: int, work: float) -> list[tuple[str, float]]:
    """When each kill lands, as (after what, seconds): of every four kills, three after the
    gate's record of the command, at a random moment of the clean close's span from there to
    its commit stretched by ``SPAN`` (one in each of equal slices, so early and late moments
    are both tried): inside the transaction, or past its commit when this close runs faster;
    the fourth up to ``AFTER`` past this close's own commit (before or after the reply)."""
    during = [i for i in range(kills) if i % 4 != 3]
    out = []
    for i in range(kills):
        if i in during:
            j = during.index(i)
            fraction = rng.uniform(j / len(during), (j + 1) / len(during)) * SPAN
            out.append(("gate", fraction * work))
        else:
            out.append(("commit", rng.uniform(0, AFTER)))
    return out


def to_admin(method: str):
    return lambda c: c.method.lower() == method and c.ok and c.params["chat_id"] == ADMIN_ID


async def close_reply(api, admin: dict, timeout: float = 30.0) -> str:
    """The organiser sends /survey close; returns the bot's answer (closed or already)."""
    start = len(api.calls)
    api.send_message(admin, f"/survey close {WAVE}")
    call = await api.wait_for_call(
        lambda c: (
            to_admin("sendmessage")(c)
            and (CLOSED in plain(c.params["text"]) or ALREADY in plain(c.params["text"]))
        ),
        start=start,
        timeout=timeout,
    )
    return plain(call.params["text"])


async def results(api, admin: dict, timeout: float = 60.0) -> tuple[str, str]:
    """/survey results: the text (after its first line, which names the close's date) and
    the CSV file."""
    start = len(api.calls)
    api.send_message(admin, f"/survey results {WAVE}")
    text = await api.wait_for_call(
        lambda c: to_admin("sendmessage")(c) and c.params["text"].startswith("📊"),
        start=start,
        timeout=timeout,
    )
    document = await api.wait_for_call(to_admin("senddocument"), start=start, timeout=timeout)
    content = api.world.files[document.result["document"]["file_id"]]["content"].decode()
    return plain(text.params["text"]).split("\n", 1)[1], content


def counted(table: str) -> tuple[int, Counter]:
    """The CSV's respondents and (question, value) -> answers (blank: none, or hidden, which
    no cell of this wave is)."""
    rows = list(csv.reader(io.StringIO(table)))[1:]
    [respondents] = [int(count) for section, _i, _g, count in rows if section == "respondents"]
    cells = Counter(
        {
            (item, group): int(count or 0)
            for section, item, group, count in rows
            if section == "answers"
        }
    )
    return respondents, +cells


def given(base: dict) -> tuple[int, Counter]:
    """The same, from the answers in the database before the close."""
    cells = Counter(
        (question, "skip" if value is None else str(value))
        for _r, question, value, _t in base["answers"]
    )
    return len(base["links"]), cells


async def stage(api, process: BotProcess) -> None:
    """The wave, opened by the organiser and answered by the six through the bot."""
    db_path = process.workdir / "bot.sqlite3"
    await asyncio.to_thread(realhttp.migrate, process.env, process.workdir)
    await asyncio.to_thread(stage_residents, db_path)
    people = {}
    for uid, locale in REAL.items():
        people[uid] = api.make_user(uid, f"Resident {uid}", language_code=PHONE.get(locale, locale))
        api.world.register_user(people[uid])
    admin = api.make_user(ADMIN_ID, "Admin", language_code="en")
    await process.start()
    opened = await process.reply_to(admin, "/survey open agency 7 all")
    assert f"Wave #{WAVE}" in plain(opened["text"]), opened["text"]
    await asyncio.gather(
        *(
            answer_wave(api, person, WAVE, [(i % 5) + 1] * 5 + [5 if i % 2 else 1])
            for i, person in enumerate(people.values())
        )
    )


@pytest.mark.parametrize("kills", [4, pytest.param(12, marks=pytest.mark.soak)])
async def test_kill_9_while_a_wave_closes_leaves_it_open_or_closed_never_between(
    sandbox, tmp_path, kills
):
    api, server = sandbox
    admin = api.make_user(ADMIN_ID, "Admin", language_code="en")
    folder = tmp_path / "stage"
    folder.mkdir()
    process = BotProcess(api, server, folder, BOT_QUIET_HOURS="")
    try:
        await stage(api, process)
    finally:
        await process.stop()
    base_path = folder / "bot.sqlite3"
    await asyncio.to_thread(seed_answers, base_path, BULK, random.Random(SEED))
    base = await asyncio.to_thread(snapshot, base_path)
    assert base["state"] == "open" and len(base["links"]) == len(REAL) + len(BULK)
    assert base["outbox"] == {"sent": len(REAL)}  # the invitations, each sent once
    staged = len(api.calls)

    # ---------------------------------------------------------------- a clean close
    folder = tmp_path / "clean"
    db_path = folder / "bot.sqlite3"
    await asyncio.to_thread(copy_db, base_path, db_path)
    process = BotProcess(api, server, folder, BOT_QUIET_HOURS="")
    await process.start()  # as for each kill: a bot just started
    try:
        start = len(api.calls)
        api.send_message(admin, f"/survey close {WAVE}")
        seen = await asyncio.to_thread(watch, db_path, api.last_update_id)
        await api.wait_for_call(to_admin("sendmessage"), start=start, timeout=30)
        replied = time.monotonic()
        reference = await results(api, admin)
    finally:
        await process.stop()
    assert await asyncio.to_thread(check_whole, db_path, base) == "closed"
    assert counted(reference[1]) == given(base)
    work = seen["commit"] - seen["gate"]

    # ---------------------------------------------------------------- the kills
    print(
        f"\nseed {SEED}: a clean /survey close commits {work * 1000:.0f} ms after the gate "
        f"recorded the command (replied {(replied - seen['gate']) * 1000:.0f} ms after)"
    )
    found = []
    for i, (after, delay) in enumerate(moments(random.Random(SEED), kills, work)):
        folder = tmp_path / f"kill-{i}"
        db_path = folder / "bot.sqlite3"
        await asyncio.to_thread(copy_db, base_path, db_path)
        process = BotProcess(api, server, folder, BOT_QUIET_HOURS="")
        await process.start()
        start = len(api.calls)
        try:
            api.send_message(admin, f"/survey close {WAVE}")
            update_id, pid = api.last_update_id, process.proc.pid
            seen = await asyncio.to_thread(
                watch, db_path, update_id, pid=pid, after=after, delay=delay
            )
            await process.wait_exit()
            told = realhttp.text_sends(api, CLOSED, start).get(ADMIN_ID, 0)
            state = await asyncio.to_thread(check_whole, db_path, base)
            await process.start()  # the restart; then the organiser finishes the job
            answer = await close_reply(api, admin)
            assert CLOSED in answer or (state == "closed" and ALREADY in answer), answer
            assert await asyncio.to_thread(check_whole, db_path, base) == "closed"
            assert await results(api, admin) == reference
        finally:
            if process.alive():
                await process.stop()
        total = realhttp.text_sends(api, CLOSED, start).get(ADMIN_ID, 0)
        assert total <= 1, f"the organiser was told {total} times"
        found.append(state)
        at = f"{(seen['kill'] - seen['gate']) * 1000:.0f} ms after the gate"
        if after == "gate":
            at += f" ({delay / work:.2f} of the clean close's span)"
        else:
            at = f"{(seen['kill'] - seen['commit']) * 1000:.0f} ms after the commit, {at}"
        print(
            f"kill {i}: {at}: the wave was {state}, "
            f"the organiser {'told' if told else 'not told'} before the kill"
        )
    to_residents = [
        c.summary()
        for c in api.calls[staged:]
        if c.method.lower() in SENDS and c.ok and c.params.get("chat_id") != ADMIN_ID
    ]
    assert to_residents == []  # closing tells residents nothing, and nothing went out again
    print(f"after {kills} kills: {dict(Counter(found))}")
