"""Hypothesis throws malformed and hostile updates at the Application: it never crashes."""

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import junk_update

BENIGN = ("Message is not modified", "Message can't be edited")


async def test_no_update_makes_a_handler_fail(harness, admin, caplog):
    errors: list[BaseException] = []
    await harness.send(admin, "/building add Maple Court")  # so building #1 exists

    async def record(update, context):
        errors.append(context.error)

    harness.app.error_handlers.clear()
    harness.app.add_error_handler(record)

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(junk_update(), min_size=1, max_size=5))
    def collect(updates):
        batches.append(updates)

    batches: list[list[dict]] = []
    collect()
    with caplog.at_level(logging.WARNING):
        for updates in batches:
            for update in updates:
                harness.api.inject_update(update)
                await harness.process(update)
    unexpected = [e for e in errors if not any(b in str(e) for b in BENIGN)]
    assert unexpected == [], unexpected[:3]
