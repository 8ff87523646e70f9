"""Common Ground: a Telegram bot for resident organising in mixed-income housing."""

import os

__version__ = "0.1.0"

# Opt in to python-telegram-bot's forward-compatible behaviour (time spans such as
# RetryAfter.retry_after are timedeltas); without it PTB 22 warns on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
