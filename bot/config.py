"""Configuration, read once from the environment (and an optional ``.env`` file).

Every problem is reported as a :class:`ConfigError` that names the variable, so the CLI can
print one clear line and exit with status 2 instead of a traceback.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.numbers import parse_int

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DB_PATH = "data/commonground.sqlite3"
SUPPORTED_LOCALES = ("en", "es", "fr", "ar", "zh_Hans", "vi")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
DEFAULT_BACKUP_KEEP = 7
DEFAULT_BACKUP_TIME = "03:30"
DEFAULT_SEND_RATE = 25  # bulk messages a second, under Telegram's 30
FREE_SEND_RATE = 30  # Telegram's limit for a bot's messages a second, without paying
MAX_SEND_RATE = 1000  # Telegram's ceiling with paid broadcasts
DEFAULT_QUIET_HOURS = "21:00-08:00"
DEFAULT_APPROVAL_THRESHOLD = 50
DEFAULT_MIN_GROUP = 5
DEFAULT_REMINDER_LEADS = "24h,1h"
SWITCHES = {"on": True, "off": False}
DEFAULT_WEBHOOK_LISTEN = ("0.0.0.0", 8443)  # every interface: a reverse proxy is in front
# Telegram's rule for setWebhook's secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# Telegram tokens look like "123456789:AAE..." (digits, colon, 35 url-safe characters).
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A configuration variable is missing or invalid."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True)
class Config:
    token: str | None
    api_base_url: str = DEFAULT_API_BASE_URL
    db_path: Path = Path(DEFAULT_DB_PATH)
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    default_locale: str = "en"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    log_level: str = "INFO"
    send_rate: float | None = 25.0  # bulk messages a second; None: no pacing (benchmarks)
    # Bulk sends started in these local hours wait for their end (None: no quiet hours;
    # load_config's default is 21:00-08:00).
    quiet_hours: tuple[time, time] | None = None
    approval_threshold: int = 50  # a send to more residents needs a second person; 0: never
    min_group: int = 5  # counts of smaller groups are never shown
    paid_broadcast: bool = False  # bulk sends pay Stars to go past 30 a second
    reminder_leads: tuple[int, ...] = (1440, 60)  # minutes before an event, longest first
    remind_maybe: bool = True  # reminders go to "Maybe" answers too
    waitlist_hours: int = 12  # how long a place offered to the waitlist waits for a yes
    attendance_hours: int = 48  # "I was there" is open this long after an event starts
    log_format: str = "text"  # or "json": one JSON object a line
    backup_dir: Path | None = None  # daily backups go here; None: no daily backups
    backup_keep: int = DEFAULT_BACKUP_KEEP  # daily backups kept, newest first
    backup_time: time = time(3, 30)  # community time of the daily backup
    # Webhook mode when set: the https URL Telegram posts updates to (None: long polling).
    webhook_url: str | None = None
    webhook_secret: str | None = None  # Telegram sends it in X-Telegram-Bot-Api-Secret-Token
    webhook_listen: tuple[str, int] = DEFAULT_WEBHOOK_LISTEN  # where the bot's server listens

    @property
    def file_base_url(self) -> str:
        """The Bot API file URL matching :attr:`api_base_url` (``.../bot`` -> ``.../file/bot``)."""
        base = self.api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file"

    @property
    def api_host(self) -> str:
        """Where the Bot API lives, safe to print (never contains the token)."""
        parts = urlsplit(self.api_base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "BOT_TOKEN",
                "is not set. Get a token from @BotFather, or run `make run` / "
                "`python -m bot demo` to try the bot offline.",
            )
        return self.token


def _env_file_values(env_file: Path | None) -> dict[str, str]:
    if env_file is None or not env_file.is_file():
        return {}
    return {k: v for k, v in dotenv_values(env_file).items() if v is not None}


def load_config(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Config:
    """Build the configuration; the process environment wins over the ``.env`` file."""
    values = _env_file_values(env_file)
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    token = get("BOT_TOKEN")
    if token is not None and not _TOKEN_RE.match(token):
        # Never echo the value: it may be a real (mistyped) secret.
        raise ConfigError(
            "BOT_TOKEN", "does not look like a bot token (expected digits, ':' and 35 characters)"
        )

    api_base_url = get("BOT_API_BASE_URL") or DEFAULT_API_BASE_URL
    parts = urlsplit(api_base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            "BOT_API_BASE_URL",
            f"{api_base_url!r} is not an http(s) URL like {DEFAULT_API_BASE_URL}",
        )

    db_path = Path(get("BOT_DB_PATH") or DEFAULT_DB_PATH)
    if db_path.exists() and db_path.is_dir():
        raise ConfigError("BOT_DB_PATH", f"{str(db_path)!r} is a directory, not a database file")

    admin_ids: set[int] = set()
    for part in (get("BOT_ADMIN_IDS") or "").split(","):
        part = part.strip()
        if not part:
            continue
        user_id = parse_int(part, max_digits=16)
        if user_id is None or user_id <= 0 or part.startswith("#"):
            raise ConfigError(
                "BOT_ADMIN_IDS",
                f"{part!r} is not a Telegram user id (use numbers separated by commas)",
            )
        admin_ids.add(user_id)

    default_locale = get("BOT_DEFAULT_LOCALE") or "en"
    if default_locale not in SUPPORTED_LOCALES:
        raise ConfigError(
            "BOT_DEFAULT_LOCALE",
            f"{default_locale!r} is not one of {', '.join(SUPPORTED_LOCALES)}",
        )

    tz_name = get("BOT_TIMEZONE") or "UTC"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "BOT_TIMEZONE", f"{tz_name!r} is not an IANA time zone name (e.g. Europe/Paris)"
        ) from None

    paid_text = (get("BOT_PAID_BROADCAST") or "off").lower()
    if paid_text not in SWITCHES:
        raise ConfigError("BOT_PAID_BROADCAST", f"{paid_text!r} is not on or off")
    paid_broadcast = SWITCHES[paid_text]

    send_rate_text = (get("BOT_SEND_RATE") or str(DEFAULT_SEND_RATE)).lower()
    try:
        send_rate = None if send_rate_text == "off" else float(send_rate_text)
    except ValueError:
        send_rate = -1.0
    if send_rate is not None and not 0 < send_rate <= MAX_SEND_RATE:
        raise ConfigError(
            "BOT_SEND_RATE",
            f"{send_rate_text!r} is not a rate of messages per second from 1 to {MAX_SEND_RATE} "
            "(or off)",
        )
    if send_rate is not None and send_rate > FREE_SEND_RATE and not paid_broadcast:
        raise ConfigError(
            "BOT_SEND_RATE",
            f"{send_rate_text!r} is above the {FREE_SEND_RATE} messages a second Telegram "
            f"allows a bot; faster needs BOT_PAID_BROADCAST=on (Telegram charges Stars for it)",
        )

    quiet_hours = _quiet_hours(values.get("BOT_QUIET_HOURS", DEFAULT_QUIET_HOURS))

    approval_threshold = _count(get, "BOT_APPROVAL_THRESHOLD", DEFAULT_APPROVAL_THRESHOLD, 0)
    min_group = _count(get, "BOT_MIN_GROUP", DEFAULT_MIN_GROUP, 2)

    reminder_leads = parse_leads(get("BOT_REMINDER_LEADS") or DEFAULT_REMINDER_LEADS)
    maybe_text = (get("BOT_REMIND_MAYBE") or "on").lower()
    if maybe_text not in SWITCHES:
        raise ConfigError("BOT_REMIND_MAYBE", f"{maybe_text!r} is not on or off")

    waitlist_hours = _hours(get, "BOT_WAITLIST_HOURS", 12, "an offered place waits for a yes")
    attendance_hours = _hours(
        get, "BOT_ATTENDANCE_HOURS", 48, "residents may say they were there, after the start"
    )

    log_level = (get("BOT_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError("BOT_LOG_LEVEL", f"{log_level!r} is not one of {', '.join(LOG_LEVELS)}")

    log_format = (get("BOT_LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(
            "BOT_LOG_FORMAT", f"{log_format!r} is not one of {', '.join(LOG_FORMATS)}"
        )

    backup_text = get("BOT_BACKUP_DIR")
    if backup_text is not None and backup_text.lower() == "off":
        backup_dir = None
    else:
        backup_dir = Path(backup_text) if backup_text else db_path.parent / "backups"
        if backup_dir.exists() and not backup_dir.is_dir():
            raise ConfigError("BOT_BACKUP_DIR", f"{str(backup_dir)!r} is a file, not a folder")
    backup_keep = _count(get, "BOT_BACKUP_KEEP", DEFAULT_BACKUP_KEEP, 1)
    backup_time_text = get("BOT_BACKUP_TIME") or DEFAULT_BACKUP_TIME
    try:
        backup_time = time.fromisoformat(backup_time_text)
    except ValueError:
        raise ConfigError(
            "BOT_BACKUP_TIME", f"{backup_time_text!r} is not a local time like 03:30"
        ) from None

    webhook_url, webhook_secret, webhook_listen = _webhook(get)

    return Config(
        token=token,
        api_base_url=api_base_url.rstrip("/"),
        db_path=db_path,
        admin_ids=frozenset(admin_ids),
        default_locale=default_locale,
        timezone=timezone,
        log_level=log_level,
        send_rate=send_rate,
        quiet_hours=quiet_hours,
        approval_threshold=approval_threshold,
        min_group=min_group,
        paid_broadcast=paid_broadcast,
        reminder_leads=reminder_leads,
        remind_maybe=SWITCHES[maybe_text],
        waitlist_hours=waitlist_hours,
        attendance_hours=attendance_hours,
        log_format=log_format,
        backup_dir=backup_dir,
        backup_keep=backup_keep,
        backup_time=backup_time,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=webhook_listen,
    )


def _webhook(get) -> tuple[str | None, str | None, tuple[str, int]]:
    """``BOT_WEBHOOK_URL``, ``BOT_WEBHOOK_SECRET`` (required with the URL) and
    ``BOT_WEBHOOK_LISTEN`` (``host:port``)."""
    url = get("BOT_WEBHOOK_URL")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ConfigError(
                "BOT_WEBHOOK_URL",
                f"{url!r} is not an https URL like https://bot.example.org/telegram "
                "(Telegram only calls https)",
            )
    secret = get("BOT_WEBHOOK_SECRET")
    if secret is not None and not _WEBHOOK_SECRET_RE.match(secret):
        # Never echo the value: it is a secret.
        raise ConfigError(
            "BOT_WEBHOOK_SECRET",
            "must be 1 to 256 characters, each a letter A-Z or a-z, a digit, _ or - "
            "(Telegram's rule)",
        )
    if url is not None and secret is None:
        raise ConfigError(
            "BOT_WEBHOOK_SECRET",
            "is not set, and BOT_WEBHOOK_URL is: the webhook refuses requests without it "
            "(e.g. the output of `openssl rand -hex 32`)",
        )
    listen_text = get("BOT_WEBHOOK_LISTEN")
    if listen_text is None:
        return url, secret, DEFAULT_WEBHOOK_LISTEN
    host, sep, port_text = listen_text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")  # [::1]:8443
    port = parse_int(port_text, max_digits=5)
    if not sep or not host or port is None or not 1 <= port <= 65535:
        raise ConfigError(
            "BOT_WEBHOOK_LISTEN",
            f"{listen_text!r} is not an address and port like 127.0.0.1:8443",
        )
    return url, secret, (host, port)


_LEAD = re.compile(r"([1-9][0-9]{0,4})([mhd])")
_LEAD_MINUTES = {"m": 1, "h": 60, "d": 1440}


def parse_leads(text: str) -> tuple[int, ...]:
    """``24h,1h`` (or ``10m``, ``2d``): minutes before an event, longest first, no repeats."""
    minutes = set()
    for part in text.split(","):
        found = _LEAD.fullmatch(part.strip().lower())
        if found is None:
            raise ConfigError(
                "BOT_REMINDER_LEADS",
                f"{text!r} is not a list of lead times like 24h,1h (m: minutes, h: hours, d: days)",
            )
        minutes.add(int(found.group(1)) * _LEAD_MINUTES[found.group(2)])
    if max(minutes) > 60 * 24 * 60:
        raise ConfigError("BOT_REMINDER_LEADS", f"{text!r}: at most 60 days before an event")
    return tuple(sorted(minutes, reverse=True))


MAX_HOURS = 24 * 30


def _hours(get, name: str, default: int, what: str) -> int:
    """A whole number of hours from 1 to 720 (30 days)."""
    text = get(name)
    if text is None:
        return default
    value = parse_int(text.lower().removesuffix("h"), max_digits=4)
    if value is None or not 1 <= value <= MAX_HOURS:
        raise ConfigError(
            name, f"{text!r} is not a whole number of hours from 1 to {MAX_HOURS} (how long {what})"
        )
    return value


def _count(get, name: str, default: int, least: int) -> int:
    text = get(name)
    if text is None:
        return default
    value = parse_int(text, max_digits=7)
    if value is None or value < least:
        raise ConfigError(name, f"{text!r} is not a whole number of at least {least}")
    return value


def _quiet_hours(text: str | None) -> tuple[time, time] | None:
    """``21:00-08:00`` (local time, may cross midnight); empty: no quiet hours."""
    text = (text or "").strip()
    if not text:
        return None
    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError(text)
        hours = tuple(time.fromisoformat(part.strip()) for part in (start, end))
    except ValueError:
        raise ConfigError(
            "BOT_QUIET_HOURS", f"{text!r} is not a span of local times like 21:00-08:00 (or empty)"
        ) from None
    if hours[0] == hours[1]:
        raise ConfigError("BOT_QUIET_HOURS", f"{text!r} starts and ends at the same time")
    return hours


def logging_level(config: Config) -> int:
    return logging.getLevelNamesMapping()[config.log_level]
