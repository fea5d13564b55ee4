"""The test suite's time, like for like: the tests of an earlier commit, run there
and here, side by side.

    .venv/bin/python benchmarks/suite.py [--base COMMIT] [--runs 2]

Issue 11 asked that the suite "stays as strict and gets no slower" than the 141 s it
took when the issue was filed. The suite has since grown by whole features (the proof
server, the studio, the real-browser tests), so the whole suite's time answers
another question. This script answers the asked one: it checks the ``--base`` commit
(default: the last commit before issue 11's work) out into a temporary git worktree,
and runs, alternately, ``--runs`` times each:

- **then**: the base's own tests against the base's own code, the way the base ran
  them (its pyproject's pytest options: one process);
- **now, default**: the same test files as they are now (grown by the tests added
  to them since), against today's code, the way the suite runs now (pytest-xdist,
  ``-n auto``);
- **now, one process**: the same, with ``-n 0``, for a comparison with one core.

Both use this checkout's virtual environment (the base has no set-up of its own
here); each run's wall time and test count are printed, then the medians.
Not part of the test run: a timing is not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The last commit before issue 11's work began (97bc798 added the Session).
BASE = "42fe4ef"
PASSED = re.compile(r"(\d+) passed")


def test_files(tree: Path) -> list[str]:
    return sorted(str(p.relative_to(tree)) for p in (tree / "tests").glob("test_*.py"))


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None
          ) -> tuple[float, int]:
    """Wall seconds and the number of tests passed; exits if a test failed."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    found = PASSED.findall(done.stdout)
    if done.returncode != 0 or not found:
        sys.exit(f"{' '.join(command[:4])} … in {cwd} failed:\n{done.stdout[-2000:]}")
    return seconds, int(found[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="folder-builder-suite-") as scratch:
        base = Path(scratch) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            files = test_files(base)
            missing = [f for f in files if not (ROOT / f).exists()]
            if missing:
                sys.exit(f"test files of {args.base} no longer here: {missing}")
            pytest = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            env = {**os.environ, "PYTHONPATH": str(base / "src")}
            scenarios = (
                ("then (base code and tests, its own options)", [*pytest, *files], base, env),
                ("now, default (-n auto)", [*pytest, *files], ROOT, None),
                ("now, one process (-n 0)", [*pytest, "-n", "0", *files], ROOT, None))
            runs: dict[str, list[tuple[float, int]]] = {name: [] for name, *_ in scenarios}
            for _ in range(args.runs):
                for name, command, cwd, extra in scenarios:
                    runs[name].append(timed(command, cwd, extra))
                    seconds, count = runs[name][-1]
                    print(f"{name}: {count} tests in {seconds:.1f} s", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT,
                           check=False, capture_output=True)
    print(f"\nthe {len(files)} test files of {args.base}, medians of {args.runs} runs:")
    for name, measured in runs.items():
        print(f"  {name}: {statistics.median(s for s, _ in measured):.1f} s "
              f"({measured[-1][1]} tests)")


if __name__ == "__main__":
    main()
