"""What an operator sees: JSON log lines with update ids and no personal data at INFO, and
/status with the outbox's depth, the last error and, in webhook mode, the inbox's depth."""

import io
import json
import logging

import pytest

from bot import logs
from tests.support import language_label, tr


@pytest.fixture
def json_log():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    logs.setup_logging(
        logging.INFO, "123456789:AAE_abcdefghijklmnopqrstuvwxyz01234", stream, "json"
    )
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_a_sign_up_logs_one_json_line_per_update_and_nothing_personal(
    harness, admin, json_log
):
    await harness.send(admin, "/building add Maple Court")
    [photo, _poster] = await harness.send(admin, "/invite 1")
    code = photo["caption"].split("start=")[1].split()[0].strip("<>\"'")
    person = harness.api.make_user(4242, "Zephyrine", last_name="Quillfeather", language_code="fr")
    [welcome] = await harness.send(person, f"/start {code}")
    [consent], _a = await harness.press_label(person, welcome, language_label("fr"))
    [_name], _a = await harness.press_label(person, consent, tr("fr", "✅ I agree"))
    [_unit] = await harness.send(person, "Zephyrine Q. Marchetti-Oyelaran")
    [_tenure] = await harness.send(person, "Q77Z")
    await harness.send(person, "my landlord ignores the mould in flat Q77Z")
    await harness.send(person, "/mydata")

    records = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert records, "nothing was logged"
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    handled = [r for r in records if r.get("update_id") is not None]
    # one line for each update a handler took, stamped with its id
    assert len({r["update_id"] for r in handled}) >= 8
    assert all(r["message"].startswith(f"Update {r['update_id']}: ") for r in handled)
    text = json_log.getvalue()
    for personal in ("Zephyrine", "Quillfeather", "Marchetti", "Q77Z", "landlord", "mould", "4242"):
        assert personal not in text, personal


async def test_status_shows_the_queue_and_the_last_error(harness, admin):
    from bot.handlers import notify

    services = harness.app.bot_data["services"]
    await harness.send(admin, "/start")
    # a message waiting, as if the sender were busy elsewhere
    await notify.queue(services, [admin["id"]], lambda: "hello", reason="test")
    logs.watch_errors()
    logging.getLogger("bot.handlers.sender").error(
        "Outbox row %s could not be sent", 99, exc_info=ValueError("Amina's flat 4B")
    )
    status, _hello = await harness.send(admin, "/status")  # then the sender delivers it
    text = status["text"]
    assert "Waiting to be sent:" in text and "notice 1" in text, text
    assert "Last error:" in text
    assert "bot.handlers.sender: Outbox row %s could not be sent (ValueError)" in text
    assert "Amina" not in text and "4B" not in text
    assert "From Telegram" not in text  # polling: no inbox


WEBHOOK = {"webhook_url": "https://bot.example.org/telegram/maple", "webhook_secret": "s3cret"}


@pytest.mark.parametrize("harness", [WEBHOOK], indirect=True)
async def test_status_in_webhook_mode_shows_the_inbox_and_a_stuck_worker(harness, admin):
    from datetime import UTC, datetime, timedelta

    from bot.clock import to_db

    services = harness.app.bot_data["services"]
    await harness.send(admin, "/start")
    [status] = await harness.send(admin, "/status")
    assert "From Telegram, waiting to be handled: nothing" in status["text"]

    async def stored(update_id, ago):  # as the webhook server wrote them, never handled
        await services.db.execute(
            "INSERT INTO inbox (update_id, body, received_at) VALUES (?, '{}', ?)",
            (update_id, to_db(datetime.now(UTC) - ago)),
        )

    await stored(1, timedelta(minutes=3))
    [status] = await harness.send(admin, "/status")
    assert "From Telegram, waiting to be handled: 1, for 3 minutes" in status["text"]
    assert "⚠️" not in status["text"]
    await stored(2, timedelta(minutes=7))
    [status] = await harness.send(admin, "/status")
    text = status["text"]
    assert "From Telegram, waiting to be handled: 2, the oldest for 7 minutes" in text, text
    assert (
        "⚠️ What Telegram sends is not being handled (the oldest has waited over 5 minutes): "
        "look at the logs, then restart the bot."
    ) in text


async def test_the_daily_backup_runs_at_its_community_time_and_keeps_a_week(tmp_path):
    import contextlib
    from datetime import datetime, time
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from bot.app import build_application
    from bot.config import Config
    from bot.handlers.admin import daily_backup
    from bot.sandbox.core import FakeBotApi
    from bot.sandbox.request import SandboxRequest

    api = FakeBotApi()
    zone = ZoneInfo("America/Mexico_City")
    config = Config(
        token=api.token,
        db_path=tmp_path / "bot.sqlite3",
        timezone=zone,
        backup_dir=tmp_path / "backups",
        backup_keep=2,
        backup_time=time(3, 30),
    )
    app = build_application(config, request=SandboxRequest(api))
    await app.initialize()
    await app.post_init(app)
    try:
        [job] = app.job_queue.get_jobs_by_name("daily backup")
        trigger = job.job.trigger
        first = trigger.get_next_fire_time(None, datetime(2026, 11, 25, 12, 0, tzinfo=zone))
        assert first == datetime(2026, 11, 26, 3, 30, tzinfo=zone)

        services = app.bot_data["services"]
        context = SimpleNamespace(services=services)
        for _ in range(3):
            await daily_backup(context)
        today = datetime.now(zone).date().isoformat()
        assert [p.name for p in (tmp_path / "backups").iterdir()] == [f"bot-{today}.sqlite3"]
    finally:
        for name in ("sender_task", "heartbeat_task"):
            task = app.bot_data.get(name)
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        await app.post_shutdown(app)
        await app.shutdown()
