"""Access to the studio beyond this machine: each rule attacked the way it could be."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading

import pytest

from conftest import CONTENT, copy_content
from folder_builder.cli import main
from folder_builder.errors import InputError
from folder_builder.web.access import (
    COOKIE_SETTINGS,
    EDITOR,
    AccessError,
    Grant,
    Keys,
    RateLimiter,
    is_loopback,
    origin_allowed,
)


@pytest.fixture
def keys(tmp_path):
    return Keys(tmp_path / "config" / "folder-builder")


def test_the_secret_is_made_once_readable_by_its_owner_only(tmp_path):
    folder = tmp_path / "config" / "folder-builder"
    keys = Keys(folder)
    assert stat.S_IMODE(keys.secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert len(keys.secret) >= 32
    assert Keys(folder).secret == keys.secret  # kept, not remade


def test_a_secret_others_can_read_is_refused(tmp_path):
    keys = Keys(tmp_path / "c")
    os.chmod(keys.secret_file, 0o644)
    with pytest.raises(InputError, match="chmod 600"):
        Keys(tmp_path / "c")


def test_the_secret_may_not_live_inside_the_content(tmp_path):
    content = copy_content(tmp_path)
    with pytest.raises(InputError, match="inside the content folder"):
        Keys(content / "departments" / ".keys", content=content)


def test_the_default_secret_lives_in_the_users_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert Keys().secret_file == tmp_path / "xdg" / "folder-builder" / "secret"


def test_links_open_what_they_are_for_and_nothing_else(keys):
    editor = keys.grant(keys.token())
    assert editor == Grant(EDITOR) and editor.may_open("anything")
    editor.require(None)
    nord = keys.grant(keys.token("eksempel-dagtilbud-nord"))
    assert nord.may_open("eksempel-dagtilbud-nord")
    nord.require("eksempel-dagtilbud-nord")
    assert not nord.may_open("eksempel-skoleafdelingen")
    with pytest.raises(AccessError, match="does not open this department") as raised:
        nord.require("eksempel-skoleafdelingen")
    assert raised.value.status == 403
    with pytest.raises(AccessError, match="for the editor") as raised:
        nord.require(None)  # the editor's pages, the central content
    assert raised.value.status == 403


def forge(payload: dict, signature: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    return body.decode().rstrip("=") + "." + signature


def test_forged_tampered_or_foreign_tokens_are_refused(keys, tmp_path):
    token = keys.token("eksempel-dagtilbud-nord")
    body, signature = token.rsplit(".", 1)
    attempts = [
        forge({"r": "editor", "g": 0}, signature),  # promote oneself, keep the signature
        forge({"r": "department", "d": "eksempel-skoleafdelingen", "g": 0}, signature),
        body + "." + signature[:-2] + ("AA" if not signature.endswith("AA") else "BB"),
        body,  # no signature
        Keys(tmp_path / "other").token(),  # another studio's editor token
        "x" * 40,
        "../../etc/passwd",
    ]
    for attempt in attempts:
        with pytest.raises(AccessError) as raised:
            keys.grant(attempt)
        assert raised.value.status == 403, attempt
    for missing in (None, ""):
        with pytest.raises(AccessError, match="needs a key") as raised:
            keys.grant(missing)
        assert raised.value.status == 401


def test_a_signed_token_for_a_path_is_refused_too(keys):
    """Even signed with the right secret, a department id that is not a slug is no grant."""
    from itsdangerous import URLSafeSerializer

    from folder_builder.web.access import _LINK_SALT

    bad = URLSafeSerializer(keys.secret, salt=_LINK_SALT).dumps(
        {"r": "department", "d": "../roles", "g": 0})
    with pytest.raises(AccessError):
        keys.grant(bad)
    with pytest.raises(InputError):
        keys.token("../roles")


def test_revoking_a_department_withdraws_its_links_only(keys):
    nord_old = keys.token("eksempel-dagtilbud-nord")
    skole = keys.token("eksempel-skoleafdelingen")
    editor = keys.token()
    assert keys.revoke("eksempel-dagtilbud-nord") == 1
    with pytest.raises(AccessError, match="withdrawn"):
        keys.grant(nord_old)
    assert keys.grant(keys.token("eksempel-dagtilbud-nord")).department == \
        "eksempel-dagtilbud-nord"
    keys.grant(skole)
    keys.grant(editor)
    assert stat.S_IMODE(keys.links_file.stat().st_mode) == 0o600
    keys.revoke(EDITOR)
    with pytest.raises(AccessError, match="withdrawn"):
        keys.grant(editor)
    keys.rotate()  # a new secret withdraws everything
    with pytest.raises(AccessError):
        keys.grant(skole)


def test_links_name_the_department_page(keys):
    link = keys.link("http://studio.intra:8000/", "eksempel-dagtilbud-nord")
    assert link.startswith("http://studio.intra:8000/departments/eksempel-dagtilbud-nord?key=")
    assert keys.grant(link.split("key=")[1]).department == "eksempel-dagtilbud-nord"
    assert keys.link("http://s:1").startswith("http://s:1/?key=")


def test_link_command_prints_and_renews_a_department_link(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    args = ["link", "Dagtilbud Nord (eksempel)", "--content", str(CONTENT),
            "--base-url", "http://studio:8000"]
    assert main(args) == 0
    first = capsys.readouterr().out.strip()
    assert first.startswith("http://studio:8000/departments/eksempel-dagtilbud-nord?key=")
    keys = Keys()
    assert keys.grant(first.split("key=")[1]).department == "eksempel-dagtilbud-nord"
    assert main([*args, "--revoke"]) == 0
    second = capsys.readouterr().out.strip()
    assert second != first
    with pytest.raises(AccessError, match="withdrawn"):
        keys.grant(first.split("key=")[1])
    assert main(["link", "nowhere", "--content", str(CONTENT)]) == 2
    assert "no department 'nowhere'" in capsys.readouterr().err
    assert main(["link", "--content", str(CONTENT)]) == 2
    assert main(["link", "--editor", "--content", str(CONTENT)]) == 0
    assert keys.grant(capsys.readouterr().out.strip().split("key=")[1]).is_editor


# --- CSRF, Origin, cookies ---------------------------------------------------------


def test_csrf_tokens_are_bound_to_the_session_and_expire(keys):
    token = keys.csrf_token("session-a")
    keys.check_csrf(token, "session-a")
    for bad, words in [(None, "without"), ("", "without"), ("forged", "not valid"),
                       (token[:-3] + "abc", "not valid")]:
        with pytest.raises(AccessError, match=words):
            keys.check_csrf(bad, "session-a")
    with pytest.raises(AccessError, match="another session"):
        keys.check_csrf(token, "session-b")
    with pytest.raises(AccessError, match="open too long"):
        keys.check_csrf(token, "session-a", max_age=-1)


@pytest.mark.parametrize(("origin", "referer", "allowed"), [
    ("http://studio:8000", None, True),
    ("HTTP://Studio:8000", None, True),
    ("http://evil.example", None, False),
    ("http://studio:8000.evil.example", None, False),
    ("http://studio:8001", None, False),
    ("https://studio:8000", None, False),  # another scheme is another origin
    ("null", None, False),  # a sandboxed frame or a file: page
    (None, "http://studio:8000/departments/x", True),
    (None, "http://studio:8000.evil.example/", False),
    (None, "http://evil.example/?http://studio:8000", False),
    (None, None, False),
    ("http://evil.example", "http://studio:8000/", False),  # Origin wins
])
def test_state_changing_requests_must_come_from_the_studios_origin(origin, referer, allowed):
    assert origin_allowed(origin, referer, "studio:8000") is allowed


def test_no_host_no_origin():
    assert not origin_allowed("http://studio:8000", None, None)


def test_the_key_cookie_is_http_only_and_same_site_strict():
    assert COOKIE_SETTINGS["httponly"] is True
    assert COOKIE_SETTINGS["samesite"] == "strict"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("10.0.0.5", False), ("studio.intra", False),
    ("::", False), ("localhost.evil.example", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


# --- rate limits -----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_client_cannot_starve_the_others():
    clock = Clock()
    limiter = RateLimiter(rate=0.5, burst=3, clock=clock)
    assert [limiter.allow("greedy") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("patient")  # the others still build
    with pytest.raises(AccessError, match="try again in 2 s") as raised:
        limiter.check("greedy")
    assert raised.value.status == 429
    clock.now += 2.0
    assert limiter.allow("greedy") and not limiter.allow("greedy")
    clock.now += 100
    assert [limiter.allow("greedy") for _ in range(4)] == [True, True, True, False]


def test_the_limiter_is_bounded_and_thread_safe():
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=10, max_clients=50, clock=clock)
    for n in range(500):
        limiter.allow(f"client-{n}")
    assert len(limiter._buckets) == 50
    allowed = []

    def hammer() -> None:
        allowed.extend(limiter.allow("shared") for _ in range(100))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10  # the burst, exactly, with the clock standing still
