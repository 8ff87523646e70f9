"""The terminal demo: pure helpers, plus one end-to-end run against a stand-in PTB bot."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from bot.sandbox.demo import (
    Command,
    format_buttons,
    html_to_text,
    number_buttons,
    parse_console_line,
    render_message,
    run_demo,
)

STANDIN = Path(__file__).with_name("standin_bot.py")


def test_parse_console_line() -> None:
    assert parse_console_line("hello there\n") == Command("text", "hello there")
    assert parse_console_line("/start\n") == Command("text", "/start")
    assert parse_console_line(" 2 \n") == Command("press", "2", number=2)
    assert parse_console_line("\n") == Command("empty")
    assert parse_console_line(":help") == Command("help")
    assert parse_console_line(":file docs/surveys/example.yaml") == Command(
        "file", "docs/surveys/example.yaml"
    )
    assert parse_console_line(":file").kind == "error"
    assert parse_console_line(":quit") == Command("quit")
    assert parse_console_line(":as admin") == Command("as", "admin")
    assert parse_console_line(":as resident") == Command("as", "resident")
    assert parse_console_line(":as 4242 es") == Command("as", "4242", "es")
    assert parse_console_line(":lang es") == Command("lang", "es")
    assert parse_console_line(":say 3") == Command("text", "3")
    assert parse_console_line(":as").kind == "error"
    assert parse_console_line(":lang").kind == "error"
    assert parse_console_line(":frobnicate").kind == "error"
    assert parse_console_line(":vote 1 3") == Command("vote", "1 3")
    assert parse_console_line(":vote") == Command("vote", "")
    assert parse_console_line(":vote yes").kind == "error"


def test_rendering() -> None:
    assert html_to_text("<b>Hi</b> &amp; <i>welcome</i> &lt;3") == "Hi & welcome <3"
    assert (
        html_to_text('See <a href="https://x.org">the rules</a>') == "See the rules (https://x.org)"
    )
    assert html_to_text('<a href="https://x.org">https://x.org</a>') == "https://x.org"
    assert html_to_text("broken <b") == "broken <b"
    markup = {
        "inline_keyboard": [
            [
                {"text": "English", "callback_data": "en"},
                {"text": "Español", "callback_data": "es"},
            ],
            [{"text": "Map", "url": "https://maps.example"}],
        ]
    }
    buttons = number_buttons(markup)
    assert [b["text"] for b in buttons] == ["English", "Español", "Map"]
    assert format_buttons(buttons) == "[1] English  [2] Español  [3] Map -> https://maps.example"
    assert number_buttons(None) == []
    message = {
        "text": "😀 Hi link",
        "entities": [{"type": "text_link", "offset": 6, "length": 4, "url": "https://a.b"}],
    }
    assert render_message(message) == "😀 Hi link (https://a.b)"
    doc = {"document": {"file_name": "r.csv", "file_size": 3}, "caption": "Report"}
    assert render_message(doc) == "[file: r.csv, 3 bytes]\nReport"
    poll = {
        "poll": {
            "question": "Q?",
            "is_closed": False,
            "options": [{"text": "Yes", "voter_count": 2}],
        }
    }
    assert render_message(poll) == (
        "[poll] Q?\n   1. Yes (2 votes)\n   (answer with :vote <number>, withdraw with :vote)"
    )
    poll["poll"]["is_closed"] = True
    assert render_message(poll) == "[poll, closed] Q?\n   1. Yes (2 votes)"


def test_demo_end_to_end_with_standin_bot(tmp_path: Path) -> None:
    out = io.StringIO()
    lines = (
        "/start\n1\nhello\n:lang es\n/start\n:as admin\n3\n:as 4242 fr\nbonjour\n"
        ":quit\nnever sent\n"
    )
    rc = run_demo(
        db_path=tmp_path / "demo.db",
        log_path=tmp_path / "logs" / "bot.log",
        stdin=io.StringIO(lines),
        stdout=out,
        bot_command=[sys.executable, str(STANDIN)],
        eof_grace=0.5,
    )
    text = out.getvalue()
    assert rc == 0, text
    assert "You are Amina (resident, user id 2000, Telegram language en)" in text
    assert "bot> Welcome Amina & friends! (en)" in text
    assert "Read the rules (https://example.org/rules)." in text
    assert "[1] English  [2] Español  [3] Website -> https://example.org/help" in text
    assert "(bot shows: Saved lang:en)" in text
    assert "bot (edited)> Language set: lang:en" in text
    assert "bot> You said: hello (user 2000)" in text
    assert "bot> Welcome Amina & friends! (es)" in text
    assert "now typing as Sam (admin, user id 1000" in text
    assert "bot> You said: 3 (user 1000)" in text  # no buttons in Sam's chat: plain text
    assert "bot> You said: bonjour (user 4242)" in text
    assert "never sent" not in text
    log = (tmp_path / "logs" / "bot.log").read_text()
    assert f"stand-in bot polling {tmp_path / 'demo.db'} 1000" in log
    assert f"Its log is in {tmp_path / 'logs' / 'bot.log'}" in text


def test_demo_reports_a_crashing_bot(tmp_path: Path) -> None:
    out = io.StringIO()
    rc = run_demo(
        db_path=tmp_path / "demo.db",
        log_path=tmp_path / "bot.log",
        stdin=io.StringIO(""),
        stdout=out,
        bot_command=[
            sys.executable,
            "-c",
            "import sys; print('boom: missing BOT_SETTING'); sys.exit(3)",
        ],
    )
    assert rc == 1
    assert "exit code 3" in out.getvalue() and "| boom: missing BOT_SETTING" in out.getvalue()
