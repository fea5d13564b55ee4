"""Benchmarks: whole processes started as a user starts them, timed over several runs.

    .venv/bin/python benchmarks/run.py [--runs 5] [--markdown]

Not part of the test run (a timing is not a test: it would flake on a busy
machine). Prints, for each scenario, the median, fastest and slowest wall
time, the peak memory of the process (its children included) and pages per
second; then the overhead of `folder-builder build` over plain `weasyprint`
laying out the very same HTML, and the batch speed-up from one worker to one
per core. "plain weasyprint, one word" is the floor: Python, WeasyPrint's
import and a one-word PDF, with nothing of folder-builder.

The warm scenarios (benchmarks/warm.py) time something else: in one process
that keeps a Session, an edit and the build after it ("warm, …"), each round
a few edits; their medians are over every edit of every round. The cold
folder is timed both in parts (the default) and whole (FOLDER_BUILDER_PARTS=1),
which is how the choice between them is made.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
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


def run(command: list[str], env: dict[str, str] | None = None,
        report: list[dict] | None = None) -> tuple[float, float, float]:
    """Wall time, CPU time (its children's included) and peak resident memory (MB)
    of ``command``. CPU time varies less than wall time on a shared machine. With
    ``report``, the command's last line of output (JSON) is appended to it."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output,
                                   stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n"
                     f"{process.stderr.read().decode()}")
        process.stderr.close()
        if report is not None:
            output.seek(0)
            report.append(json.loads(output.read().decode().strip().splitlines()[-1]))
    # os.wait4 reports the process and the workers it forked and waited for (the
    # folder's second part, a batch's workers): CPU time is the whole tree's, and
    # ru_maxrss the largest single process in it.
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


@dataclass
class Scenario:
    name: str
    command: list[str]
    pages: int = 0
    env: dict[str, str] | None = None
    #: a warm scenario: its command reports the time of each edit (benchmarks/warm.py),
    #: and those are what is measured, not the process
    warm: bool = False


def measure(scenarios: list[Scenario], runs: int) -> list[Measured]:
    """Every scenario once per round, the order turned by one each round.

    This machine's speed drifts (by a third within an hour on the shared
    development VM); scenarios timed in blocks one after the other would compare
    different speeds. Interleaved, every scenario sees the same drift, and ratios
    are taken round by round (see paired()).
    """
    for scenario in scenarios:
        run(scenario.command, scenario.env)  # warm the file cache and fontconfig's cache
    results = [Measured(s.name, [], [], 0.0, s.pages) for s in scenarios]
    for round_ in range(runs):
        turn = round_ % len(scenarios)
        for index in [*range(turn, len(scenarios)), *range(turn)]:
            scenario, reports = scenarios[index], []
            seconds, cpu, peak = run(scenario.command, scenario.env,
                                     reports if scenario.warm else None)
            if scenario.warm:
                results[index].seconds += reports[0]["wall"]
                results[index].cpu += reports[0]["cpu"]
            else:
                results[index].seconds.append(seconds)
                results[index].cpu.append(cpu)
            results[index].peak_mb = max(results[index].peak_mb, peak)
    return results


#: Issue 11's batch target, CPU-s per leaflet, and what plain WeasyPrint took (CPU-s)
#: over the folder's HTML on the box it was set on (docs/speed-history.md, "Before the session").
BATCH_TARGET, PLAIN_WHEN_SET = 0.35, 2.38


def paired(top: Measured, bottom: Measured) -> float:
    """The median over rounds of top / bottom, each pair timed in the same round."""
    return statistics.median(a / b for a, b in zip(top.seconds, bottom.seconds, strict=True))


def paired_cpu(top: Measured, bottom: Measured) -> float:
    return statistics.median(a / b for a, b in zip(top.cpu, bottom.cpu, strict=True))


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
    parser.add_argument("--proof", action="store_true",
                        help="time the live proof in a browser instead (benchmarks/proof.py)")
    args = parser.parse_args()
    if args.proof:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import proof

        proof.main([f"--runs={args.runs}", *(["--markdown"] if args.markdown else [])])
        return
    cores = os.cpu_count() or 1
    out = Path(tempfile.mkdtemp(prefix="folder-builder-bench-"))
    atexit.register(shutil.rmtree, out, True)  # also when a scenario fails (sys.exit)
    leaflets = 5 * 3  # roles × (no department + the two example departments)

    # Plain WeasyPrint lays out the very HTML the build lays out.
    run([TOOL, "build", "--keep-html", "-o", str(out / "k.pdf")])
    scenarios = [
        Scenario("validate --quick", [TOOL, "validate", "--quick"]),
        Scenario("validate", [TOOL, "validate"]),
        Scenario("folder, print", [TOOL, "build", "-o", str(out / "f.pdf")], 28),
        Scenario("folder, print, --jobs 1", [TOOL, "build", "--jobs", "1", "-o",
                                             str(out / "f1.pdf")], 28),
        Scenario("folder, print, whole", [TOOL, "build", "-o", str(out / "fw.pdf")], 28,
                 env={"FOLDER_BUILDER_PARTS": "1"}),
        Scenario("folder, print, whole, 1 core", [
            "taskset", "-c", "0", TOOL, "build", "-o", str(out / "fw1.pdf")], 28,
            env={"FOLDER_BUILDER_PARTS": "1"}),
        Scenario("folder, print, parts, 1 core", [
            "taskset", "-c", "0", TOOL, "build", "-o", str(out / "fp1.pdf")], 28),
        Scenario("warm, statement edit → folder", [
            str(BIN / "python"), str(ROOT / "benchmarks" / "warm.py"), "folder-edit",
            "--edits", "4"], 28, warm=True),
        Scenario("warm, note edit → leaflet", [
            str(BIN / "python"), str(ROOT / "benchmarks" / "warm.py"), "leaflet-edit",
            "--edits", "4"], 8, warm=True),
        Scenario("folder, screen", [TOOL, "build", "--variant", "screen", "-o",
                                    str(out / "s.pdf")], 28),
        Scenario("one leaflet, print", [TOOL, "leaflet", "--role", "leder-af-medarbejder",
                                        "--department", "eksempel-dagtilbud-nord", "-o",
                                        str(out / "l.pdf")], 8),
        Scenario("batch, 1 worker", [TOOL, "batch", "--jobs", "1", "--output-dir",
                                     str(out / "b1")], leaflets * 8),
        Scenario(f"batch, {cores} workers", [TOOL, "batch", "--jobs", str(cores),
                                             "--output-dir", str(out / "bn")], leaflets * 8),
        Scenario("plain weasyprint, same HTML",
                 [str(BIN / "weasyprint"), "--pdf-variant", "pdf/x-4", str(out / "k.html"),
                  str(out / "w.pdf")], 28),
        Scenario("plain weasyprint, one word",
                 [str(BIN / "python"), "-c", "import weasyprint; weasyprint.HTML("
                  "string='<p>x</p>').write_pdf('" + str(out / "x.pdf") + "')"], 1),
    ]
    results = measure(scenarios, args.runs)
    by_name = {r.name: r for r in results}

    header = ("scenario", "median s", "min s", "max s", "cpu s", "peak MB", "pages/s")
    print(f"machine: {machine()}")
    print(f"runs: {args.runs} rounds, every scenario once a round (order turned each "
          "round), after one warm-up each")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in results:
            print("| " + " | ".join(r.row()) + " |")
    else:
        print("  ".join(f"{h:>28}" if i == 0 else f"{h:>9}" for i, h in enumerate(header)))
        for r in results:
            print("  ".join(f"{c:>28}" if i == 0 else f"{c:>9}" for i, c in enumerate(r.row())))
    folder, folder_one = by_name["folder, print"], by_name["folder, print, --jobs 1"]
    plain = by_name["plain weasyprint, same HTML"]
    one, many = by_name["batch, 1 worker"], by_name[f"batch, {cores} workers"]
    print("ratios are medians of the ratio within each round:")
    print(f"overhead of folder-builder build over plain weasyprint: "
          f"{paired(folder, plain):.2f}× (in one process, --jobs 1: "
          f"{paired(folder_one, plain):.2f}×; CPU time: "
          f"{statistics.median(folder.cpu) / statistics.median(plain.cpu):.2f}×)")
    print(f"batch speed-up, 1 → {cores} workers: {paired(one, many):.2f}×")
    whole, whole_one = by_name["folder, print, whole"], by_name["folder, print, whole, 1 core"]
    parts_one = by_name["folder, print, parts, 1 core"]
    print(f"cold folder, parts over whole: wall {paired(folder, whole):.2f}× "
          f"(CPU {paired_cpu(folder, whole):.2f}×); on one core "
          f"{paired(parts_one, whole_one):.2f}×")
    print(f"batch CPU per leaflet: {statistics.median(one.cpu) / leaflets:.2f} s with 1 worker, "
          f"{statistics.median(many.cpu) / leaflets:.2f} s with {cores}")
    # The machine's speed drifts by a third within an hour, and the box changed since
    # issue 11 set its target; plain WeasyPrint over the folder's HTML, timed in the
    # same round, is the yardstick that drifts with it.
    print(f"batch CPU per leaflet in units of plain WeasyPrint's CPU over the folder's "
          f"HTML in the same round: {paired_cpu(one, plain) / leaflets:.3f} with 1 worker, "
          f"{paired_cpu(many, plain) / leaflets:.3f} with {cores} (issue 11's 0.35 CPU-s, "
          f"set when that took {PLAIN_WHEN_SET} CPU-s, is "
          f"{BATCH_TARGET / PLAIN_WHEN_SET:.3f})")
    for name, target in (("warm, statement edit → folder", 0.4),
                         ("warm, note edit → leaflet", 0.25)):
        warm = by_name[name]
        print(f"{name}: median {warm.median:.3f} s (target ≤ {target} s), "
              f"CPU {statistics.median(warm.cpu):.3f} s, over {len(warm.seconds)} edits")


if __name__ == "__main__":
    main()
