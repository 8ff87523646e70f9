"""``make bench``: ``python -m benchmarks [all|inprocess|broadcast] [options]``.

- ``inprocess``: replies per second of the real Application against the in-process sandbox,
  with and without the rate limiter (``benchmarks/inprocess.py``);
- ``broadcast``: the real ``python -m bot`` process against the sandbox server over loopback
  HTTP, a bare python-telegram-bot bot beside it (``benchmarks/broadcast.py``);
- ``reminders``: the same process starting with 10,000 scheduled event reminders (time to
  polling, peak memory), then sending 1,000 reminders due in the same minute
  (``benchmarks/reminders.py``);
- ``startup``: start-up and memory with a lived-in database (10,000 residents, 200 events,
  10,000 pending reminder messages, a finished broadcast), then after 10,000 updates
  (``benchmarks/startup.py``);
- ``updates``: 1,000 residents' /start, button presses, RSVPs and poll answers through the real
  process, against a bare PTB bot given the same updates (``benchmarks/updates.py``).

``BENCH_RECIPIENTS`` (default 10000) shortens the broadcast: 10,000 at 25/s takes 400 s.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from benchmarks import broadcast, inprocess, reminders, startup, updates
from benchmarks.report import CURRENT, ROOT


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "section",
        nargs="?",
        choices=("all", "inprocess", "broadcast", "reminders", "startup", "updates"),
        default="all",
    )
    inprocess.add_arguments(parser)
    broadcast.add_arguments(parser)
    reminders.add_arguments(parser)
    updates.add_arguments(parser)
    startup.add_arguments(parser)
    args = parser.parse_args()
    sections = {
        "inprocess": lambda: inprocess.main(args),
        "broadcast": lambda: broadcast.main(args),
        "reminders": lambda: reminders.main(args),
        "startup": lambda: startup.main(args),
        "updates": lambda: [updates.main(args) for _run in range(args.update_runs)],
    }
    failed = []
    for name, run in sections.items():
        if args.section not in ("all", name):
            continue
        try:
            run()
        except Exception:  # the other sections' figures still count
            traceback.print_exc()
            failed.append(name)
    print("\nEvery figure beside its goal (median of its runs, with min and max):")
    print(CURRENT.table())
    written = CURRENT.write(keep_others=args.section != "all")
    print(f"written to {written.relative_to(ROOT)}")
    if args.section != "all":
        print("(the other sections' figures in it are kept, with their own commit and time)")
    if failed:
        sys.exit(f"these sections failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
