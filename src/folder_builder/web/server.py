"""``folder-builder serve``: run the proof app with uvicorn on this machine.

The server binds to the loopback address unless told otherwise and refuses any
other address: the proof has no access control yet (the department studio brings
it), so it must not be reachable from the network. Ctrl-C stops it cleanly: the
event streams are ended, the build worker processes are terminated (even in the
middle of a build), the watcher and the build thread are stopped, and no process
is left behind.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
import webbrowser
from pathlib import Path

from ..errors import InputError
from .wording import say

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before uvicorn starts, so that a port in use is a
    clear message and ``--port 0`` gives a free port whose number is printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]") if host != "localhost" else "127.0.0.1", port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise InputError(say("serve_port", port=port, reason=exc.strerror or exc)) from exc
    sock.set_inheritable(True)
    return sock


def serve(content: Path | None = None, layouts: Path | None = None, *,
          host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = False,
          workers: int | None = None) -> int:
    """Serve the proof until Ctrl-C; returns the exit code (0 after a clean stop).
    ``workers`` build processes take the studio's builds (None: one per core)."""
    import uvicorn

    from .access import Keys
    from .app import create_app
    from .workers import default_size

    public = not is_loopback(host)
    # Beyond this machine nothing is served without a key (access.py): the secret is
    # made (0600) in the user's config folder, and the editor's link printed below.
    keys = Keys(content=content) if public else None
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    if public and host in ("0.0.0.0", "::"):
        shown = socket.getfqdn()
    url = f"http://{shown}:{bound}/"
    if keys is not None:  # the editor's link, with its key
        url = keys.link(url.rstrip("/"))

    def ready() -> None:
        print(say("serve_address", url=url), flush=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    print(say("serve_starting"), file=sys.stderr, flush=True)
    loopback = ("127.0.0.1", "localhost", "::1", "[::1]", host.strip("[]"))
    app = create_app(content, layouts, on_ready=ready,
                     allowed_hosts=None if public else loopback,
                     public=public, keys=keys, base_url=f"http://{shown}:{bound}",
                     workers=default_size() if workers is None else workers)
    streams = app.state.streams
    pool = app.state.pool

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            # End the event streams first: uvicorn waits for open responses. Stop
            # the build workers too, mid-build: a request waiting for one is answered
            # at once instead of after its build.
            streams.closing.set()
            if pool is not None:
                pool.stop()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3)
    server = Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn raises the captured Ctrl-C again once stopped
        pass
    finally:
        with contextlib.suppress(OSError):
            sock.close()
    print(say("serve_stopped"), file=sys.stderr, flush=True)
    return 0
