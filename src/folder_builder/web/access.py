"""Who may do what in the studio, when it is served beyond this machine.

On 127.0.0.1 the person at the machine is the editor. With a non-loopback
``--host`` nothing is served without a key, the way Jupyter and Datasette do it:

- **The secret** lives in a per-user config file
  (``$XDG_CONFIG_HOME/folder-builder/secret``, else ``~/.config/…``), created
  with mode 0600 and refused if others can read it or if it lies inside the
  content folder (content is shared; the key to it must not be).
- **Links** carry a token signed with that secret (itsdangerous): the editor's
  token opens everything; a department's token opens that one department's
  editor, file, logo and leaflets, nothing else. Tokens do not expire (they are
  sent by e-mail); they are **revoked** by raising the generation number of the
  editor or of one department in ``links.json`` beside the secret, which makes
  every older link of that scope invalid. Rotating the secret revokes all.
- **CSRF**: every form carries a token signed for the holder's session
  (``csrf_token``/``check_csrf``), and every state-changing request must come
  from the studio's own origin (``origin_allowed``).
- **Rate limits**: ``RateLimiter`` is a token bucket per client, so one person
  cannot starve the others of builds.

Every refusal is an ``AccessError`` carrying the HTTP status to answer with.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import math
import os
import secrets
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from ..content import ID_PATTERN
from ..errors import FolderBuilderError, InputError
from .i18n import N_, Message

EDITOR = "editor"
DEPARTMENT = "department"
#: The cookie a link's key is exchanged for (HttpOnly, SameSite=Strict).
COOKIE = "folder_builder_key"
#: A form's CSRF token is good for this long (a working day and some).
CSRF_MAX_AGE = 12 * 3600
_LINK_SALT = "folder-builder/link"
_CSRF_SALT = "folder-builder/csrf"
_INVALID = N_("this link is not valid; ask the editor for a new one")


class AccessError(FolderBuilderError):
    """A request is refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: Message, status: int = 403) -> None:
        super().__init__(str(message))
        self.say = message  # shown translated: say(language, error.say)
        self.status = status


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def config_dir() -> Path:
    """The per-user folder of folder-builder's settings (XDG)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "folder-builder"


@dataclass(frozen=True)
class Grant:
    """What a request may do: everything (the editor) or one department."""

    role: str  # EDITOR or DEPARTMENT
    department: str | None = None

    @property
    def is_editor(self) -> bool:
        return self.role == EDITOR

    def may_open(self, department: str) -> bool:
        """May this holder read, change and build the department ``department``?"""
        return self.is_editor or self.department == department

    def require(self, department: str | None = None) -> None:
        """403 unless the holder may open ``department`` (None: editor-only pages)."""
        if department is None and not self.is_editor:
            raise AccessError(N_("this page is for the editor; your link opens your "
                                 "department's page only"))
        if department is not None and not self.may_open(department):
            raise AccessError(N_("your link does not open this department"))


#: The person at the machine, on a loopback address.
LOCAL_EDITOR = Grant(EDITOR)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Keys:
    """The secret and the link generations of one user's studio."""

    def __init__(self, folder: Path | None = None, *, content: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else config_dir()
        self.secret_file = self.folder / "secret"
        self.links_file = self.folder / "links.json"
        if content is not None and self.folder.resolve().is_relative_to(
                Path(content).resolve()):
            raise InputError(f"{self.folder}: the studio's secret may not be kept inside the "
                             f"content folder ({content}), which others read")
        self._lock = threading.Lock()
        self.secret = self._secret()

    def _secret(self) -> bytes:
        path = self.secret_file
        if not path.exists():
            _write_private(path, secrets.token_urlsafe(32).encode())
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InputError(f"{path}: others can read the studio's secret (mode "
                             f"{stat.S_IMODE(mode):o}); run: chmod 600 {path}")
        secret = path.read_bytes().strip()
        if len(secret) < 32:
            raise InputError(f"{path}: the studio's secret is too short; delete the file "
                             "and a new one is made (every link then changes)")
        return secret

    def rotate(self) -> None:
        """A new secret: every link given so far stops working."""
        with self._lock:
            _write_private(self.secret_file, secrets.token_urlsafe(32).encode())
            self.secret = self._secret()

    # -- generations (revocation) ----------------------------------------------------

    def _generations(self) -> dict[str, int]:
        try:
            data = json.loads(self.links_file.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise InputError(f"{self.links_file}: cannot be read ({exc}); delete it to "
                             "make every link valid again") from exc
        return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def generation(self, scope: str) -> int:
        return self._generations().get(scope, 0)

    def revoke(self, scope: str) -> int:
        """Invalidate every link of ``scope`` (EDITOR or a department id) given so far;
        returns the new generation."""
        with self._lock:
            generations = self._generations()
            generations[scope] = generations.get(scope, 0) + 1
            _write_private(self.links_file,
                           json.dumps(generations, indent=1, sort_keys=True).encode())
            return generations[scope]

    # -- tokens ---------------------------------------------------------------------

    def _links(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=_LINK_SALT)

    def token(self, department: str | None = None) -> str:
        """The token of the editor (``department`` None) or of one department."""
        if department is None:
            return self._links().dumps({"r": EDITOR, "g": self.generation(EDITOR)})
        _check_slug(department)
        return self._links().dumps({"r": DEPARTMENT, "d": department,
                                    "g": self.generation(department)})

    def grant(self, token: str | None) -> Grant:
        """The grant a token gives; 403 for a missing, forged or revoked one."""
        if not token:
            raise AccessError(N_("this studio needs a key: open it with the link you were "
                                 "given"), status=401)
        try:
            data = self._links().loads(token)
        except BadSignature:
            raise AccessError(_INVALID) from None
        if not isinstance(data, dict):
            raise AccessError(_INVALID)
        role, generation = data.get("r"), data.get("g")
        if role == EDITOR:
            scope, grant = EDITOR, Grant(EDITOR)
        elif role == DEPARTMENT and isinstance(data.get("d"), str) and \
                ID_PATTERN.fullmatch(data["d"]):
            scope, grant = data["d"], Grant(DEPARTMENT, data["d"])
        else:
            raise AccessError(_INVALID)
        if generation != self.generation(scope):
            raise AccessError(N_("this link has been withdrawn; ask the editor for a new one"))
        return grant

    def link(self, base_url: str, department: str | None = None) -> str:
        """The link to give: the editor's start page, or the department's editor."""
        base = base_url.rstrip("/")
        path = "/" if department is None else f"/departments/{quote(department)}"
        return f"{base}{path}?key={self.token(department)}"

    # -- CSRF -----------------------------------------------------------------------

    def csrf_token(self, binding: str) -> str:
        """A form's CSRF token, bound to the holder's session (``binding``: the
        key cookie, or a per-server value on loopback)."""
        return URLSafeTimedSerializer(self.secret, salt=_CSRF_SALT).dumps(
            _digest(binding))

    def check_csrf(self, token: str | None, binding: str, *,
                   max_age: int = CSRF_MAX_AGE) -> None:
        """403 unless ``token`` was made by ``csrf_token(binding)`` within ``max_age``."""
        if not token:
            raise AccessError(N_("the form was sent without its security token; reload the "
                                 "page and try again"))
        try:
            value = URLSafeTimedSerializer(self.secret, salt=_CSRF_SALT).loads(
                token, max_age=max_age)
        except SignatureExpired:
            raise AccessError(N_("the page was open too long; reload it and try again")
                              ) from None
        except BadSignature:
            raise AccessError(N_("the form's security token is not valid; reload the page "
                                 "and try again")) from None
        if not isinstance(value, str) or not hmac.compare_digest(value, _digest(binding)):
            raise AccessError(N_("the form's security token belongs to another session; "
                                 "reload the page and try again"))


def _digest(binding: str) -> str:
    import hashlib

    return hashlib.sha256(binding.encode()).hexdigest()


def _check_slug(department: str) -> None:
    if not ID_PATTERN.fullmatch(department):
        raise InputError(f"'{department}' is not a department id (lower-case letters, "
                         "digits and hyphens only)")


COOKIE_SETTINGS = {"httponly": True, "samesite": "strict", "path": "/"}
"""How the key cookie is set: not readable by scripts, never sent by another
site's page (``secure`` is added when the studio is served over HTTPS)."""


def origin_allowed(origin: str | None, referer: str | None, host: str | None,
                   scheme: str = "http") -> bool:
    """Whether a state-changing request comes from the studio's own pages.

    The ``Origin`` header must be ``scheme://host`` (the Host the request was sent
    to); without one, the ``Referer`` must start there. A request with neither is
    refused: every browser that could be tricked into sending one sends Origin on
    a POST."""
    if not host:
        return False
    expected = f"{scheme}://{host}".casefold()
    if origin:
        return origin.strip().casefold() == expected
    if referer:
        parts = urlsplit(referer.strip())
        return f"{parts.scheme}://{parts.netloc}".casefold() == expected
    return False


class RateLimiter:
    """A token bucket per client: ``burst`` builds at once, then one every
    ``1 / rate`` seconds. Bounded: the oldest idle clients are forgotten."""

    def __init__(self, rate: float = 1.0, burst: int = 5, *, max_clients: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.max_clients, self.clock = rate, burst, max_clients, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one build for ``client``; False when it must wait."""
        return self.retry_after(client) == 0.0

    def retry_after(self, client: str) -> float:
        """0.0 and one token taken, or the seconds until the next token."""
        with self._lock:
            now = self.clock()
            tokens, when = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, now)  # most recent last
            while len(self._buckets) > self.max_clients:
                del self._buckets[next(iter(self._buckets))]
            return wait

    def check(self, client: str) -> None:
        """429 when ``client`` must wait."""
        wait = self.retry_after(client)
        if wait:
            raise AccessError(N_("too many builds at once; try again in {seconds} s",
                                 seconds=math.ceil(wait)), status=429)


class LocalKeys(Keys):
    """The keys of a studio served on a loopback address: no links are given, so
    nothing is written; a secret made at start signs the forms' CSRF tokens (a
    web page in the same browser could otherwise post to 127.0.0.1)."""

    def __init__(self) -> None:
        self.folder = Path()
        self.secret_file = self.links_file = Path()
        self._lock = threading.Lock()
        self._memory: dict[str, int] = {}
        self.secret = secrets.token_urlsafe(32).encode()

    def _generations(self) -> dict[str, int]:
        return dict(self._memory)

    def revoke(self, scope: str) -> int:
        with self._lock:
            self._memory[scope] = self._memory.get(scope, 0) + 1
            return self._memory[scope]

    def rotate(self) -> None:
        self.secret = secrets.token_urlsafe(32).encode()
