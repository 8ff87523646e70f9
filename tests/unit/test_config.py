"""Configuration: sensible defaults, and one clear named error for every bad value."""

from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE_URL, ConfigError, load_config

TOKEN = "123456789:AAE_abcdefghijklmnopqrstuvwxyz01234"


def test_defaults_when_only_the_token_is_set():
    config = load_config({"BOT_TOKEN": TOKEN}, env_file=None)
    assert config.token == TOKEN
    assert config.api_base_url == DEFAULT_API_BASE_URL
    assert config.db_path == Path("data/commonground.sqlite3")
    assert config.admin_ids == frozenset()
    assert config.default_locale == "en"
    assert config.timezone.key == "UTC"
    assert config.log_level == "INFO"


def test_every_variable_is_read():
    config = load_config(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": "http://127.0.0.1:8081/bot/",
            "BOT_DB_PATH": "/tmp/x.sqlite3",
            "BOT_ADMIN_IDS": " 12, 34 ,",
            "BOT_DEFAULT_LOCALE": "zh_Hans",
            "BOT_TIMEZONE": "America/Mexico_City",
            "BOT_LOG_LEVEL": "debug",
        },
        env_file=None,
    )
    assert config.api_base_url == "http://127.0.0.1:8081/bot"
    assert config.file_base_url == "http://127.0.0.1:8081/file/bot"
    assert config.db_path == Path("/tmp/x.sqlite3")
    assert config.admin_ids == {12, 34}
    assert config.default_locale == "zh_Hans"
    assert config.timezone.key == "America/Mexico_City"
    assert config.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_TOKEN", "not-a-token"),
        ("BOT_API_BASE_URL", "ftp://example.org/bot"),
        ("BOT_API_BASE_URL", "api.telegram.org"),
        ("BOT_ADMIN_IDS", "12,abc"),
        ("BOT_ADMIN_IDS", "-5"),
        ("BOT_ADMIN_IDS", "²"),
        ("BOT_SEND_RATE", "fast"),
        ("BOT_SEND_RATE", "0"),
        ("BOT_SEND_RATE", "5000"),
        ("BOT_SEND_RATE", "31"),
        ("BOT_PAID_BROADCAST", "yes please"),
        ("BOT_DEFAULT_LOCALE", "de"),
        ("BOT_TIMEZONE", "Mars/Olympus_Mons"),
        ("BOT_LOG_LEVEL", "LOUD"),
        ("BOT_WAITLIST_HOURS", "0"),
        ("BOT_WAITLIST_HOURS", "half a day"),
        ("BOT_WAITLIST_HOURS", "721"),
        ("BOT_ATTENDANCE_HOURS", "-1"),
    ],
)
def test_invalid_values_name_the_variable(variable, value):
    with pytest.raises(ConfigError) as info:
        load_config({"BOT_TOKEN": TOKEN, variable: value}, env_file=None)
    assert info.value.variable == variable


def test_waitlist_and_attendance_hours():
    config = load_config({"BOT_TOKEN": TOKEN}, env_file=None)
    assert (config.waitlist_hours, config.attendance_hours) == (12, 48)
    config = load_config(
        {"BOT_TOKEN": TOKEN, "BOT_WAITLIST_HOURS": "6h", "BOT_ATTENDANCE_HOURS": "72"},
        env_file=None,
    )
    assert (config.waitlist_hours, config.attendance_hours) == (6, 72)
    with pytest.raises(ConfigError, match="whole number of hours from 1 to 720"):
        load_config({"BOT_TOKEN": TOKEN, "BOT_WAITLIST_HOURS": "0"}, env_file=None)


def test_a_bad_token_is_never_echoed():
    secret = "123456789:short"
    with pytest.raises(ConfigError) as info:
        load_config({"BOT_TOKEN": secret}, env_file=None)
    assert secret not in str(info.value)


def test_missing_token_is_reported_only_when_needed():
    config = load_config({}, env_file=None)
    assert config.token is None
    with pytest.raises(ConfigError) as info:
        config.require_token()
    assert info.value.variable == "BOT_TOKEN"
    assert "@BotFather" in info.value.problem


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f'BOT_TOKEN="{TOKEN}"\n# a comment\nBOT_DEFAULT_LOCALE=fr\n')
    config = load_config({"BOT_DEFAULT_LOCALE": "vi"}, env_file=env_file)
    assert config.token == TOKEN
    assert config.default_locale == "vi"


def test_the_send_rate_defaults_to_25_and_can_be_turned_off():
    assert load_config({"BOT_TOKEN": TOKEN}, env_file=None).send_rate == 25
    assert (
        load_config({"BOT_TOKEN": TOKEN, "BOT_SEND_RATE": "off"}, env_file=None).send_rate is None
    )
    assert (
        load_config({"BOT_TOKEN": TOKEN, "BOT_SEND_RATE": "12.5"}, env_file=None).send_rate == 12.5
    )


def test_a_send_rate_above_30_needs_paid_broadcast():
    with pytest.raises(ConfigError) as info:
        load_config({"BOT_TOKEN": TOKEN, "BOT_SEND_RATE": "100"}, env_file=None)
    assert info.value.variable == "BOT_SEND_RATE"
    assert "BOT_PAID_BROADCAST=on" in info.value.problem
    config = load_config(
        {"BOT_TOKEN": TOKEN, "BOT_SEND_RATE": "1000", "BOT_PAID_BROADCAST": "on"}, env_file=None
    )
    assert (config.send_rate, config.paid_broadcast) == (1000, True)
    assert load_config({"BOT_TOKEN": TOKEN}, env_file=None).paid_broadcast is False


def test_operations_settings_default_to_text_logs_and_a_week_of_daily_backups():
    from datetime import time

    config = load_config({"BOT_TOKEN": TOKEN, "BOT_DB_PATH": "/srv/cg/bot.sqlite3"}, env_file=None)
    assert config.log_format == "text"
    assert config.backup_dir == Path("/srv/cg/backups")
    assert config.backup_keep == 7
    assert config.backup_time == time(3, 30)
    custom = load_config(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_LOG_FORMAT": "JSON",
            "BOT_BACKUP_DIR": "/mnt/usb/cg",
            "BOT_BACKUP_KEEP": "30",
            "BOT_BACKUP_TIME": "02:15",
        },
        env_file=None,
    )
    assert (custom.log_format, custom.backup_dir) == ("json", Path("/mnt/usb/cg"))
    assert (custom.backup_keep, custom.backup_time) == (30, time(2, 15))
    off = load_config({"BOT_TOKEN": TOKEN, "BOT_BACKUP_DIR": "off"}, env_file=None)
    assert off.backup_dir is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_LOG_FORMAT", "xml"),
        ("BOT_BACKUP_KEEP", "0"),
        ("BOT_BACKUP_KEEP", "many"),
        ("BOT_BACKUP_TIME", "half past three"),
    ],
)
def test_bad_operations_settings_name_the_variable(variable, value):
    with pytest.raises(ConfigError) as raised:
        load_config({"BOT_TOKEN": TOKEN, variable: value}, env_file=None)
    assert raised.value.variable == variable


def test_a_backup_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(ConfigError, match="BOT_BACKUP_DIR"):
        load_config({"BOT_TOKEN": TOKEN, "BOT_BACKUP_DIR": str(tmp_path / "f")}, env_file=None)


WEBHOOK = {"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://bot.example.org/telegram"}


def test_without_a_webhook_url_the_bot_polls():
    config = load_config({"BOT_TOKEN": TOKEN}, env_file=None)
    assert config.webhook_url is None
    assert config.webhook_secret is None
    assert config.webhook_listen == ("0.0.0.0", 8443)


def test_the_webhook_variables_are_read():
    config = load_config(
        {**WEBHOOK, "BOT_WEBHOOK_SECRET": "a" * 256, "BOT_WEBHOOK_LISTEN": "127.0.0.1:9000"},
        env_file=None,
    )
    assert config.webhook_url == "https://bot.example.org/telegram"
    assert config.webhook_secret == "a" * 256
    assert config.webhook_listen == ("127.0.0.1", 9000)
    ipv6 = load_config(
        {**WEBHOOK, "BOT_WEBHOOK_SECRET": "Ab_-09", "BOT_WEBHOOK_LISTEN": "[::1]:8443"},
        env_file=None,
    )
    assert ipv6.webhook_listen == ("::1", 8443)


def test_a_webhook_url_without_a_secret_is_refused():
    with pytest.raises(ConfigError) as caught:
        load_config(WEBHOOK, env_file=None)
    assert caught.value.variable == "BOT_WEBHOOK_SECRET"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_WEBHOOK_URL", "http://bot.example.org/telegram"),
        ("BOT_WEBHOOK_URL", "bot.example.org"),
        ("BOT_WEBHOOK_SECRET", "has space"),
        ("BOT_WEBHOOK_SECRET", "a" * 257),
        ("BOT_WEBHOOK_SECRET", "secret!"),
        ("BOT_WEBHOOK_SECRET", "sécret"),
        ("BOT_WEBHOOK_LISTEN", "8443"),
        ("BOT_WEBHOOK_LISTEN", "127.0.0.1:"),
        ("BOT_WEBHOOK_LISTEN", ":8443"),
        ("BOT_WEBHOOK_LISTEN", "127.0.0.1:70000"),
        ("BOT_WEBHOOK_LISTEN", "127.0.0.1:http"),
    ],
)
def test_a_bad_webhook_value_names_its_variable(variable, value):
    environ = {**WEBHOOK, "BOT_WEBHOOK_SECRET": "good-secret", variable: value}
    with pytest.raises(ConfigError) as caught:
        load_config(environ, env_file=None)
    assert caught.value.variable == variable
    if variable == "BOT_WEBHOOK_SECRET":
        assert value not in str(caught.value)  # a secret is never echoed
