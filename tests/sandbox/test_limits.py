"""Telegram's limits in the sandbox: flood control (enforced) and the flood meter (recorded)."""

from __future__ import annotations

from bot.sandbox.core import FakeBotApi
from bot.sandbox.limits import EDIT_METHODS, SEND_METHODS, FloodMeter, SendRecord


def clocked(**kwargs) -> tuple[FakeBotApi, list[float]]:
    api = FakeBotApi(**kwargs)
    now = [1000.0]
    api.clock = lambda: now[0]
    return api, now


async def send(api: FakeBotApi, chat_id: int | str, text: str = "x") -> int:
    status, _ = await api.handle(api.token, "sendMessage", {"chat_id": str(chat_id), "text": text})
    return status


async def test_meter_records_every_send_without_enforcing() -> None:
    api, now = clocked()
    for uid in (1, 2):
        api.send_message(api.make_user(uid), "hi")
    api.make_group(-7, username="tower")
    for _ in range(5):  # five in one second to one private chat: allowed, but recorded
        assert await send(api, 1) == 200
        now[0] += 0.1
    now[0] = 2000.0
    assert await send(api, 2) == 200
    for _ in range(3):
        assert await send(api, -7) == 200
        now[0] += 10
    assert await send(api, "@tower") == 200  # a username counts for its group
    status, _ = await api.handle(api.token, "getMe", {})  # not a sending call
    assert status == 200

    meter = api.flood
    assert [r.chat_id for r in meter.sends()] == [1] * 5 + [2] + [-7] * 4
    assert all(isinstance(r, SendRecord) and r.ok for r in meter.records)
    assert meter.max_calls_in_any_window(seconds=1) == 5
    assert meter.max_calls_in_any_window(seconds=1, chat_id=2) == 1
    assert meter.max_per_chat_per_second() == {1: 5, 2: 1, -7: 1}
    assert meter.max_per_group_per_minute() == {-7: 4}
    assert meter.max_per_chat(30.0, groups_only=True) == {-7: 3}
    assert meter.count_429 == 0 and api.flood_429_count == 0


async def test_window_is_half_open_and_empty_is_zero() -> None:
    meter = FloodMeter()
    assert meter.max_calls_in_any_window() == 0 and meter.max_per_chat_per_second() == {}
    api, now = clocked()
    api.send_message(api.make_user(1), "hi")
    await send(api, 1)
    now[0] += 1.0  # exactly one second later: a new window
    await send(api, 1)
    assert api.flood.max_calls_in_any_window(seconds=1) == 1
    assert api.flood.max_calls_in_any_window(seconds=1.001) == 2


async def test_edits_and_failures_are_recorded_and_filterable() -> None:
    api, _ = clocked()
    api.send_message(api.make_user(1), "hi")
    _, body = await api.handle(api.token, "sendMessage", {"chat_id": "1", "text": "one"})
    message_id = str(body["result"]["message_id"])
    for text in ("two", "three"):
        status, _ = await api.handle(
            api.token, "editMessageText", {"chat_id": "1", "message_id": message_id, "text": text}
        )
        assert status == 200
    assert await send(api, 999) == 400  # unknown chat: a failed send is still a send
    assert api.flood.max_calls_in_any_window() == 2
    assert api.flood.max_calls_in_any_window(ok_only=True) == 1
    both = SEND_METHODS | EDIT_METHODS
    assert api.flood.max_calls_in_any_window(methods=both) == 4
    assert api.flood.max_per_chat_per_second(methods=EDIT_METHODS) == {1: 2}
    assert [r.method for r in api.flood.sends(methods=both, ok_only=True)] == [
        "sendmessage",
        "editmessagetext",
        "editmessagetext",
    ]


async def test_429s_counted_from_flood_control_and_faults() -> None:
    api, now = clocked(enforce_limits=True)
    api.send_message(api.make_user(1), "hi")
    for _ in range(3):
        assert await send(api, 1) == 200
    assert await send(api, 1) == 429  # the private chat's burst is used up
    api.add_fault("sendMessage", "retry_after", retry_after=3)
    now[0] += 5
    assert await send(api, 1) == 429  # injected
    api.add_fault("getMe", "retry_after")
    status, _ = await api.handle(api.token, "getMe", {})
    assert status == 429
    meter = api.flood
    assert meter.count_429 == 3  # every 429 answered, whatever the method or cause
    assert meter.flood_limited == api.flood_429_count == api.stats["flood_429"] == 1
    assert meter.flood_by_chat == api.flood_by_chat == {1: 1}
    assert [(r.status, r.flood_limited) for r in meter.sends()] == [
        (200, False),
        (200, False),
        (200, False),
        (429, True),
        (429, False),
    ]
    assert meter.max_calls_in_any_window() == 4
    assert meter.max_calls_in_any_window(ok_only=True) == 3
    api.reset()
    assert api.flood.records == [] and api.flood.count_429 == 0 and api.stats["calls"] == 0
