"""``python -m bot demo``: chat with the real bot in the terminal, no token or internet needed.

Starts the sandbox Bot API on a free loopback port, runs the bot as a subprocess pointed at
it, and turns terminal lines into a user's Telegram messages / button presses.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .core import SANDBOX_TOKEN, ApiCall, FakeBotApi
from .formatting import ParseError, parse_html

__all__ = [
    "Command",
    "format_buttons",
    "html_to_text",
    "number_buttons",
    "parse_console_line",
    "render_message",
    "run_demo",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESIDENT_ID, RESIDENT_NAME = 2000, "Amina"
ADMIN_NAME = "Sam"
QUIET_AFTER = 0.5  # the bot counts as "done answering" after this long without API calls

HELP = """\
Console commands:
  <text>              send <text> as the current user (try /start)
  <number>            press that button of the latest bot message with buttons
  :say <text>         send <text> even if it looks like a number or a command
  :as admin           type as the admin ({admin_name}, user id {admin_id})
  :as resident        type as the resident ({resident_name}, user id {resident_id})
  :as <id> [lang]     type as any other user id (optionally with a Telegram language)
  :lang <code>        change the current user's Telegram language (e.g. :lang es)
  :file <path>        send a file (e.g. :file docs/surveys/example.yaml, a survey of your own)
  :vote <n> [<m> ...] answer the latest poll in this chat (options numbered from 1)
  :vote               withdraw your answer to it
  :help               show this help
  :quit               stop the bot and exit (Ctrl-D works too)"""

_SEND_OR_EDIT = {
    "sendmessage": "",
    "senddocument": "",
    "sendphoto": "",
    "sendpoll": "",
    "editmessagetext": " (edited)",
    "editmessagecaption": " (edited)",
    "editmessagereplymarkup": " (buttons changed)",
}


# ------------------------------------------------------------------ pure helpers
@dataclass(frozen=True)
class Command:
    """One parsed console line. kind: text, press, help, as, lang, quit, empty, error."""

    kind: str
    arg: str = ""
    extra: str | None = None
    number: int | None = None


_DEEP_LINK = re.compile(r"(?:https?://)?t\.me/\w+\?start=([A-Za-z0-9_-]{1,64})")


def _read_file(arg: str) -> tuple[str, bytes] | None:
    """A file the demo's user sends (``:file PATH``): its name and bytes, or None."""
    path = Path(arg).expanduser()
    return (path.name, path.read_bytes()) if path.is_file() else None


def parse_console_line(line: str) -> Command:
    text = line.rstrip("\r\n")
    stripped = text.strip()
    if not stripped:
        return Command("empty")
    if re.fullmatch(r"\d{1,3}", stripped):
        return Command("press", arg=stripped, number=int(stripped))
    link = _DEEP_LINK.fullmatch(stripped)
    if link:  # pasting an invite link opens it, as tapping it in Telegram would
        return Command("text", arg=f"/start {link.group(1)}")
    if not stripped.startswith(":"):
        return Command("text", arg=text)
    parts = stripped[1:].split()
    name = parts[0].lower() if parts else ""
    if name in ("help", "h", "?"):
        return Command("help")
    if name in ("quit", "q", "exit"):
        return Command("quit")
    if name == "say":
        rest = stripped[1:].split(maxsplit=1)
        return (
            Command("text", arg=rest[1])
            if len(rest) > 1
            else Command("error", "usage: :say <text>")
        )
    if name == "as":
        if len(parts) < 2 or not (parts[1].lower() in ("admin", "resident") or parts[1].isdigit()):
            return Command("error", "usage: :as admin | :as resident | :as <user id> [language]")
        return Command("as", arg=parts[1].lower(), extra=parts[2] if len(parts) > 2 else None)
    if name == "vote":
        if not all(p.isdigit() and 1 <= int(p) <= 12 for p in parts[1:]):
            return Command("error", "usage: :vote <option number> [more numbers], or :vote")
        return Command("vote", arg=" ".join(parts[1:]))
    if name == "lang":
        if len(parts) != 2 or not re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z]+)?", parts[1]):
            return Command("error", "usage: :lang <language code>, e.g. :lang es")
        return Command("lang", arg=parts[1])
    if name == "file":
        rest = stripped[1:].split(maxsplit=1)
        if len(rest) < 2:
            return Command("error", "usage: :file <path>, e.g. :file docs/surveys/example.yaml")
        return Command("file", arg=rest[1])
    return Command("error", f"unknown command :{name} - type :help")


def _utf16_slice(text: str, start: int, end: int) -> str:
    data = text.encode("utf-16-le")
    return data[start * 2 : end * 2].decode("utf-16-le", "replace")


def render_text(text: str, entities: list[dict] | None = None) -> str:
    """Plain text of a Telegram message, with link targets shown after their labels."""
    links = sorted(
        (e for e in entities or [] if e.get("type") == "text_link"),
        key=lambda e: e["offset"] + e["length"],
        reverse=True,
    )
    units = len(text.encode("utf-16-le")) // 2
    for ent in links:
        end = ent["offset"] + ent["length"]
        label = _utf16_slice(text, ent["offset"], end)
        if label.strip() != ent.get("url"):
            text = _utf16_slice(text, 0, end) + f" ({ent['url']})" + _utf16_slice(text, end, units)
    return text


def html_to_text(html: str) -> str:
    """Telegram-HTML to terminal text: tags removed, entities unescaped, links shown."""
    try:
        plain, entities = parse_html(html)
    except ParseError:
        import html as html_module

        return html_module.unescape(re.sub(r"<[^>]*>", "", html))
    return render_text(plain, entities)


def number_buttons(reply_markup: dict | None) -> list[dict]:
    """The inline buttons of a message, flattened in reading order (numbered from 1)."""
    if not reply_markup:
        return []
    return [b for row in reply_markup.get("inline_keyboard", []) for b in row]


def format_buttons(buttons: list[dict]) -> str:
    parts = []
    for index, button in enumerate(buttons, 1):
        label = f"[{index}] {button.get('text', '')}"
        if "url" in button:
            label += f" -> {button['url']}"
        parts.append(label)
    return "  ".join(parts)


def render_message(message: dict) -> str:
    """A bot message as terminal text (without the buttons)."""
    lines = []
    if "document" in message:
        doc = message["document"]
        lines.append(f"[file: {doc.get('file_name', 'document')}, {doc.get('file_size', 0)} bytes]")
    if "photo" in message:
        lines.append("[photo]")
    if "poll" in message:
        poll = message["poll"]
        state = ", closed" if poll.get("is_closed") else ""
        lines.append(f"[poll{state}] {poll['question']}")
        lines.extend(
            f"   {i}. {o['text']} ({o.get('voter_count', 0)} votes)"
            for i, o in enumerate(poll["options"], 1)
        )
        if not poll.get("is_closed"):
            lines.append("   (answer with :vote <number>, withdraw with :vote)")
    if "text" in message:
        lines.append(render_text(message["text"], message.get("entities")))
    if "caption" in message:
        lines.append(render_text(message["caption"], message.get("caption_entities")))
    return "\n".join(lines) if lines else "[message]"


def _indent(prefix: str, body: str) -> str:
    pad = " " * len(prefix)
    first, *rest = body.split("\n")
    return "\n".join([prefix + first, *(pad + line for line in rest)])


# --------------------------------------------------------------------- session
class _DemoSession:
    def __init__(
        self, api: FakeBotApi, out: TextIO, admin_ids: tuple[int, ...], echo_input: bool
    ) -> None:
        self.api = api
        self.out = out
        self.echo_input = echo_input
        self.admin_id = admin_ids[0] if admin_ids else 1000
        self.users: dict[int, dict] = {
            RESIDENT_ID: api.make_user(RESIDENT_ID, RESIDENT_NAME, language_code="en"),
            self.admin_id: api.make_user(self.admin_id, ADMIN_NAME, language_code="en"),
        }
        self.user = self.users[RESIDENT_ID]
        self.my_queries: set[str] = set()
        self.last_activity = time.monotonic()
        self.files_dir: Path | None = None
        api.listeners.append(self.on_call)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def save_file(self, message: dict) -> Path | None:
        """Keep a photo or document the bot sent (a QR code, a data export) to look at."""
        if "photo" in message:
            file_id, name = message["photo"][-1]["file_id"], f"photo-{message['message_id']}.png"
        elif "document" in message:
            file_id = message["document"]["file_id"]
            name = message["document"].get("file_name") or f"file-{message['message_id']}"
        else:
            return None
        stored = self.api.files().get(file_id)
        if stored is None or self.files_dir is None:
            return None
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(name).name
        path.write_bytes(stored[1])
        return path

    def describe(self, user: dict) -> str:
        role = (
            "admin"
            if user["id"] == self.admin_id
            else "resident"
            if user["id"] == RESIDENT_ID
            else "user"
        )
        lang = user.get("language_code") or "none"
        return f"{user['first_name']} ({role}, user id {user['id']}, Telegram language {lang})"

    # called synchronously by FakeBotApi for every API call the bot makes
    def on_call(self, call: ApiCall) -> None:
        method = call.method.lower()
        if method == "getupdates":
            return
        self.last_activity = time.monotonic()
        if not call.ok:
            if method not in ("answercallbackquery", "sendchataction"):
                self.say(
                    f"  ! the bot's {call.method} failed: {call.status} "
                    f"{call.response.get('description')}"
                )
            return
        if method in _SEND_OR_EDIT and isinstance(call.result, dict):
            message = call.result
            chat_id = message["chat"]["id"]
            text = render_message(message)
            buttons = number_buttons(message.get("reply_markup"))
            if chat_id == self.user["id"]:
                self.say(_indent(f"bot{_SEND_OR_EDIT[method]}> ", text))
                saved = self.save_file(message)
                if saved:
                    self.say(f"     (saved to {saved})")
                if buttons:
                    self.say("     " + format_buttons(buttons))
            else:
                who = self.users.get(chat_id, {}).get("first_name", f"chat {chat_id}")
                first = text.split("\n", 1)[0]
                more = " ..." if "\n" in text or buttons else ""
                self.say(f"  (bot -> {who}{_SEND_OR_EDIT[method]}: {first}{more})")
        elif method == "answercallbackquery":
            query_id = str(call.params.get("callback_query_id"))
            answer = self.api.callback_answers.get(query_id) or {}
            if query_id in self.my_queries and answer.get("text"):
                kind = "alert" if answer.get("show_alert") else "shows"
                self.say(f"(bot {kind}: {answer['text']})")
        elif method == "deletemessage" and call.params.get("chat_id") == self.user["id"]:
            self.say("(bot deleted a message)")

    async def vote(self, numbers: str, proc: asyncio.subprocess.Process) -> None:
        """Answer (or, with no numbers, withdraw from) the latest poll in this chat, as
        tapping its options in Telegram would."""
        polls = [m for m in self.api.bot_messages(self.user["id"]) if "poll" in m]
        if not polls:
            self.say("(there is no poll in this chat to answer)")
            return
        poll = polls[-1]["poll"]
        options = [int(n) - 1 for n in numbers.split()]
        try:
            update = self.api.answer_poll(self.user, poll["id"], options)
        except ValueError as exc:
            self.say(f"(Telegram would not take that vote: {exc})")
            return
        if self.echo_input:
            self.say(f"{self.user['first_name']} voted {numbers or '(withdrawn)'}")
        chosen = ", ".join(poll["options"][i]["text"] for i in options) or "nothing (withdrawn)"
        self.say(f"(you answered: {chosen})")
        await self.settle(update["update_id"], proc)

    def last_buttons(self) -> tuple[dict | None, list[dict]]:
        for message in reversed(self.api.bot_messages(self.user["id"])):
            buttons = number_buttons(message.get("reply_markup"))
            if buttons:
                return message, buttons
        return None, []

    async def settle(self, update_id: int, proc: asyncio.subprocess.Process) -> None:
        """Wait until the bot fetched the update and then went quiet (max ~8 s)."""
        deadline = time.monotonic() + 8.0
        await self.api.wait_until(
            lambda: self.api.max_delivered_update_id >= update_id or proc.returncode is not None,
            timeout=8.0,
        )
        delivered = time.monotonic()
        while time.monotonic() < deadline and proc.returncode is None:
            if time.monotonic() - max(self.last_activity, delivered) >= QUIET_AFTER:
                return
            await asyncio.sleep(0.05)

    def switch_to(self, user_id: int, language: str | None) -> None:
        user = self.users.get(user_id)
        if user is None:
            user = self.api.make_user(user_id, f"User {user_id}", language_code=language or "en")
        elif language:
            user = self.api.make_user(
                user_id,
                user["first_name"],
                language_code=language,
                username=user.get("username"),
                last_name=user.get("last_name"),
            )
        self.users[user_id] = user
        self.user = user
        self.say(f"(now typing as {self.describe(user)})")

    async def handle(self, command: Command, proc: asyncio.subprocess.Process) -> bool:
        """Run one console command; return False to quit."""
        name = self.user["first_name"]
        if command.kind == "empty":
            return True
        if command.kind == "quit":
            return False
        if command.kind == "help":
            self.say(
                HELP.format(
                    admin_name=ADMIN_NAME,
                    admin_id=self.admin_id,
                    resident_name=RESIDENT_NAME,
                    resident_id=RESIDENT_ID,
                )
            )
        elif command.kind == "error":
            self.say(f"({command.arg})")
        elif command.kind == "as":
            target = {"admin": self.admin_id, "resident": RESIDENT_ID}.get(command.arg)
            self.switch_to(target if target is not None else int(command.arg), command.extra)
        elif command.kind == "lang":
            self.switch_to(self.user["id"], command.arg)
        elif command.kind == "vote":
            await self.vote(command.arg, proc)
        elif command.kind == "press":
            message, buttons = self.last_buttons()
            number = command.number or 0
            if message is None or not 1 <= number <= len(buttons):
                # no such button: it is just a message that happens to be a number
                return await self.handle(Command("text", arg=command.arg), proc)
            button = buttons[number - 1]
            if self.echo_input:
                self.say(f"{name} pressed [{number}] {button.get('text')}")
            if "callback_data" in button:
                update = self.api.press_button(self.user, message, button["callback_data"])
                self.my_queries.add(update["callback_query"]["id"])
                await self.settle(update["update_id"], proc)
            elif "url" in button:
                self.say(f"(that button opens {button['url']} in a browser)")
            else:
                self.say("(the demo cannot press this kind of button)")
        elif command.kind == "file":
            found = _read_file(command.arg)
            if found is None:
                self.say(f"(no file at {command.arg})")
                return True
            from bot.sandbox.methods.media import store_file

            filename, content = found
            record = store_file(self.api.world, "document", filename, content)
            keys = ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
            if self.echo_input:
                self.say(f"{name} sent the file {filename}")
            self.api.send_message(self.user, None, document={k: record[k] for k in keys})
            await self.settle(self.api.last_update_id, proc)
        elif command.kind == "text":
            if self.echo_input:
                self.say(f"{name}> {command.arg}")
            self.api.send_message(self.user, command.arg)
            await self.settle(self.api.last_update_id, proc)
        return True


# ---------------------------------------------------------------- process glue
def _log_tail(path: Path, lines: int = 20) -> list[str]:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return list(deque(handle, maxlen=lines))
    except OSError:
        return []


async def _stop_process(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    try:
        proc.terminate()
    except ProcessLookupError:
        return
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        proc.kill()
        await proc.wait()


def _start_stdin_reader(stdin: TextIO, queue: asyncio.Queue) -> None:
    loop = asyncio.get_running_loop()

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop may already be closed
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def reader() -> None:
        try:
            for line in iter(stdin.readline, ""):
                put(line)
        except (OSError, ValueError):
            pass
        put(None)

    threading.Thread(target=reader, name="demo-stdin", daemon=True).start()


async def _demo(
    *,
    db_path: Path,
    admin_ids: tuple[int, ...],
    log_path: Path,
    stdin: TextIO,
    stdout: TextIO,
    extra_env: dict[str, str] | None,
    bot_command: list[str] | None,
    eof_grace: float,
    startup_timeout: float,
) -> int:
    from .server import SandboxServer

    api = FakeBotApi()
    echo = not (hasattr(stdin, "isatty") and stdin.isatty())
    session = _DemoSession(api, stdout, admin_ids, echo_input=echo)
    session.files_dir = log_path.parent / "demo-files"
    say = session.say

    def died(proc: asyncio.subprocess.Process, when: str) -> int:
        say(f"The bot stopped {when} (exit code {proc.returncode}). Last lines of {log_path}:")
        for line in _log_tail(log_path):
            say("  | " + line.rstrip("\n"))
        return 1

    async with SandboxServer(api) as srv:
        env = {
            **os.environ,
            "BOT_TOKEN": SANDBOX_TOKEN,
            "BOT_API_BASE_URL": srv.base_url,
            "BOT_DB_PATH": str(db_path),
            "BOT_ADMIN_IDS": ",".join(str(i) for i in admin_ids),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        command = bot_command or [sys.executable, "-m", "bot", "run"]
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            say(f"Starting the bot against a local sandbox Telegram ({srv.root_url}) ...")
            proc = await asyncio.create_subprocess_exec(
                *command,
                cwd=str(PROJECT_ROOT),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            proc_done = asyncio.ensure_future(proc.wait())
            try:
                ready = asyncio.ensure_future(
                    api.wait_until(lambda: api.polls_started > 0, timeout=startup_timeout)
                )
                await asyncio.wait({ready, proc_done}, return_when=asyncio.FIRST_COMPLETED)
                if proc_done.done():
                    ready.cancel()
                    return died(proc, "while starting")
                if not ready.result():
                    say(f"The bot did not start polling within {startup_timeout:.0f} s.")
                    for line in _log_tail(log_path):
                        say("  | " + line.rstrip("\n"))
                    return 1
                say(
                    f"Ready. You are {session.describe(session.user)}.\n"
                    "Type a message and press Enter (try /start); a number presses a button. "
                    "Commands: :help  :as admin  :as resident  :as <id> [lang]  :lang <code>  "
                    ":vote <n>  :quit"
                )
                queue: asyncio.Queue[str | None] = asyncio.Queue()
                _start_stdin_reader(stdin, queue)
                while True:
                    get = asyncio.ensure_future(queue.get())
                    await asyncio.wait({get, proc_done}, return_when=asyncio.FIRST_COMPLETED)
                    if proc_done.done():
                        get.cancel()
                        return died(proc, "by itself")
                    line = get.result()
                    if line is None:  # EOF: give the bot a moment to answer, then quit
                        start = time.monotonic()
                        while time.monotonic() - start < eof_grace:
                            if time.monotonic() - session.last_activity >= max(
                                QUIET_AFTER, eof_grace / 2
                            ):
                                break
                            await asyncio.sleep(0.05)
                        break
                    if not await session.handle(parse_console_line(line), proc):
                        break
                if proc_done.done():
                    return died(proc, "by itself")
                return 0
            finally:
                api.listeners.remove(session.on_call)
                await _stop_process(proc)
                await proc_done
                say(f"Bot stopped. Its log is in {log_path}")


def run_demo(
    *,
    db_path: Path,
    admin_ids: tuple[int, ...] = (1000,),
    log_path: Path,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    extra_env: dict[str, str] | None = None,
    bot_command: list[str] | None = None,
    eof_grace: float = 2.0,
    startup_timeout: float = 60.0,
) -> int:
    """Chat with the bot in the terminal (see module docstring). Returns an exit code."""
    try:
        return asyncio.run(
            _demo(
                db_path=Path(db_path),
                admin_ids=tuple(admin_ids),
                log_path=Path(log_path),
                stdin=stdin if stdin is not None else sys.stdin,
                stdout=stdout if stdout is not None else sys.stdout,
                extra_env=extra_env,
                bot_command=bot_command,
                eof_grace=eof_grace,
                startup_timeout=startup_timeout,
            )
        )
    except KeyboardInterrupt:
        return 0
