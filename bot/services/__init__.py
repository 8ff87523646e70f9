"""The rules of the bot, free of any Telegram import, so they can be tested directly."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.services.buildings import BuildingService
from bot.services.status import StatusService
from bot.services.users import UserService
from bot.storage.buildings import BuildingsRepository
from bot.storage.db import Database
from bot.storage.users import UsersRepository


@dataclass
class Services:
    """Everything a handler may call, built once per process in ``bot.app``."""

    config: Config
    db: Database
    users: UserService
    status: StatusService
    buildings: BuildingService

    @classmethod
    def build(cls, config: Config, db: Database) -> Services:
        users = UserService(UsersRepository(db), admin_ids=config.admin_ids)
        return cls(
            config=config,
            db=db,
            users=users,
            status=StatusService(db, users),
            buildings=BuildingService(BuildingsRepository(db)),
        )
