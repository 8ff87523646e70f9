"""Webhook mode (issue 14): the secret header is required, and an update is acknowledged only
once it is stored, so a crash right after the 200 loses nothing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.handlers.ratelimit import UpdatesInHand
from bot.storage.inbox import InboxRepository
from bot.webhook import SECRET_HEADER, InboxWorker, make_server
from tests.support import Harness, plain

SECRET = "s3cret_-Token"
PATH = "/telegram/hook"


@pytest.fixture
def inbox(harness: Harness) -> InboxRepository:
    return InboxRepository(harness.app.bot_data["services"].db)


@pytest.fixture
def worker(harness: Harness, inbox: InboxRepository) -> InboxWorker:
    return InboxWorker(harness.app, inbox, concurrency=4)


@pytest.fixture
async def client(inbox: InboxRepository, worker: InboxWorker):
    async with TestClient(TestServer(make_server(inbox, SECRET, PATH, worker.wake))) as client:
        yield client


def start_update(harness: Harness, user: dict, update_id: int) -> dict:
    message = harness.api.send_message(user, "/start")
    return {"update_id": update_id, "message": message}


def stored_rows(harness: Harness) -> list[tuple[int, str]]:
    """What another connection (another process, after a crash) finds committed."""
    path = harness.app.bot_data["config"].db_path
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT update_id, body FROM inbox ORDER BY update_id").fetchall()


def start_replies(harness: Harness, user: dict) -> list[str]:
    return [
        plain(c.response["result"].get("text", ""))
        for c in harness.api.calls
        if c.method.lower() == "sendmessage"
        and c.status == 200
        and c.response["result"]["chat"]["id"] == user["id"]
    ]


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_a_request_without_the_right_secret_is_refused_and_nothing_is_stored(
    harness, resident, client, headers
):
    response = await client.post(PATH, json=start_update(harness, resident, 1), headers=headers)
    assert response.status == 403
    assert stored_rows(harness) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"message": {}}',
        b'{"update_id": "7"}',
        b'{"update_id": true}',
        b'{"update_id": 1.5}',
        b"\xff\xfe",
    ],
)
async def test_a_body_that_is_not_an_update_is_a_400(harness, client, body):
    response = await client.post(PATH, data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    assert stored_rows(harness) == []


async def test_only_the_webhook_path_takes_posts(harness, resident, client):
    response = await client.post(
        "/elsewhere", json=start_update(harness, resident, 1), headers={SECRET_HEADER: SECRET}
    )
    assert response.status == 404
    assert stored_rows(harness) == []


async def test_the_update_is_committed_before_the_200_and_deleted_after_processing(
    harness, resident, client, inbox, worker, monkeypatch
):
    release = asyncio.Event()
    entered = asyncio.Event()
    process = harness.app.process_update

    async def blocked(update):
        entered.set()
        await release.wait()
        await process(update)

    monkeypatch.setattr(harness.app, "process_update", blocked)
    update = start_update(harness, resident, 42)
    response = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    # the 200 came back; the update is committed (another connection sees it), not processed
    assert [(i, json.loads(b)) for i, b in stored_rows(harness)] == [(42, update)]
    assert start_replies(harness, resident) == []

    await worker.run_once()
    await entered.wait()
    assert [i for i, _b in stored_rows(harness)] == [42]  # still there while it is processed
    release.set()
    await worker.drain()
    assert stored_rows(harness) == []
    assert len(start_replies(harness, resident)) == 1


async def test_no_200_when_the_update_could_not_be_stored(harness, resident, client, inbox):
    async def broken(update_id, body):
        raise sqlite3.OperationalError("disk I/O error")

    inbox.store = broken  # the server holds this very repository
    response = await client.post(
        PATH, json=start_update(harness, resident, 5), headers={SECRET_HEADER: SECRET}
    )
    assert response.status == 500  # Telegram keeps the update and sends it again
    assert stored_rows(harness) == []


async def test_a_redelivered_update_is_stored_once_and_handled_once(
    harness, resident, client, worker
):
    update = start_update(harness, resident, 77)
    for _ in range(2):
        response = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 200
    assert [i for i, _b in stored_rows(harness)] == [77]
    await worker.run_once()
    await worker.drain()
    assert len(start_replies(harness, resident)) == 1
    assert stored_rows(harness) == []


async def test_updates_left_in_the_inbox_by_a_crash_are_processed_once_at_start(
    harness, resident, inbox
):
    # The 200 went out, then the process died: the row is all that is left of the update.
    update = start_update(harness, resident, 500)
    await inbox.store(500, json.dumps(update))
    worker = InboxWorker(harness.app, inbox, concurrency=4)  # the next start's worker
    assert await worker.run_once() == 1
    await worker.drain()
    assert stored_rows(harness) == []
    assert len(start_replies(harness, resident)) == 1

    # A crash after processing but before the row was deleted: it comes round again, and the
    # gate (processed_updates) keeps its effect to once.
    await inbox.store(500, json.dumps(update))
    again = InboxWorker(harness.app, inbox, concurrency=4)
    await again.run_once()
    await again.drain()
    assert stored_rows(harness) == []
    assert len(start_replies(harness, resident)) == 1


async def test_rows_are_taken_in_update_id_order_through_the_update_processor(
    harness, resident, inbox
):
    """In order; and counted as in hand while processed, as polled updates are (the outbox's
    bulk lane yields to them: handlers/ratelimit.py)."""
    seen: list[tuple[int, int]] = []

    async def record(update):
        seen.append((update.update_id, app.update_processor.count))

    for update_id in (9, 3, 7, 5):
        await inbox.store(update_id, json.dumps(start_update(harness, resident, update_id)))
    app = SimpleNamespace(
        bot=harness.app.bot, process_update=record, update_processor=UpdatesInHand(1)
    )
    worker = InboxWorker(app, inbox, concurrency=1)
    await worker.run_once()
    await worker.drain()
    assert seen == [(3, 1), (5, 1), (7, 1), (9, 1)]
    assert app.update_processor.count == 0
    assert stored_rows(harness) == []


async def test_an_update_that_cannot_be_processed_does_not_come_round_forever(harness, inbox):
    await inbox.store(8, json.dumps({"update_id": 8, "message": "not a message"}))
    worker = InboxWorker(harness.app, inbox, concurrency=1)
    await worker.run_once()
    await worker.drain()
    assert stored_rows(harness) == []
    assert await worker.run_once() == 0


async def test_a_processed_update_leaves_no_trace_in_the_database_file(
    harness, resident, client, worker, monkeypatch
):
    """The row is deleted once processed, and SQLite zeroes it (``secure_delete``): what the
    person wrote is not left in the file's free space (nor copied into the nightly backup),
    even while other updates still wait in the inbox."""
    release = asyncio.Event()
    process = harness.app.process_update

    async def later_one_waits(update):
        if update.update_id == 93:
            await release.wait()
        await process(update)

    monkeypatch.setattr(harness.app, "process_update", later_one_waits)
    words = "Zephyrine in flat Q-913 about the mould"
    for update_id, text in ((91, words), (93, "hello")):
        update = {"update_id": update_id, "message": harness.api.send_message(resident, text)}
        response = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 200
    await worker.run_once()
    for _ in range(500):
        if [i for i, _b in stored_rows(harness)] == [93]:
            break
        await asyncio.sleep(0.01)
    assert [i for i, _b in stored_rows(harness)] == [93]  # 91 processed, 93 in hand
    path = harness.app.bot_data["config"].db_path
    with sqlite3.connect(path) as conn:  # as the next checkpoint (or a backup) would
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    assert words.encode() not in path.read_bytes()
    release.set()
    await worker.drain()
    assert stored_rows(harness) == []


async def test_forget_takes_the_persons_waiting_updates_but_not_later_ones_or_others(
    harness, resident, inbox
):
    """/forget (update 13) erases the raw updates the person sent up to it; one they send
    after it is a new request, handled (and then deleted) as usual; another person's stay."""
    services = harness.app.bot_data["services"]
    neighbour = harness.api.make_user(2001, "Bo", language_code="en")
    rows = {
        10: {"message": harness.api.send_message(resident, "Amina, flat 4B")},
        11: {"poll_answer": {"poll_id": "p", "user": resident, "option_ids": [0]}},
        12: {"message": harness.api.send_message(neighbour, "hello")},
        14: {"message": harness.api.send_message(resident, "/start")},
    }
    for update_id, update in rows.items():
        await inbox.store(update_id, json.dumps({"update_id": update_id, **update}))
    await services.privacy.forget(resident["id"], 13)
    assert [i for i, _b in stored_rows(harness)] == [12, 14]
    worker = InboxWorker(harness.app, inbox, concurrency=1)
    await worker.run_once()
    await worker.drain()
    assert stored_rows(harness) == []
    assert len(start_replies(harness, resident)) == 1  # the /start after erasing is answered
