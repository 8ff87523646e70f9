"""The user rules, tested without Telegram."""

import pytest

from bot.services.commands import COMMANDS, commands_for
from bot.services.roles import Role
from bot.services.users import UnsupportedLocale, UserService
from bot.storage.db import Database
from bot.storage.migrations import migrate
from bot.storage.users import UsersRepository


@pytest.fixture
async def users(tmp_path):
    db = await Database.open(tmp_path / "u.sqlite3")
    await migrate(db)
    yield UserService(UsersRepository(db))
    await db.close()


async def test_language_follows_telegram_until_chosen(users):
    assert await users.locale_for(1, "es-MX") == "es"
    await users.remember(1)
    assert await users.locale_for(1, "es-MX") == "es"
    await users.choose_locale(1, "ar")
    assert await users.locale_for(1, "es-MX") == "ar"


async def test_unsupported_locale_is_refused_and_nothing_stored(users):
    with pytest.raises(UnsupportedLocale):
        await users.choose_locale(1, "xx")
    assert await users.export(1) is None


async def test_export_shows_the_account_record(users):
    await users.choose_locale(5, "vi")
    data = await users.export(5)
    assert data["telegram_user_id"] == 5
    assert data["language"] == "vi"
    assert data["first_seen"] and data["last_seen"]
    assert await users.export(6) is None


async def test_users_are_found_by_username_or_id(users):
    await users.remember(11, "amina_k")
    assert await users.find("@Amina_K") == 11
    assert await users.find("11") == 11
    assert await users.find("12") is None
    assert await users.find("@nobody") is None
    assert await users.find("amina_k") is None
    assert await users.find("9" * 40) is None


async def test_visible_commands_by_role():
    resident = {c.name for c in commands_for(Role.RESIDENT)}
    admin = {c.name for c in commands_for(Role.ADMIN)}
    assert "status" not in resident
    assert "status" in admin
    assert resident < admin
    assert len({c.name for c in COMMANDS}) == len(COMMANDS)


async def test_counts_by_locale(users):
    await users.choose_locale(1, "es")
    await users.choose_locale(2, "es")
    await users.remember(3)
    assert await users.count_by_locale() == {"es": 2, None: 1}
