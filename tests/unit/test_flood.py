"""Flood control: bursts pass, a flood gets one "slow down", then silence until rested."""

from bot.services.flood import GENERAL, HEAVY, FloodControl, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_sustained_flood_is_warned_once():
    clock = Clock()
    flood = FloodControl(clock=clock)
    verdicts = []
    for _ in range(600):  # ten messages a second for a minute
        verdicts.append(flood.check(7))
        clock.now += 0.1
    assert verdicts.count(Verdict.WARN) == 1
    allowed = verdicts.count(Verdict.ALLOW)
    assert GENERAL.capacity <= allowed <= GENERAL.capacity + 60 * GENERAL.per_second + 1


def test_after_resting_a_person_is_served_and_warned_again_if_needed():
    clock = Clock()
    flood = FloodControl(clock=clock)
    for _ in range(40):
        flood.check(7)
    clock.now += GENERAL.capacity / GENERAL.per_second  # fully rested
    assert flood.check(7) is Verdict.ALLOW
    verdicts = [flood.check(7) for _ in range(40)]
    assert verdicts.count(Verdict.WARN) == 1


def test_heavy_commands_have_their_own_smaller_budget():
    clock = Clock()
    flood = FloodControl(clock=clock)
    heavy = [flood.check(7, heavy=True) for _ in range(10)]
    assert heavy.count(Verdict.ALLOW) == HEAVY.capacity
    assert flood.check(7) is Verdict.ALLOW  # light ones still pass
    assert flood.check(8, heavy=True) is Verdict.ALLOW  # and others are not affected
