"""Load on the department studio: many departments editing at once.

    .venv/bin/python benchmarks/studio_load.py [--clients 20] [--seconds 60] [--every 2]
                                               [--workers N] [--server-log FILE]

Starts `folder-builder serve` on a private copy of the content, on a free
loopback port, makes one department per client and lets every client save a
new note every ``--every`` seconds for ``--seconds`` seconds, as the studio's
form does (a POST with the form's CSRF and version tokens), while asking for the
proof of what it saved (the editor's live proof, coalesced as the page does: one
proof at a time per client, always of the newest save). At the end it checks:

- no request failed (every save answered 303, every proof 200 "ok" or 429
  "limited", which the page retries);
- no save was lost: every department file holds the last note its client saved;

and reports the time from a save to the first proof that shows it (median, p95,
max) and how many saves and proofs were made. Not part of the test run: a
timing is not a test. Loopback only, bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
TOOL = str(Path(sys.executable).parent / "folder-builder")
STATEMENT = "chef-compliance-1"


@dataclass
class Client:
    """One department's editor: its saves and the proofs it saw."""

    slug: str
    saved: list[tuple[str, float]] = field(default_factory=list)  # (note, when saved)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    proofs: int = 0
    limited: int = 0
    newest: int = 0  # index + 1 of the newest save not yet shown in a proof
    shown: int = 0
    wake: threading.Event = field(default_factory=threading.Event)


def field_value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    if not found:
        raise RuntimeError(f"no field {name}")
    return html.unescape(found.group(1))


def form_of(page: str, note: str) -> dict[str, str]:
    return {"csrf": field_value(page, "csrf"), "token": field_value(page, "token"),
            "role": "chef", "name": field_value(page, "name"), "contact": "",
            "introduction": "", f"note:{STATEMENT}": note, "question": ["Et spørgsmål?"],
            "logo_path": ""}


def saver(client: Client, http: httpx.Client, until: float, every: float) -> None:
    page = http.get(f"/departments/{client.slug}?role=chef").text
    number = 0
    next_at = time.monotonic()
    while time.monotonic() < until:
        number += 1
        note = f"Note {number} fra {client.slug}"
        response = http.post(f"/departments/{client.slug}", data=form_of(page, note),
                             follow_redirects=False)
        if response.status_code != 303:
            client.failures.append(f"save {number}: {response.status_code}")
        else:
            client.saved.append((note, time.monotonic()))
            client.newest = len(client.saved)
            client.wake.set()
            page = http.get(response.headers["location"]).text  # the new version token
        next_at += every
        time.sleep(max(0.0, next_at - time.monotonic()))
    client.wake.set()


def previewer(client: Client, http: httpx.Client, until: float, grace: float) -> None:
    page = http.get(f"/departments/{client.slug}?role=chef").text
    while True:
        client.wake.wait(timeout=1.0)
        client.wake.clear()
        if time.monotonic() > until + grace:
            if client.newest != client.shown:
                client.failures.append(f"{client.newest - client.shown} saves without a "
                                       f"proof {grace:g} s after the end")
            return
        if client.newest == client.shown:
            if time.monotonic() > until + 1:
                return
            continue
        wanted = client.newest
        note, _ = client.saved[wanted - 1]
        response = http.post(f"/departments/{client.slug}/preview", data=form_of(page, note),
                             headers={"X-CSRF-Token": field_value(page, "csrf")})
        if response.status_code == 429:
            client.limited += 1
            time.sleep(1.0)
            client.wake.set()
            continue
        answer = response.json() if response.status_code in (200, 422) else {}
        if response.status_code != 200 or answer.get("status") != "ok":
            client.failures.append(f"proof: {response.status_code} {answer.get('status')} "
                                   f"{answer.get('problems') or answer.get('message', '')}")
            client.shown = wanted  # counted as failed, not retried
            continue
        if not any(note in text for text in answer.get("texts", [])):
            client.failures.append(f"proof of '{note}' does not show it")
        done = time.monotonic()
        client.proofs += 1
        for index in range(client.shown, wanted):
            client.latencies.append(done - client.saved[index][1])
        client.shown = wanted


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--every", type=float, default=2)
    parser.add_argument("--grace", type=float, default=300,
                        help="how long after the last save a proof may still come")
    parser.add_argument("--workers", type=int, default=None,
                        help="serve --workers: build processes (default: the server's, one "
                        "per core; 0: on the server's build thread)")
    parser.add_argument("--server-log", type=Path, metavar="FILE",
                        help="write the server's log (serve -v: every build step) to FILE")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="folder-builder-load-"))
    content = folder / "content"
    shutil.copytree(ROOT / "content", content)
    slugs = [f"afdeling-{n:02d}" for n in range(1, args.clients + 1)]
    for n, slug in enumerate(slugs, 1):
        (content / "departments" / f"{slug}.yaml").write_text(f"name: Afdeling {n:02d}\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers = [] if args.workers is None else ["--workers", str(args.workers)]
    # (its output is not read: not to a pipe, which a chatty server could fill and block on)
    log = args.server_log.open("w") if args.server_log else subprocess.DEVNULL
    verbose = ["-v"] if args.server_log else []
    server = subprocess.Popen([TOOL, *verbose, "serve", "--content", str(content), "--port",
                               str(port), *workers], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/departments", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.3)
        clients = [Client(slug) for slug in slugs]
        started = time.monotonic()
        until = started + args.seconds
        threads = []
        for client in clients:
            http = httpx.Client(base_url=base, timeout=600, headers={"Origin": base})
            http.get("/departments")  # the browser's session cookie, before both threads
            threads += [threading.Thread(target=saver, args=(client, http, until, args.every)),
                        threading.Thread(target=previewer,
                                         args=(client, http, until, args.grace))]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            time.sleep(5)
            print(f"  {time.monotonic() - started:5.0f} s: "
                  f"{sum(len(c.saved) for c in clients)} saves, "
                  f"{sum(c.proofs for c in clients)} proofs", flush=True)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.server_log:
            log.close()

    failures = [f"{c.slug}: {f}" for c in clients for f in c.failures]
    lost = []
    for client in clients:
        data = yaml.safe_load((content / "departments" / f"{client.slug}.yaml").read_text())
        last = client.saved[-1][0] if client.saved else None
        if last and (data.get("notes") or {}).get(STATEMENT) != last:
            lost.append(client.slug)
    latencies = sorted(x for c in clients for x in c.latencies)
    saves = sum(len(c.saved) for c in clients)
    proofs = sum(c.proofs for c in clients)
    print(f"serve --workers {'(default)' if args.workers is None else args.workers}")
    print(f"{args.clients} clients, a save every {args.every:g} s for {args.seconds:g} s "
          f"({elapsed:.0f} s with the last proofs), {saves} saves, "
          f"{proofs} proofs built, {sum(c.limited for c in clients)} proof requests "
          "rate-limited (retried)")
    print(f"failed requests: {len(failures)}" + "".join(f"\n  {f}" for f in failures[:20]))
    print(f"lost saves: {len(lost)} {' '.join(lost)}")
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(f"save → proof: median {statistics.median(latencies):.1f} s, p95 {p95:.1f} s, "
              f"max {latencies[-1]:.1f} s")
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if not failures and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
