"""Benchmarks: whole processes started as a user starts them, timed over several runs.

    .venv/bin/python benchmarks/run.py [--runs 5] [--markdown]

Not part of the test run (a timing is not a test: it would flake on a busy
machine). Prints, for each scenario, the median, fastest and slowest wall
time, the peak memory of the process (its children included) and pages per
second; then the overhead of `folder-builder build` over plain `weasyprint`
laying out the very same HTML, and the batch speed-up from one worker to one
per core.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOOL = str(BIN / "folder-builder")


@dataclass
class Measured:
    name: str
    seconds: list[float]
    cpu: list[float]
    peak_mb: float
    pages: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def row(self) -> tuple[str, ...]:
        pps = f"{self.pages / self.median:.1f}" if self.pages else "–"
        return (self.name, f"{self.median:.2f}", f"{min(self.seconds):.2f}",
                f"{max(self.seconds):.2f}", f"{statistics.median(self.cpu):.2f}",
                f"{self.peak_mb:.0f}", pps)


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall time, CPU time (its children's included) and peak resident memory (MB)
    of ``command``. CPU time varies less than wall time on a shared machine."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n"
                 f"{process.stderr.read().decode()}")
    process.stderr.close()
    # os.wait4 reports the process and the workers it forked and waited for (the
    # folder's second part, a batch's workers): CPU time is the whole tree's, and
    # ru_maxrss the largest single process in it.
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(name: str, command: list[str], runs: int, pages: int = 0) -> Measured:
    run(command)  # warm the file cache and fontconfig's cache
    times, cpus, peaks = [], [], []
    for _ in range(runs):
        seconds, cpu, peak = run(command)
        times.append(seconds)
        cpus.append(cpu)
        peaks.append(peak)
    return Measured(name, times, cpus, max(peaks), pages)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return (f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, WeasyPrint {version('weasyprint')}, "
            f"folder-builder {version('folder-builder')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    out = Path(tempfile.mkdtemp(prefix="folder-builder-bench-"))
    leaflets = 5 * 3  # roles × (no department + the two example departments)

    results = [
        measure("validate", [TOOL, "validate"], args.runs),
        measure("folder, print", [TOOL, "build", "-o", str(out / "f.pdf")], args.runs, 28),
        measure("folder, print, --jobs 1", [TOOL, "build", "--jobs", "1", "-o",
                                            str(out / "f1.pdf")], args.runs, 28),
        measure("folder, screen", [TOOL, "build", "--variant", "screen", "-o",
                                   str(out / "s.pdf")], args.runs, 28),
        measure("one leaflet, print", [TOOL, "leaflet", "--role", "leder-af-medarbejder",
                                       "--department", "eksempel-dagtilbud-nord", "-o",
                                       str(out / "l.pdf")], args.runs, 8),
        measure("batch, 1 worker", [TOOL, "batch", "--jobs", "1", "--output-dir",
                                    str(out / "b1")], max(1, args.runs // 2), leaflets * 8),
        measure(f"batch, {cores} workers", [TOOL, "batch", "--jobs", str(cores),
                                            "--output-dir", str(out / "bn")],
                max(1, args.runs // 2), leaflets * 8),
    ]
    # The same HTML, laid out by plain WeasyPrint.
    run([TOOL, "build", "--keep-html", "-o", str(out / "k.pdf")])
    plain = measure("plain weasyprint, same HTML",
                    [str(BIN / "weasyprint"), "--pdf-variant", "pdf/x-4", str(out / "k.html"),
                     str(out / "w.pdf")], args.runs, 28)
    results.append(plain)

    header = ("scenario", "median s", "min s", "max s", "cpu s", "peak MB", "pages/s")
    print(f"machine: {machine()}")
    print(f"runs: {args.runs} per scenario (batches {max(1, args.runs // 2)}), after one warm-up")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in results:
            print("| " + " | ".join(r.row()) + " |")
    else:
        print("  ".join(f"{h:>28}" if i == 0 else f"{h:>9}" for i, h in enumerate(header)))
        for r in results:
            print("  ".join(f"{c:>28}" if i == 0 else f"{c:>9}" for i, c in enumerate(r.row())))
    folder, folder_one = results[1], results[2]
    one, many = results[5], results[6]
    print(f"overhead of folder-builder build over plain weasyprint: "
          f"{folder.median / plain.median:.2f}× (in one process, --jobs 1: "
          f"{folder_one.median / plain.median:.2f}×; CPU time: "
          f"{statistics.median(folder.cpu) / statistics.median(plain.cpu):.2f}×)")
    print(f"batch speed-up, 1 → {cores} workers: {one.median / many.median:.2f}×")


if __name__ == "__main__":
    main()
