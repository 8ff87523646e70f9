"""What organisers may take away: aggregate tables for ``python -m bot export``, and the short
overview of ``python -m bot stats``.

Every count by group goes through ``hide_small`` (inside the feature services this reuses, or
here for the residents' breakdowns), and a hidden cell is written exactly like an empty one:
blank in CSV, ``null`` in JSON, so a reader cannot tell a small group from no group. No table
holds a person's id, name, unit or words; events appear by number and date (a title may name
someone), announcements by number and the day they went out.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.clock import from_db
from bot.services import Services
from bot.services.roles import Actor, Role
from bot.services.signup import AFFORDABILITIES, TENURES
from bot.services.smallgroups import hide_small

# The exporter reads as an admin would (every building), and only through the services.
EXPORTER = Actor(id=0, role=Role.ADMIN, buildings=None)
APP_LANGUAGE = "telegram"  # residents who follow their Telegram app's language


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple]  # cells: str, int, or None (empty or hidden: the same thing)


def cell(n: int | None) -> int | None:
    """A count as exported: None for empty, below k and hidden alike."""
    return n if n is not None and n > 0 else None


class ExportService:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.k = services.config.min_group

    async def tables(self) -> list[Table]:
        names = {b.id: b.name for b in await self.s.buildings.repo.list(include_archived=True)}
        return [
            await self.residents(names),
            await self.announcements(names),
            await self.events(names),
            await self.surveys(),
        ]

    async def residents(self, names: dict[int, str]) -> Table:
        """Approved residents by building, tenure, affordability and language: each a
        marginal of its own (never crossed), each through hide_small."""
        by: dict[str, Counter] = {
            "building": Counter(dict.fromkeys(names.values(), 0)),
            "tenure": Counter(dict.fromkeys(TENURES, 0)),
            "affordability": Counter(dict.fromkeys(AFFORDABILITIES, 0)),
            "language": Counter(),
        }
        for row in await self.s.signup.repo.approved_by():
            n = row["n"]
            by["building"][names.get(row["building_id"], "?")] += n
            by["tenure"][row["tenure"] or "undisclosed"] += n
            by["affordability"][row["affordability"] or "undisclosed"] += n
            by["language"][row["locale"] or APP_LANGUAGE] += n
        rows = []
        for dimension, counts in by.items():
            shown = hide_small(dict(counts), self.k)
            for group in sorted(shown, key=str):
                rows.append((dimension, group, cell(shown[group])))
        return Table("residents", ("breakdown", "group", "residents"), rows)

    async def announcements(self, names: dict[int, str]) -> Table:
        rows = []
        for ann in await self.s.announcements.repo.sent():
            report = await self.s.announcements.report(EXPORTER, ann.id)
            day = from_db(ann.sent_at).date().isoformat() if ann.sent_at else None
            totals = hide_small(report.by_state, self.k)
            for state in sorted(totals):
                rows.append((ann.id, day, "all", "", state, cell(totals[state])))
            for locale, states in report.by_locale.items():
                for state in sorted(states):
                    rows.append((ann.id, day, "language", locale, state, cell(states[state])))
            for building, states in report.by_building.items():
                group = names.get(building, "") if building else ""
                for state in sorted(states):
                    rows.append((ann.id, day, "building", group, state, cell(states[state])))
        return Table(
            "announcements",
            ("announcement", "sent_on", "breakdown", "group", "delivery", "messages"),
            rows,
        )

    async def events(self, names: dict[int, str]) -> Table:
        rows = []
        for event in await self.s.events.repo.published():
            report = await self.s.attendance.report(EXPORTER, event.id, names)
            day = from_db(event.starts_at).date().isoformat()
            for answer, n in hide_small(report.answers, self.k).items():
                rows.append((event.id, day, "answer", answer, cell(n)))
            if report.started:
                present = report.present if report.present >= self.k else None
                rows.append((event.id, day, "present", "", cell(present)))
                for dimension, breakdown in report.groups.items():
                    for group, n in breakdown.shown.items():
                        rows.append((event.id, day, f"present_{dimension}", group, cell(n)))
        return Table("events", ("event", "starts_on", "breakdown", "group", "people"), rows)

    async def surveys(self) -> Table:
        rows = []
        for wave in await self.s.surveys.repo.waves():
            _header, *lines = await self.s.surveys.csv_rows(EXPORTER, wave.id)
            for section, item, group, count in lines:
                rows.append(
                    (wave.id, wave.state, section, item, group, int(count) if count else None)
                )
        return Table("surveys", ("wave", "state", "section", "item", "group", "count"), rows)

    # ---------------------------------------------------------------- stats
    async def stats(self) -> list[tuple[str, str]]:
        """(label, value) lines for an operator: totals only."""
        statuses = await self.s.signup.repo.count_by_status()
        users = await self.s.users.count_by_locale()
        buildings = await self.s.buildings.repo.list()
        waiting = await self.s.delivery.repo.waiting()
        events = await self.s.events.repo.published()
        waves = await self.s.surveys.repo.waves()
        now = self.s.events.clock()
        return [
            ("buildings", str(len(buildings))),
            ("people who use the bot", str(sum(users.values()))),
            (
                "residents",
                ", ".join(f"{s} {statuses.get(s, 0)}" for s in ("approved", "pending", "banned")),
            ),
            ("announcements sent", str(len(await self.s.announcements.repo.sent()))),
            (
                "events",
                f"{sum(from_db(e.starts_at) > now for e in events)} to come, "
                f"{sum(from_db(e.starts_at) <= now for e in events)} past",
            ),
            (
                "survey waves",
                f"{sum(w.state == 'open' for w in waves)} open, "
                f"{sum(w.state == 'closed' for w in waves)} closed",
            ),
            (
                "waiting to be sent",
                str(sum(n for states in waiting.values() for n in states.values())),
            ),
        ]


# ---------------------------------------------------------------- files
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
# such text, written by a resident, gets a leading apostrophe, which the spreadsheet hides.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Every CSV the bot hands out: None as an empty cell, text never run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(safe_cell(v) for v in row)
    return out.getvalue()


def to_csv(table: Table) -> str:
    return csv_text([table.columns, *table.rows])


def to_json(tables: list[Table]) -> str:
    return json.dumps(
        {t.name: [dict(zip(t.columns, row, strict=True)) for row in t.rows] for t in tables},
        ensure_ascii=False,
        indent=1,
    )


def write(tables: list[Table], out: Path, fmt: str) -> list[Path]:
    """``<table>.csv`` for each table, or one ``export.json``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path = out / "export.json"
        path.write_text(to_json(tables), encoding="utf-8")
        return [path]
    written = []
    for table in tables:
        path = out / f"{table.name}.csv"
        path.write_text(to_csv(table), encoding="utf-8")
        written.append(path)
    return written
