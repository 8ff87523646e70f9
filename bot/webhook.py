"""Webhook mode: Telegram posts updates to a small aiohttp server of our own.

python-telegram-bot's ``run_webhook`` answers 200 before the update is processed (it only
puts it on a queue in memory), so a crash right after the 200 would lose it: Telegram never
sends an acknowledged update again. Here the order is the other way round:

1. :func:`make_server`'s handler checks the ``X-Telegram-Bot-Api-Secret-Token`` header
   (``hmac.compare_digest``; missing or wrong: 403, nothing stored), reads the body (not a JSON
   object with an integer ``update_id``: 400), writes it to the ``inbox`` table
   (``INSERT OR IGNORE``: a re-delivered update is one row) and commits, and only then answers
   200.
2. :class:`InboxWorker` takes the rows in ``update_id`` order, hands each to
   ``Application.process_update`` through its update processor (up to ``app.CONCURRENT_UPDATES``
   at a time, counted as in hand, like polling) and
   deletes it once processed. Rows a crash left behind are processed first at the next start;
   the gate (``processed_updates``) keeps a half-handled one from taking effect twice.

A row holds the update's raw JSON (names, what people wrote) only until then: the deleted row
is zeroed (``secure_delete``, ``storage/db.py``), and ``/forget`` deletes the person's own rows
(``InboxRepository.forget``, called by ``services/privacy.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Config, ConfigError
from bot.storage.inbox import InboxRepository

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram's largest are far below this
STOP_GRACE_SECONDS = 10.0  # how long updates in hand may finish at shutdown


def webhook_path(url: str) -> str:
    """The path Telegram posts to (the reverse proxy passes it on unchanged)."""
    return urlsplit(url).path or "/"


def secret_matches(given: str | None, secret: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode())


def parse_update(body: bytes) -> int | None:
    """The update's id, or None when ``body`` is not a JSON object with an integer one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    update_id = data.get("update_id")
    if type(update_id) is not int or not -(2**63) <= update_id < 2**63:  # not a bool either
        return None
    return update_id


def make_server(
    inbox: InboxRepository, secret: str, path: str, on_stored: Callable[[], None]
) -> web.Application:
    """The aiohttp application: one POST route at ``path``."""

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            log.warning("Webhook request refused: missing or wrong secret token")
            return web.Response(status=403, text="Forbidden")
        body = await request.read()
        update_id = parse_update(body)
        if update_id is None:
            return web.Response(status=400, text="Not an update")
        if not await inbox.store(update_id, body.decode("utf-8")):
            log.info("Update %s arrived again; it is stored once", update_id)
        on_stored()
        return web.Response(status=200)  # only now: the update is committed

    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post(path, receive)
    return server


class InboxWorker:
    """Processes the ``inbox`` in update_id order, deleting each row once it is processed."""

    def __init__(self, app: Application, inbox: InboxRepository, concurrency: int) -> None:
        self.app = app
        self.inbox = inbox
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._in_hand: dict[int, asyncio.Task] = {}
        self.processed = 0  # rows taken out of the inbox since start (for tests and logs)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        left = await self.inbox.count()
        if left:
            log.info("Processing %s updates stored before the last stop", left)
        while True:
            self._wake.clear()
            await self.run_once()
            await self._wake.wait()

    async def run_once(self) -> int:
        """Start processing every stored row not yet in hand; returns how many were started."""
        started = 0
        after = None
        while True:
            rows = await self.inbox.pending(after)
            if not rows:
                return started
            for update_id, body in rows:
                after = update_id
                if update_id in self._in_hand:
                    continue
                await self._slots.acquire()  # in update_id order, at most `concurrency` at once
                self._in_hand[update_id] = asyncio.create_task(
                    self._process(update_id, body), name=f"update {update_id}"
                )
                started += 1

    async def _process(self, update_id: int, body: str) -> None:
        try:
            try:
                update = Update.de_json(json.loads(body), self.app.bot)
                # through the Application's update processor, as polling does: its count of
                # updates in hand is what the bulk lane yields to (handlers/ratelimit.py)
                await self.app.update_processor.process_update(
                    update, self.app.process_update(update)
                )
            except Exception:  # a malformed update must not come round again and again
                log.exception("Update %s from the inbox could not be processed", update_id)
            try:
                await self.inbox.remove(update_id)
            except Exception:  # it stays, and comes round once more: the gate skips it then
                log.exception("Update %s could not be taken out of the inbox", update_id)
            else:
                self.processed += 1
        finally:
            self._in_hand.pop(update_id, None)
            self._slots.release()
            self._wake.set()  # rows that waited for a slot are looked at again

    async def drain(self) -> None:
        """Wait until nothing is in hand (tests, and a clean stop)."""
        while self._in_hand:
            await asyncio.gather(*self._in_hand.values(), return_exceptions=True)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let the updates in hand finish for up to ``grace`` seconds, then cancel the rest
        (their rows stay, and are looked at again at the next start)."""
        tasks = list(self._in_hand.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def serve(app: Application, config: Config) -> None:
    """Run the Application on webhook updates until SIGINT/SIGTERM, then stop cleanly."""
    assert config.webhook_url is not None and config.webhook_secret is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        try:
            await _serve_until(app, config, stop)
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def _serve_until(app: Application, config: Config, stop: asyncio.Event) -> None:
    from bot.app import CONCURRENT_UPDATES

    inbox = InboxRepository(app.bot_data["services"].db)
    worker = InboxWorker(app, inbox, CONCURRENT_UPDATES)
    app.bot_data["inbox_worker"] = worker
    worker_task = asyncio.create_task(worker.run(), name="inbox worker")
    path = webhook_path(config.webhook_url)
    runner = web.AppRunner(make_server(inbox, config.webhook_secret, path, worker.wake))
    await runner.setup()
    try:
        host, port = config.webhook_listen
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise ConfigError(
                "BOT_WEBHOOK_LISTEN", f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None
        log.info("Listening for Telegram's updates on %s:%s%s", host, port, path)
        await app.bot.set_webhook(
            config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        log.info("Webhook set: Telegram posts updates to %s", config.webhook_url)
        await stop.wait()
        log.info("Stopping: no new updates are taken; those in hand finish")
    finally:
        await runner.cleanup()  # no new requests: Telegram keeps what it could not deliver
        worker_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker_task
        await worker.stop()
