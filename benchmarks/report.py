"""The benchmark report: every figure beside its goal, as the median of its runs with min and
max, printed as one table at the end of ``make bench`` and written to ``bench/results.json``.

A section measures a figure once per run and adds each value with :meth:`Report.add`; the goal
is a comparison (``">=", 0.8``) or None for a figure that is only reported.
"""

from __future__ import annotations

import json
import operator
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
COMPARE = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass
class Figure:
    section: str
    name: str
    unit: str
    goal: tuple[str, float] | None
    values: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def verdict(self) -> str:
        if self.goal is None or not self.values:
            return ""
        op, target = self.goal
        return "PASS" if COMPARE[op](self.median, target) else "MISS"

    def goal_text(self) -> str:
        if self.goal is None:
            return "report"
        op, target = self.goal
        return f"{op} {target:g}{' ' + self.unit if self.unit else ''}"


class Report:
    def __init__(self) -> None:
        self.figures: dict[tuple[str, str], Figure] = {}
        self.started = time.time()

    def add(
        self,
        section: str,
        name: str,
        value: float,
        *,
        unit: str = "",
        goal: tuple[str, float] | None = None,
        note: str = "",
    ) -> None:
        key = (section, name)
        figure = self.figures.get(key)
        if figure is None:
            figure = self.figures[key] = Figure(section, name, unit, goal)
        figure.values.append(float(value))
        if note:
            figure.note = note

    @staticmethod
    def _number(value: float) -> str:
        if value != value:  # nan
            return "-"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"

    def table(self) -> str:
        lines = [
            f"{'section':<10} {'figure':<46} {'median':>9} {'min':>9} {'max':>9} "
            f"{'runs':>4}  {'goal':<14} verdict",
        ]
        for f in self.figures.values():
            unit = f" {f.unit}" if f.unit else ""
            lines.append(
                f"{f.section:<10} {f.name + unit:<46} {self._number(f.median):>9} "
                f"{self._number(min(f.values)):>9} {self._number(max(f.values)):>9} "
                f"{len(f.values):>4}  {f.goal_text():<14} {f.verdict}"
            )
            if f.note:
                lines.append(f"{'':<10}   {f.note}")
        return "\n".join(lines)

    def write(self, path: Path = RESULTS, *, keep_others: bool = False) -> Path:
        """Write this run's figures to ``path``. ``keep_others`` (a run of some sections, not
        all): the figures of sections this run did not measure stay as they were, each with
        the commit and time of the run that measured it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            commit = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        except OSError:
            commit = ""
        data = {
            "commit": commit,
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "machine": {"python": platform.python_version(), "cpus": _cpus()},
            "figures": [
                {
                    "section": f.section,
                    "name": f.name,
                    "unit": f.unit,
                    "median": f.median,
                    "min": min(f.values),
                    "max": max(f.values),
                    "runs": f.values,
                    "goal": None if f.goal is None else {"op": f.goal[0], "value": f.goal[1]},
                    "verdict": f.verdict or None,
                    "note": f.note or None,
                }
                for f in self.figures.values()
            ],
        }
        if keep_others:
            data["figures"].extend(self._others(path))
        path.write_text(json.dumps(data, indent=2) + "\n")
        return path

    def _others(self, path: Path) -> list[dict]:
        """The figures in ``path`` of sections this run did not measure, each dated."""
        try:
            before = json.loads(path.read_text())
        except (OSError, ValueError):
            return []
        measured = {f.section for f in self.figures.values()}
        kept = []
        for figure in before.get("figures", []):
            if figure.get("section") in measured:
                continue
            figure.setdefault("commit", before.get("commit"))
            figure.setdefault("when", before.get("when"))
            kept.append(figure)
        return kept


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


CURRENT = Report()  # the run's report: sections record into it, ``__main__`` prints and writes it


def record(section: str, name: str, value: float, **kwargs) -> None:
    CURRENT.add(section, name, value, **kwargs)
