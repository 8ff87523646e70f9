"""Who may do what. Higher roles include everything lower roles may do."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    RESIDENT = 1
    STEWARD = 2
    ORGANISER = 3
    ADMIN = 4
