"""Benchmarks of the live proof (`folder-builder serve`) in a real browser.

    .venv/bin/python benchmarks/proof.py [--runs 7] [--markdown]
    .venv/bin/python benchmarks/run.py --proof ...     (the same, from the main benchmark)

Each scenario is timed as the communications officer meets it, with Playwright
driving Debian's chromium against the server running in its own process:

- save → shown: from writing a one-statement edit to the file until the browser
  shows the new build with every changed page image loaded; each save comes as
  soon as the page showed the one before, or ``--pause`` seconds after;
- leaflet note → shown: the same for a department note in a leaflet's proof;
- cold open: from the server printing its address (it is up) until the folder's
  28 page images are shown in a browser that opens the address then.

Medians, with the fastest and slowest; the server's own log of each build is kept
out of the timing. Not part of the test run (a timing is not a test).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Seconds between the page showing one save and the next save (--pause). 0, as in
#: every earlier session's numbers: the next save at once. A person looks and types
#: first; with 1.5 s the server has collected the garbage of the builds before
#: (web/builds.py), and this shared machine's cores have gone quiet.
PAUSE = 0.0
CHROMIUM = "/usr/bin/chromium"
TARGETS = {"save → changed pages shown, folder": 0.6,
           "note edit → changed pages shown, leaflet": 0.4,
           "cold open of the folder's proof": 1.5}
SHOWN = ("(after) => { const s = document.getElementById('build-status');"
         " return s && s.dataset.build === 'ok' && Number(s.dataset.buildId) > after &&"
         " [...document.querySelectorAll('img[data-page]')]"
         ".every(img => img.complete && img.naturalWidth > 0); }")
#: Resolves once SHOWN holds, looked at whenever the page changes or an image loads:
#: the browser is not kept busy asking (a poll every 10 ms ran beside the server's
#: build on the same two cores).
WAIT_SHOWN = ("(after) => new Promise((resolve) => { const shown = " + SHOWN + ";"
              " const check = () => { if (!shown(after)) return false;"
              " observer.disconnect(); document.removeEventListener('load', check, true);"
              " resolve(true); return true; };"
              " const observer = new MutationObserver(check);"
              " observer.observe(document, {subtree: true, childList: true,"
              " attributes: true});"
              " document.addEventListener('load', check, true); check(); })")


def wait_shown(page, after: int) -> None:
    """Until the page shows a build newer than ``after`` with every image loaded."""
    page.evaluate(WAIT_SHOWN, after)


def start(content: Path, log: Path | None = None) -> tuple[subprocess.Popen, str, float]:
    """The server over ``content``; its address and the seconds until it printed it.
    With ``log``, the server logs each build's time there (-v)."""
    started = time.perf_counter()
    verbose = ["-v"] if log else []
    process = subprocess.Popen(
        [sys.executable, "-m", "folder_builder", *verbose, "serve", "--content", str(content),
         "--port", "0"], stdout=subprocess.PIPE,
        stderr=log.open("w") if log else subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    up = time.perf_counter() - started
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not found:
        process.kill()
        sys.exit(f"the server did not start: {line!r}")
    return process, found.group(0), up


def stop(process: subprocess.Popen) -> None:
    process.send_signal(2)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def build_id(page) -> int:
    return int(page.get_attribute("#build-status", "data-build-id"))


def edits(page, path: Path, old: str, new: str, runs: int, pause: float) -> list[float]:
    """Save ``path`` with ``old`` and ``new`` in turn; seconds until the page shows it.
    Each save comes ``pause`` seconds after the page showed the one before."""
    times = []
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    for run in range(runs + 1):  # the first is a warm-up of this product
        time.sleep(pause)
        before = build_id(page)
        text = text.replace(old, new) if run % 2 == 0 else text.replace(new, old)
        started = time.perf_counter()
        path.write_text(text, encoding="utf-8")
        wait_shown(page, before)
        if run:
            times.append(time.perf_counter() - started)
    return times


def measure(runs: int, pause: float) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="folder-builder-proof-bench-"))
    content = work / "content"
    shutil.copytree(ROOT / "content", content)
    results: dict[str, list[float]] = {name: [] for name in TARGETS}
    results["server up (address printed)"] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for _ in range(runs):
                process, url, up = start(content)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                started = time.perf_counter()
                page.goto(url)
                wait_shown(page, 0)
                results["cold open of the folder's proof"].append(
                    time.perf_counter() - started + 0.0)
                results["server up (address printed)"].append(up)
                page.close()
                stop(process)
            log = work / "server.log"
            process, url, _ = start(content, log)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                wait_shown(page, 0)
                results["save → changed pages shown, folder"] = edits(
                    page, content / "statements" / "chef.yaml", "for mit område.",
                    "for hele mit område.", runs, pause)
                page.goto(url + "leaflet/leder-af-medarbejder/eksempel-dagtilbud-nord")
                wait_shown(page, 0)
                results["note edit → changed pages shown, leaflet"] = edits(
                    page, content / "departments" / "eksempel-dagtilbud-nord.yaml",
                    "trygge rammer for børnene.", "trygge og gode rammer for børnene.", runs,
                    pause)
            finally:
                stop(process)
            # The session's own time for each build, from the server's log: the rest
            # of "save → shown" is the watcher, the page images and the browser.
            built = re.findall(r"built (\S+) in ([\d.]+) s: ok", log.read_text())
            folder = [float(t) for key, t in built if key == "folder@print"][2:]
            leaflet = [float(t) for key, t in built if key.startswith("leaflet/")][2:]
            results["of which the session's build, folder"] = folder
            results["of which the session's build, leaflet"] = leaflet
        finally:
            browser.close()
    shutil.rmtree(work, ignore_errors=True)
    return results


def report(results: dict[str, list[float]], markdown: bool) -> None:
    header = ("scenario", "median s", "min s", "max s", "target s", "")
    rows = []
    for name, times in results.items():
        target = TARGETS.get(name)
        median = statistics.median(times)
        verdict = "" if target is None else ("met" if median <= target else "not met")
        rows.append((name, f"{median:.2f}", f"{min(times):.2f}", f"{max(times):.2f}",
                     f"≤ {target}" if target else "–", verdict))
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in (header, *rows):
            print(f"{row[0]:>44}  " + "  ".join(f"{c:>9}" for c in row[1:]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per scenario")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--pause", type=float, default=PAUSE,
                        help="seconds between the page showing a save and the next save "
                             f"(default {PAUSE}: at once; a person takes a second or two)")
    args = parser.parse_args(argv)
    report(measure(args.runs, args.pause), args.markdown)


if __name__ == "__main__":
    main()
