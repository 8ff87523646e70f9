"""Per-resident flood control: no one person can spend the bot's sending budget.

Each person has two token buckets, kept in memory (a restart forgives everyone):
every update that makes the bot answer takes a token from the **general** bucket, and the
heavy commands (a file, a long list, a QR code) also take one from the **heavy** bucket.
An empty bucket refuses the update. The first refusal gets one polite "slow down" answer;
later ones are dropped in silence until the person has rested long enough to refill the
bucket, so a hammering resident costs the bot nothing. Stewards and organisers are not held
to the general bucket (they may paste a batch of commands), only to the heavy one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # refused: say "slow down" (once)
    DROP = "drop"  # refused: say nothing


@dataclass(frozen=True)
class Bucket:
    capacity: float  # how many at once
    per_second: float  # refill rate


GENERAL = Bucket(capacity=20, per_second=0.5)  # bursts of 20, then 30 a minute
HEAVY = Bucket(capacity=5, per_second=1 / 12)  # 5 at once, then 5 a minute
FORGET_AFTER = 600.0  # seconds of quiet after which a person's state is dropped


@dataclass
class _State:
    general: float
    heavy: float
    at: float
    warned: bool = False


class FloodControl:
    def __init__(
        self,
        general: Bucket = GENERAL,
        heavy: Bucket = HEAVY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.general = general
        self.heavy = heavy
        self.clock = clock
        self._people: dict[int, _State] = {}
        self._last_sweep = clock()

    def check(self, user_id: int, *, heavy: bool = False) -> Verdict:
        now = self.clock()
        self._sweep(now)
        state = self._people.get(user_id)
        if state is None:
            state = self._people[user_id] = _State(self.general.capacity, self.heavy.capacity, now)
        elapsed = now - state.at
        state.at = now
        state.general = min(
            self.general.capacity, state.general + elapsed * self.general.per_second
        )
        state.heavy = min(self.heavy.capacity, state.heavy + elapsed * self.heavy.per_second)
        if state.general >= self.general.capacity:
            state.warned = False  # fully rested: a later flood gets a "slow down" again
        if state.general >= 1 and (not heavy or state.heavy >= 1):
            state.general -= 1
            if heavy:
                state.heavy -= 1
            return Verdict.ALLOW
        if state.warned:
            return Verdict.DROP
        state.warned = True
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < FORGET_AFTER:
            return
        self._last_sweep = now
        for user_id in [u for u, s in self._people.items() if now - s.at > FORGET_AFTER]:
            del self._people[user_id]
