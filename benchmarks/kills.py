"""Kill `desk build --force` at random moments and tally what the checkout showed.

    .venv/bin/python benchmarks/kills.py [--kills 200] [--seed 1]

A throw-away desk (tests/publish/killing.py: the project's raw page, two light notebooks that use the
fork server) is built at version 1, then rebuilt at version 2 with `--force` and killed after
a random delay (uniform over a whole build's length; one kill in four is aimed into the
publish, slowed down by DESK_PUBLISH_PAUSE); a third of the kills are SIGINT, a third SIGTERM,
a third SIGKILL. After each it records what `reports/` and `data/processed/` held right after
the build ended and after the next `desk check`: old, new or MIXED, and anything left behind
(staging dirs, temp files, a journal, a fork-server dir, a process of the dead build).

Done when: no MIXED after the next command, no MIXED right after SIGINT/SIGTERM, no leftovers.
(Right after SIGKILL during the moves, MIXED can be seen until the next command completes the
journal: the tally shows how often that window was hit.)
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / d) for d in ("tests", "tests/publish")]

import killing  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="desk-kills-") as tmp:
        desk = killing.Desk(Path(tmp))
        t0 = time.monotonic()
        killing.desk(desk.root, "build", "--force")
        full = time.monotonic() - t0
        print(f"one forced build takes {full:.1f} s here; killing within that")
        tally: Counter = Counter()
        bad = []
        names = ["INT", "TERM", "KILL"]
        for i in range(args.kills):
            name = names[i % 3]
            in_publish = rng.random() < 0.25
            delay = rng.uniform(0, 0.3) if in_publish else rng.uniform(0, full * 1.1)
            seen = desk.kill_at(delay, killing.SIGNALS[name], in_publish=in_publish)
            where = "publish" if in_publish else "any"
            tally[(name, where, "right after", seen["right_after"])] += 1
            tally[(name, where, "after next", seen["after_next"])] += 1
            failed = (seen["after_next"] == "MIXED" or seen["leftovers"]
                      or (name != "KILL" and seen["right_after"] == "MIXED"))
            if failed:
                bad.append((i, name, where, round(delay, 3), seen))
            print(f"{i + 1:3d} SIG{name:<4} {where:<7} at {delay:5.2f} s: right after {seen['right_after']:<5} "
                  f"after next {seen['after_next']:<5}{'  LEFT ' + str(seen['leftovers']) if seen['leftovers'] else ''}",
                  flush=True)
    print("\ntally (signal, aimed at, when observed, state): count")
    for key in sorted(tally):
        print(f"  {' / '.join(key)}: {tally[key]}")
    print(f"\n{args.kills} kills, {len(bad)} bad (mixed after the next command, mixed right after "
          f"SIGINT/SIGTERM, or leftovers)")
    for b in bad:
        print("  BAD", b)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
