"""The delivery engine's loop against the sandbox: queued rows reach their chats, Telegram's
refusals settle them, and nothing is sent twice. (The answers' rules: tests/unit/test_delivery.)"""

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
