"""The one exception shape the services raise for requests that cannot be done.

``kind`` says what went wrong (each subclass lists its kinds as constants); ``detail`` carries
a value worth showing (a name, a limit). Handlers turn them into translated messages.
"""

from __future__ import annotations


class Problem(Exception):
    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail
