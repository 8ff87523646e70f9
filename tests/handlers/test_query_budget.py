"""What one everyday update costs the database: SQL statements (and transactions) per update,
counted on every connection with SQLite's trace callback, for a resident who has done it
before. A budget per kind keeps the hot paths from growing queries unnoticed; the counts are
the "queries per update" figure of the updates benchmark (issue 14).
"""

from __future__ import annotations

from collections import Counter
from contextlib import asynccontextmanager

from bot.views import buttons as b
from tests.handlers.test_announcements import building, residents
from tests.handlers.test_events import answer, published

BUDGET = {  # statements per update, BEGIN/COMMIT included; measured 5, 13, 9, 11 (Nov 2026)
    "/help": 6,
    "/start": 15,
    "language button": 11,
    "Going": 13,
}


@asynccontextmanager
async def counting(db):
    """Count every statement run on the database's connections while inside."""
    seen: Counter = Counter()

    def trace(sql: str) -> None:
        word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        seen["transactions" if word == "BEGIN" else "statements"] += 1

    db._conn.set_trace_callback(trace)  # the writer, on the loop's thread
    await db._reader.set_trace_callback(trace)
    try:
        yield seen
    finally:
        db._conn.set_trace_callback(None)
        await db._reader.set_trace_callback(None)


async def test_everyday_updates_stay_within_their_query_budget(harness, admin):
    services = harness.app.bot_data["services"]
    bid = await building(harness)
    [person] = await residents(harness, bid, 1, first_id=7700, locales=("es",))
    event_id = await published(harness, admin)
    [chooser] = await harness.send(person, "/language")
    costs = {}

    async def cost(kind, act):
        await act()  # once before: a resident who has done it already
        async with counting(services.db) as seen:
            await act()
        costs[kind] = seen["statements"] + seen["transactions"]

    await cost("/help", lambda: harness.send(person, "/help"))
    await cost("/start", lambda: harness.send(person, "/start"))
    await cost(
        "language button", lambda: harness.press(person, chooser, b.LanguageSet("es").pack())
    )
    await cost("Going", lambda: answer(harness, person, event_id, "going"))
    print("statements per update:", costs)
    over = {k: (v, BUDGET[k]) for k, v in costs.items() if v > BUDGET[k]}
    assert not over, f"over budget (counted, budget): {over}"
    assert all(v > 0 for v in costs.values())  # the counting sees the database at all
