"""``folder-builder serve`` as a command: where it listens, and how it stops."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from conftest import copy_content
from webserver import children, serving


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "folder_builder", *args],
                          capture_output=True, text=True, timeout=60)


def test_beyond_loopback_nothing_is_served_without_a_key(tmp_path):
    """On a non-loopback host the server prints the editor's link with its key; a
    request without the key gets 401, one with a forged key 403, the link itself
    the page. (It listens on every address; the test talks to it on 127.0.0.1.)"""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    with serving(copy_content(tmp_path), "--host", "0.0.0.0", env=env,
                 address=re.compile(r"http://[^\s:/]+:(\d+)(/\?key=\S+)")) as server:
        port, link = server.match.group(1), server.match.group(2)
        local = f"http://127.0.0.1:{port}"
        for path, status in (("/", 401), ("/departments", 401), ("/?key=forged", 403)):
            try:
                urllib.request.urlopen(local + path, timeout=30)
            except urllib.error.HTTPError as exc:
                assert exc.code == status, (path, exc.code)
            else:
                raise AssertionError(f"{path} was served without a key")
        # the key is exchanged for a cookie (HttpOnly, SameSite=Strict) and the
        # address without the key shown; a browser keeps the cookie
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(local + link, timeout=30) as response:
            assert response.status == 200
            assert "key=" not in response.url
    secret = tmp_path / "config" / "folder-builder"
    assert secret.is_dir()
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in secret.iterdir()
               if p.is_file())


def test_a_port_in_use_is_a_clear_message():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("serve", "--port", str(port))
    assert done.returncode == 2
    assert str(port) in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_help_names_its_options():
    done = run("serve", "--help")
    assert done.returncode == 0
    for option in ("--content", "--layouts", "--host", "--port", "--open", "--workers"):
        assert option in done.stdout


def test_ctrl_c_stops_the_server_cleanly_with_a_page_open(tmp_path):
    content = copy_content(tmp_path)
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    with serving(content) as server:
        assert server.url.startswith("http://127.0.0.1:")
        server.wait_for("folder@print", "ok")
        assert 'data-page="28"' in server.get("/")
        # a browser's event stream is open when Ctrl-C comes
        stream = urllib.request.urlopen(server.url + "events/folder@print", timeout=30)
        assert stream.readline().startswith(b"retry:")
        reader = threading.Thread(target=stream.read, daemon=True)
        reader.start()
        helpers = children(server.process.pid)
        code, err = server.stop()
        reader.join(timeout=10)
        assert not reader.is_alive(), "the event stream was not ended"
    assert code == 0, err
    assert "Traceback" not in err
    assert "stoppet" in err
    assert _gone(helpers), [_cmdline(p) for p in helpers if _alive(p)]
    after = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    assert after == before, "the server wrote into content/"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return " Z " not in stat.read()
    except OSError:
        return False


def test_only_requests_for_this_machine_are_answered(tmp_path):
    """A web page elsewhere cannot read the proof by pointing its own name at
    127.0.0.1 (DNS rebinding): the Host header must name this machine."""
    with serving(copy_content(tmp_path)) as server:
        request = urllib.request.Request(server.url + "static/proof.css",
                                         headers={"Host": "evil.example"})
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("answered a request for another host")
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
        assert "spread" in server.get("/static/proof.css")
        code, err = server.stop()
    assert code == 0, err


def test_open_opens_the_address_in_the_default_browser(tmp_path):
    """--open hands the address to the default browser ($BROWSER names it here)."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text("import pathlib, sys\n"
                       f"pathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    env = {"BROWSER": f"{sys.executable} {browser} %s"}
    with serving(copy_content(tmp_path), "--open", env=env) as server:
        deadline = time.monotonic() + 20
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == server.url
        code, err = server.stop()
    assert code == 0, err


def test_ctrl_c_stops_the_server_at_once_while_a_worker_builds(tmp_path):
    """With build worker processes: Ctrl-C while a download is being built stops the
    server within seconds (the build is not waited for), and neither a worker nor
    any other helper process is left behind."""
    content = copy_content(tmp_path)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with serving(content, "--workers", "2", env={"TMPDIR": str(temporary)}) as server:
        server.wait_for("folder@print", "ok")
        helpers = children(server.process.pid)
        workers = [pid for pid in helpers if b"spawn_main" in _cmdline(pid)]
        assert len(workers) == 2, [_cmdline(pid) for pid in helpers]
        answered: list[object] = []

        def download() -> None:  # the office-printer edition: a build of some seconds
            try:
                urllib.request.urlopen(server.url + "departments/eksempel-dagtilbud-nord/"
                                       "download/chef/a4", timeout=60).read()
                answered.append("built")
            except (urllib.error.URLError, OSError) as exc:
                answered.append(exc)

        requester = threading.Thread(target=download, daemon=True)
        requester.start()
        time.sleep(0.5)
        started = time.monotonic()
        code, err = server.stop()
        stopped_in = time.monotonic() - started
        requester.join(timeout=10)
    assert code == 0, err
    assert "Traceback" not in err
    assert stopped_in < 10, f"the server took {stopped_in:.1f} s to stop"
    assert not requester.is_alive() and answered
    assert _gone(helpers), [_cmdline(p) for p in helpers if _alive(p)]
    # nothing left in the temporary folder but the hyphenation cache (hyphenation.py):
    # no font folder, no worker's own folder
    assert [p.name for p in temporary.iterdir()] in ([], ["folder-builder-hyphenation"])


def test_a_killed_servers_workers_end_and_clean_up(tmp_path):
    """The server killed outright (no Ctrl-C: the system, say): its build workers see
    it gone, end, and remove their temporary folders, the font folders in them."""
    content = copy_content(tmp_path)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with serving(content, "--workers", "2", env={"TMPDIR": str(temporary)}) as server:
        server.wait_for("folder@print", "ok")
        workers = [pid for pid in children(server.process.pid)
                   if b"spawn_main" in _cmdline(pid)]
        folders = [p for p in temporary.iterdir() if p.name.startswith("folder-builder-worker-")]
        assert len(workers) == len(folders) == 2
        deadline = time.monotonic() + 60  # each warms up: its fonts in its own folder
        while not all(any(folder.glob("weasyprint-*")) for folder in folders):
            assert time.monotonic() < deadline, [list(f.iterdir()) for f in folders]
            time.sleep(0.1)
        server.process.kill()
        server.process.communicate()
        assert _gone(workers), [_cmdline(p) for p in workers if _alive(p)]
    assert not any(folder.exists() for folder in folders)


def _gone(pids: list[int], within: float = 5.0) -> bool:
    """Whether every process of ``pids`` has ended, allowing ``within`` seconds: the
    multiprocessing resource tracker ends when it sees the server's end of its pipe
    close, a moment after the server."""
    deadline = time.monotonic() + within
    while any(map(_alive, pids)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read()
    except OSError:
        return b""
