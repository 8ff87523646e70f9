"""Common Ground: a Telegram bot for resident organising in mixed-income housing."""

__version__ = "0.1.0"
