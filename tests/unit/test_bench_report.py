"""``make bench``'s report: a run of one section keeps the other sections' figures in
``bench/results.json`` (dated by their own run) and replaces its own."""

from __future__ import annotations

import json

from benchmarks.report import Report


def test_a_run_of_one_section_keeps_the_others_figures_with_their_date(tmp_path):
    path = tmp_path / "results.json"
    full = Report()
    full.add("broadcast", "achieved / configured rate", 0.99, goal=(">=", 0.95))
    full.add("updates", "updates/s / bare PTB's", 0.41, goal=(">=", 0.8))
    full.write(path)
    first = json.loads(path.read_text())

    partial = Report()
    partial.add("updates", "updates/s / bare PTB's", 0.85, goal=(">=", 0.8))
    partial.write(path, keep_others=True)
    figures = {f["section"]: f for f in json.loads(path.read_text())["figures"]}
    assert figures["updates"]["median"] == 0.85 and figures["updates"]["verdict"] == "PASS"
    assert "when" not in figures["updates"]  # this run's: the file's own date
    assert figures["broadcast"]["median"] == 0.99
    assert figures["broadcast"]["when"] == first["when"]
    assert figures["broadcast"]["commit"] == first["commit"]

    Report().write(path)  # a whole run (every section) keeps nothing of before
    assert json.loads(path.read_text())["figures"] == []
