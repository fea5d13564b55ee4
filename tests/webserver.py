"""Run ``folder-builder serve`` as a user does, in its own process, for the tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ADDRESS = re.compile(r"http://127\.0\.0\.1:(\d+)/")


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    #: the printed address, as matched
    match: re.Match | None = None

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=30) as response:
            return response.read().decode()

    def wait_for(self, key: str, wanted: str, after: int = 0, timeout: float = 120) -> str:
        """The proof fragment of ``key`` once its build is ``wanted`` with an id > after."""
        deadline = time.monotonic() + timeout
        while True:
            html = self.get(f"/proof/{key}")
            found = re.search(r'data-build="(\w+)" data-build-id="(\d+)"', html)
            if found and found.group(1) == wanted and int(found.group(2)) > after:
                return html
            assert time.monotonic() < deadline, html[:1500]
            time.sleep(0.1)

    def stop(self, timeout: float = 20) -> tuple[int, str]:
        """Ctrl-C, as a user stops it; the exit code and what it printed on stderr."""
        self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
            raise AssertionError(f"the server did not stop within {timeout} s: {err}") \
                from None
        return self.process.returncode, err


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


@contextlib.contextmanager
def serving(content: Path, *extra: str, env: dict[str, str] | None = None,
            address: re.Pattern = ADDRESS) -> Iterator[Server]:
    """``folder-builder serve --content CONTENT --port 0`` until the block ends."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "folder_builder", "serve", "--content", str(content),
         "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        # beside the content, not in the checkout: the proof looks for printed
        # editions' manifests in ./build, which a developer's own builds fill
        cwd=content.parent)
    try:
        line = process.stdout.readline()
        found = address.search(line)
        assert found, f"no address printed: {line!r} {process.stderr.read()}"
        yield Server(process, found.group(0), found)
    finally:
        if process.poll() is None:
            # Ctrl-C, as a user stops it: a killed server could not remove its own
            # temporary files (WeasyPrint's font folder)
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
