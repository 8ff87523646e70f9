"""The delivery engine's loop against the sandbox: queued rows reach their chats, Telegram's
refusals settle them, and nothing is sent twice. (The answers' rules: tests/unit/test_delivery.)"""

import json

from bot.handlers import notify
from bot.storage.outbox import Recipient
from tests.support import ADMIN_ID


async def queue(harness, *chat_ids, update_id=None):
    services = harness.app.bot_data["services"]
    recipients = [Recipient(c, c if c > 0 else None, {"text": f"Hello {c}"}) for c in chat_ids]
    job, _new = await services.delivery.start_job(
        "announcement", recipients, created_by=ADMIN_ID, update_id=update_id
    )
    return job


async def test_queued_messages_reach_their_chats_once(harness):
    sender = harness.app.bot_data["sender"]
    users = [harness.api.make_user(3000 + n, f"R{n}") for n in range(3)]
    for user in users:
        await harness.send(user, "/start")
    harness.api.block_bot(3001)
    job = await queue(harness, 3000, 3001, 3002)
    await sender.run_once()
    await sender.run_once()  # nothing left: nothing is sent again
    sent = [c for c in harness.calls("sendMessage") if c.params["text"].startswith("Hello")]
    assert sorted(c.params["chat_id"] for c in sent if c.status == 200) == [3000, 3002]
    report = await harness.app.bot_data["services"].delivery.report(job)
    assert report.by_state == {"sent": 2, "unreachable": 1}


async def test_a_refused_chat_fails_and_a_replayed_job_is_not_queued_twice(harness):
    sender = harness.app.bot_data["sender"]
    user = harness.api.make_user(3100, "R")
    await harness.send(user, "/start")
    job = await queue(harness, 3100, update_id=8080)
    again = await queue(harness, 3100, update_id=8080)
    assert again == job
    harness.api.add_fault("sendMessage", "chat_not_found", chat_id=3100)
    await sender.run_once()
    report = await harness.app.bot_data["services"].delivery.report(job)
    assert report.by_state == {"failed": 1}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8 + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")


async def row(harness, job):
    return await harness.app.bot_data["services"].db.fetch_one(
        "SELECT state, message_id, message_ids, skip_reason FROM outbox WHERE job_id = ?", (job,)
    )


async def start(harness, user_id, payload, priority=1):
    services = harness.app.bot_data["services"]
    job, _new = await services.delivery.start_job(
        "announcement", [Recipient(user_id, user_id, payload)], priority=priority
    )
    return job


async def test_an_attachment_and_parts_go_in_order_then_edits_change_them(harness):
    from bot.sandbox.methods.media import store_file

    user = harness.api.make_user(3200, "R")
    await harness.send(user, "/start")
    photo = store_file(harness.api.world, "photo", "notice.png", PNG)["file_id"]
    parts = [{"text": "Part one", "keyboard": None}, {"text": "Part two", "keyboard": None}]
    job = await start(
        harness,
        3200,
        {"parts": parts, "attachment": {"kind": "photo", "file_id": photo, "caption": "Map"}},
    )
    start_at = len(harness.api.calls)
    await harness.drain()
    sent = [c for c in harness.api.calls[start_at:] if c.params.get("chat_id") == 3200]
    assert [(c.method, c.params.get("text") or c.params.get("caption")) for c in sent] == [
        ("sendPhoto", "Map"),
        ("sendMessage", "Part one"),
        ("sendMessage", "Part two"),
    ]
    ids = [c.result["message_id"] for c in sent]
    state, message_id, message_ids, _ = await row(harness, job)
    assert (state, message_id, json.loads(message_ids)) == ("sent", ids[-1], ids)

    edits = [
        {"message_id": ids[1], "text": "Part one, corrected", "keyboard": None},
        {"message_id": ids[2], "text": "Part two", "keyboard": None},  # not modified: fine
    ]
    edit_job = await start(harness, 3200, {"op": "edit", "edits": edits})
    await harness.drain()
    assert (await row(harness, edit_job))[0] == "sent"
    texts = {m["message_id"]: m.get("text") for m in harness.api.bot_messages(3200)}
    assert texts[ids[1]] == "Part one, corrected" and texts[ids[2]] == "Part two"


async def test_a_failed_part_is_retried_without_resending_the_parts_before_it(harness):
    services = harness.app.bot_data["services"]
    await harness.send(harness.api.make_user(3250, "R"), "/start")
    parts = [{"text": f"Part {n}", "keyboard": None} for n in (1, 2, 3)]
    job = await start(harness, 3250, {"parts": parts, "attachment": None})
    before = len(harness.calls("sendMessage"))
    check, seen = harness.api.faults.check, []

    def second_part_fails(name, params):  # a 500 for part 2, the first time
        if name == "sendmessage" and params.get("chat_id") == 3250:
            seen.append(params["text"])
            if seen == ["Part 1", "Part 2"]:
                harness.api.faults.add("sendMessage", "server_error")
        check(name, params)

    harness.api.faults.check = second_part_fails
    await harness.drain()
    assert (await row(harness, job))[0] == "queued"  # retried later (a network error)
    await services.db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z'")
    await harness.drain()
    sent = [c for c in harness.calls("sendMessage")[before:] if c.ok]
    assert [c.params["text"] for c in sent] == ["Part 1", "Part 2", "Part 3"]
    state, _message_id, message_ids, _ = await row(harness, job)
    assert state == "sent" and json.loads(message_ids) == [c.result["message_id"] for c in sent]


async def test_people_who_paused_or_became_unreachable_are_skipped_at_claim(harness):
    services = harness.app.bot_data["services"]
    for n in range(3):
        await harness.send(harness.api.make_user(3300 + n, f"R{n}"), "/start")
    job = await queue(harness, 3300, 3301, 3302)  # bulk, queued while all were reachable
    await services.users.pause(3301)  # /stop after the job was queued
    await services.users.unreachable(3302)
    notice = await notify.queue(services, [3301, 3302], lambda: "A notice", reason="test")
    await harness.drain()
    report = await services.delivery.report(job)
    assert report.by_state == {"sent": 1, "skipped": 2}
    assert report.skipped == {"paused": 1, "unreachable": 1}
    # a notice still reaches a paused person, and is tried for an unreachable one
    assert (await services.delivery.report(notice)).by_state == {"sent": 2}
    assert (await services.delivery.job_state(job))[0] == "done"


async def test_watchers_hear_of_each_batch_and_of_finished_jobs(harness):
    sender = harness.app.bot_data["sender"]
    for n in range(3):
        await harness.send(harness.api.make_user(3400 + n, f"R{n}"), "/start")
    heard = []

    async def watcher(touched, finished):
        heard.append((set(touched), set(finished)))

    async def broken(touched, finished):
        raise RuntimeError("a watcher's bug")

    sender.watchers += [broken, watcher]
    sender.batch = 2
    job = await queue(harness, 3400, 3401, 3402)
    await harness.drain()
    assert heard == [({job}, set()), ({job}, {job})]
    state, finished_at = await harness.app.bot_data["services"].delivery.job_state(job)
    assert state == "done" and finished_at is not None


async def test_a_batch_of_30_is_claimed_sent_and_settled_together(harness):
    sender = harness.app.bot_data["sender"]
    for n in range(35):
        await harness.send(harness.api.make_user(3500 + n, f"R{n}"), "/start")
    await queue(harness, *range(3500, 3535))
    assert await sender.run_once() == 30  # one batch: 30 rows claimed, sent, settled
    db = harness.app.bot_data["services"].db
    states = await db.fetch_all("SELECT state, count(*) FROM outbox GROUP BY state")
    assert {s: n for s, n in states if s in ("sent", "queued")} == {"sent": 30, "queued": 5}
