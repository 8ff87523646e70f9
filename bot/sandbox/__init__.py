"""A local fake Telegram Bot API for tests, end-to-end runs and the terminal demo.

``core`` and ``server`` do not import ``telegram``; ``request`` (an in-process PTB request
class) does, so it is not imported here.
"""

from .core import SANDBOX_BOT, SANDBOX_TOKEN, ApiCall, FakeBotApi

__all__ = ["SANDBOX_BOT", "SANDBOX_TOKEN", "ApiCall", "FakeBotApi"]
