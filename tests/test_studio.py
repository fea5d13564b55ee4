"""The department studio over HTTP (Starlette's test client): the editor, saving,
conflicts, history, uploads, previews, downloads, and every access and hardening
rule tried the way it would be broken."""

from __future__ import annotations

import io
import re
import threading
import warnings
from html import unescape
from pathlib import Path

import pikepdf
import pytest
import yaml
from PIL import Image

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from conftest import FIXTURES, copy_content, page_texts
from folder_builder.content import load_content, load_department
from folder_builder.department_file import list_history
from folder_builder.impose import MM
from folder_builder.web.access import Keys, RateLimiter
from folder_builder.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ORIGIN = {"Origin": "http://testserver"}
NORD = "eksempel-dagtilbud-nord"
SKOLE = "eksempel-skoleafdelingen"


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no field {name}"
    return found.group(1)


def post_preview(client: TestClient, data: dict, slug: str = NORD):
    """The editor's live preview of ``data``, posted as the page posts it (its Origin
    and its CSRF token in a header)."""
    return client.post(f"/departments/{slug}/preview", data=data,
                       headers={**ORIGIN, "X-CSRF-Token": data["csrf"]})


def editor_form(client: TestClient, slug: str = NORD, role: str = "chef") -> dict[str, str]:
    """What the editor's form would post, as loaded."""
    html = client.get(f"/departments/{slug}?role={role}").text
    data = {"csrf": field(html, "csrf"), "token": field(html, "token"), "role": role,
            "logo_path": field(html, "logo_path")}
    data["name"] = field(html, "name")
    data["contact"] = field(html, "contact")
    data["introduction"] = re.search(r'<textarea id="introduction"[^>]*>(.*?)</textarea>',
                                     html, re.S).group(1)
    for key, value in re.findall(r'<textarea id="note-[^"]+" name="(note:[^"]+)"[^>]*>(.*?)'
                                 r"</textarea>", html, re.S):
        data[key] = value
    for key, value in re.findall(r'<input type="hidden" name="(note:[^"]+)" value="([^"]*)"',
                                 html):
        data[key] = value
    data["question"] = re.findall(r'<input name="question" value="([^"]*)"', html)
    import html as html_module

    return {k: ([html_module.unescape(x) for x in v] if isinstance(v, list)
                else html_module.unescape(v)) for k, v in data.items()}


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return copy_content(tmp_path_factory.mktemp("studio"))


@pytest.fixture(scope="module")
def client(content: Path):
    app = create_app(content, watch=False)
    with TestClient(app) as client:
        yield client


# --- the list and new departments -----------------------------------------------------


def test_the_list_shows_every_department_and_speaks_danish(client):
    response = client.get("/departments")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="da">' in html and "Afdelinger" in html and "Ny afdeling" in html
    assert f'data-department="{NORD}"' in html and "Dagtilbud Nord (eksempel)" in html
    assert f'data-department="{SKOLE}"' in html


def test_a_new_department_is_made_from_a_name(client, content):
    csrf = field(client.get("/departments").text, "csrf")
    response = client.post("/departments", data={"csrf": csrf, "name": "Testafdeling Øst"},
                           headers=ORIGIN, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/departments/testafdeling-oest"
    path = content / "departments" / "testafdeling-oest.yaml"
    assert load_department(path, load_content(content)).name == "Testafdeling Øst"
    again = client.post("/departments", data={"csrf": csrf, "name": "testafdeling øst"},
                        headers=ORIGIN)
    assert again.status_code == 422
    assert "der findes allerede en afdeling med filnavnet 'testafdeling-oest'" in unescape(
        again.text)
    empty = client.post("/departments", data={"csrf": csrf, "name": "!!!"}, headers=ORIGIN)
    assert empty.status_code == 422 and "navnet skal indeholde bogstaver eller tal" in empty.text
    evil = client.post("/departments", data={"csrf": csrf, "name": "../../roles"},
                       headers=ORIGIN, follow_redirects=False)
    assert evil.headers["location"] == "/departments/roles"  # a slug, inside departments/
    assert (content / "departments" / "roles.yaml").is_file()
    assert (content / "roles.yaml").read_text("utf-8").startswith(("#", "roles:"))


# --- the editor and saving ------------------------------------------------------------------


def test_the_editor_lists_the_roles_statements_in_reading_order_with_a_box_each(client,
                                                                                  content):
    html = client.get(f"/departments/{NORD}?role=chef").text
    loaded = load_content(content)
    chef = [s.id for p in loaded.perspectives for s in loaded.statements_for("chef", p)]
    shared = [s.id for p in loaded.perspectives for s in loaded.statements_for("faelles", p)]
    boxes = re.findall(r'data-note="([^"]+)"', html)
    statement_boxes = [b for b in boxes if "-" in b and b not in {r.id for r in loaded.roles}]
    assert statement_boxes == shared + chef
    # the role's note first, a perspective's note before its statements
    assert boxes[0] == "faelles" and boxes[1] == loaded.perspectives[0].id
    assert boxes.index("chef") < boxes.index(chef[0])
    # notes the form does not show (other roles') travel along, hidden
    assert 'type="hidden" name="note:medarbejder-compliance-1"' in html
    assert "Udskriv på begge sider".lower() in html.lower()  # the office-printer line


def test_saving_writes_a_file_a_person_can_read(client, content):
    data = editor_form(client)
    statement = "chef-compliance-1"
    data[f"note:{statement}"] = "Hos os: budgettet først."
    data["question"] = [*data["question"], "Hvad gør vi anderledes i morgen?"]
    response = client.post(f"/departments/{NORD}", data=data, headers=ORIGIN,
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"] == f"/departments/{NORD}?saved=1&role=chef"
    path = content / "departments" / f"{NORD}.yaml"
    text = path.read_text("utf-8")
    assert "# Valgfrit: spørgsmål til refleksion på personalemødet." in text
    department = load_department(path, load_content(content))
    assert department.notes[statement] == "Hos os: budgettet først."
    assert department.notes["medarbejder-compliance-1"]  # a hidden note kept
    assert department.questions[-1] == "Hvad gør vi anderledes i morgen?"
    assert 'data-saved' in client.get(response.headers["location"]).text
    assert list_history(path)[0].kind == "previous"


@pytest.mark.parametrize(("change", "error_field", "words"), [
    ({"note:chef-complaince-1": "x"}, "notes.chef-complaince-1",
     "mente du 'chef-compliance-1'"),
    ({"name": "   "}, "name", "afdelingen skal have et navn"),
    ({"question": ["Hej \u202e skjult"]}, "questions[1]", "U+202E"),
    ({"question": [f"Spørgsmål {n}?" for n in range(13)]}, "questions",
     "højst 12 spørgsmål"),
    ({"contact": "Ring ☎ os"}, "contact", "findes ikke i folderens skrifter"),
])
def test_a_bad_form_is_answered_next_to_its_field_and_writes_nothing(client, content, change,
                                                                     error_field, words):
    path = content / "departments" / f"{NORD}.yaml"
    before = path.read_bytes()
    history = len(list_history(path))
    data = {**editor_form(client), **change}
    response = client.post(f"/departments/{NORD}", data=data, headers=ORIGIN)
    assert response.status_code == 422
    found = re.search(rf'data-error="{re.escape(error_field)}"[^>]*>(.*?)</p>', response.text,
                      re.S)
    assert found and words in unescape(found.group(1)), response.text[:3000]
    assert path.read_bytes() == before and len(list_history(path)) == history
    # what was typed is still in the form
    if "name" in change and change["name"].strip():
        assert change["name"] in response.text


def test_a_save_over_a_changed_file_is_refused_and_both_are_kept(client, content):
    path = content / "departments" / f"{NORD}.yaml"
    data = editor_form(client)
    by_hand = path.read_text("utf-8").replace("Hos os er medarbejderen",
                                              "Hos os er medarbejderen, rettet i hånden,")
    path.write_text(by_hand, "utf-8")
    data["contact"] = "Min kontaktlinje"
    response = client.post(f"/departments/{NORD}", data=data, headers=ORIGIN)
    assert response.status_code == 409
    assert "er blevet ændret, siden du åbnede den" in response.text
    assert "rettet i hånden" in response.text and "Min kontaktlinje" in response.text
    assert path.read_text("utf-8") == by_hand
    refused = list_history(path)[0]
    assert refused.kind == "refused" and "Min kontaktlinje" in refused.path.read_text("utf-8")
    # the person chooses their own version
    token = field(response.text, "token")
    entry = field(response.text, "entry")
    chosen = client.post(f"/departments/{NORD}/restore",
                         data={"csrf": data["csrf"], "token": token, "entry": entry},
                         headers=ORIGIN, follow_redirects=False)
    assert chosen.status_code == 303
    assert "Min kontaktlinje" in path.read_text("utf-8")
    assert any("rettet i hånden" in e.path.read_text("utf-8") for e in list_history(path))


def test_two_saves_of_the_same_version_one_wins_one_is_kept(client, content):
    path = content / "departments" / f"{SKOLE}.yaml"
    data = editor_form(client, SKOLE)
    answers: list[int] = []

    def save(contact: str) -> None:
        answers.append(client.post(f"/departments/{SKOLE}", data={**data, "contact": contact},
                                   headers=ORIGIN, follow_redirects=False).status_code)

    threads = [threading.Thread(target=save, args=(f"Kontakt {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [303, 409]
    kinds = sorted(e.kind for e in list_history(path))
    assert kinds == ["previous", "refused"]
    contacts = {yaml.safe_load(path.read_text("utf-8"))["contact"]} | {
        yaml.safe_load(e.path.read_text("utf-8"))["contact"] for e in list_history(path)
        if e.kind == "refused"}
    assert contacts == {"Kontakt 0", "Kontakt 1"}  # no lost update


def test_the_history_lists_shows_and_restores_versions(client, content):
    html = client.get(f"/departments/{NORD}/history").text
    entries = re.findall(r'data-entry="([^"]+)"', html)
    assert entries and "Tidligere udgaver" in html
    shown = client.get(f"/departments/{NORD}/history/{entries[-1]}")
    assert shown.status_code == 200 and shown.text.startswith("# EKSEMPEL")
    assert client.get(f"/departments/{NORD}/history/..%2F..%2Froles.yaml").status_code == 404
    before = (content / "departments" / f"{NORD}.yaml").read_text("utf-8")
    restored = client.post(f"/departments/{NORD}/restore", data={
        "csrf": field(html, "csrf"), "token": field(html, "token"), "entry": entries[-1]},
        headers=ORIGIN, follow_redirects=False)
    assert restored.status_code == 303
    assert (content / "departments" / f"{NORD}.yaml").read_text("utf-8").startswith(
        "# EKSEMPEL")
    assert list_history(content / "departments" / f"{NORD}.yaml")[0].path.read_text(
        "utf-8") == before


# --- uploads ---------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 20, 60)).save(out, "PNG")
    return out.getvalue()


def upload(client, data: bytes, name: str, slug: str = SKOLE, mime: str = "image/png"):
    form = editor_form(client, slug)
    return client.post(f"/departments/{slug}/logo",
                       data={"csrf": form["csrf"], "token": form["token"]},
                       files={"logo": (name, data, mime)}, headers=ORIGIN,
                       follow_redirects=False)


def test_a_small_logo_is_stored_and_warned_about_at_its_printed_size(client, content):
    response = upload(client, png(120, 40), "logo.png")
    assert response.status_code == 303, response.text[:2000]
    department = load_department(content / "departments" / f"{SKOLE}.yaml",
                                 load_content(content))
    assert department.logo.name.startswith(f"{SKOLE}-") and department.logo.suffix == ".png"
    html = client.get(f"/departments/{SKOLE}").text
    warning = re.search(r"data-ppi-warning>(.*?)</p>", html, re.S)
    assert warning and "96 ppi" in warning.group(1) and "under 300 ppi" in warning.group(1)
    logo = client.get(f"/departments/{SKOLE}/logo")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(logo.content)).size == (120, 40)


@pytest.mark.parametrize(("data", "name", "words"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
     "indeholder et <script>-element"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg",
     "hændelsesattribut"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://evil.example/x.png"/>'
     b"</svg>", "logo.svg", "henviser til"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>', "logo.svg",
     "DTD eller entiteter"),
    (b"GIF89a" + b"\0" * 40, "logo.png", "denne fil er GIF"),
    (b"%PDF-1.7 ...", "logo.jpg", "denne fil er PDF"),
])
def test_a_dangerous_upload_is_refused_and_nothing_is_stored(client, content, data, name,
                                                             words):
    logos = sorted((content / "departments" / "logos").iterdir())
    before = (content / "departments" / f"{SKOLE}.yaml").read_bytes()
    response = upload(client, data, name)
    assert response.status_code == 422
    found = re.search(r'data-error="logo"[^>]*>(.*?)</p>', response.text, re.S)
    assert found and words in unescape(found.group(1))
    assert sorted((content / "departments" / "logos").iterdir()) == logos
    assert (content / "departments" / f"{SKOLE}.yaml").read_bytes() == before


def test_an_upload_over_five_megabytes_is_refused(client, content):
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024 + 10)
    response = upload(client, big, "big.png")
    assert response.status_code == 422 and "højst fylde 5 MB" in response.text


def test_the_logo_route_serves_an_svg_sandboxed(client, content):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 4"><rect width="10" ' \
          b'height="4" fill="#0b5cad"/></svg>'
    assert upload(client, svg, "logo.svg", slug=NORD, mime="image/svg+xml").status_code == 303
    response = client.get(f"/departments/{NORD}/logo")
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in response.headers["content-security-policy"]


# --- the live proof and downloads --------------------------------------------------------


def test_the_proof_follows_the_unsaved_form(client, content):
    path = content / "departments" / f"{SKOLE}.yaml"
    before = path.read_bytes()
    data = editor_form(client, SKOLE, role="leder-af-medarbejder")
    data["note:leder-af-medarbejder-compliance-1"] = "Kladdenote om vagtplanen"
    response = post_preview(client, data, SKOLE)
    assert response.status_code == 200, response.text[:2000]
    answer = response.json()
    assert answer["status"] == "ok" and answer["pages"] == 8
    pages = [src for pair in answer["spreads"] for src in pair if src]
    assert len(pages) == 8
    image = client.get(pages[3] + "?w=480")
    assert image.status_code == 200
    assert Image.open(io.BytesIO(image.content)).width == 480
    assert path.read_bytes() == before  # a proof is not a save
    data["note:nonsense-id"] = "x"
    bad = client.post(f"/departments/{SKOLE}/preview", data=data, headers=ORIGIN)
    assert bad.status_code == 422 and "notes.nonsense-id" in bad.json()["problems"]


def test_builds_per_client_are_rate_limited(client):
    studio = client.app.state.studio
    saved, studio.limiter = studio.limiter, RateLimiter(rate=0.001, burst=1)
    try:
        data = editor_form(client, SKOLE)
        data["note:nonsense-id"] = "x"  # fails fast: the limit is what is tested
        first = client.post(f"/departments/{SKOLE}/preview", data=data, headers=ORIGIN)
        second = client.post(f"/departments/{SKOLE}/preview", data=data, headers=ORIGIN)
        assert first.status_code == 422 and second.status_code == 429
        assert second.json()["status"] == "limited"
        other = TestClient(client.app)  # another browser is not held up
        other_data = editor_form(other, SKOLE)
        other_data["note:nonsense-id"] = "x"
        assert other.post(f"/departments/{SKOLE}/preview", data=other_data,
                          headers=ORIGIN).status_code == 422
    finally:
        studio.limiter = saved


def test_downloads_carry_the_departments_words_next_to_the_statements(client, content,
                                                                     tmp_path):
    data = editor_form(client, NORD, role="chef")
    data["note:chef-performance-1"] = "Vores egen note til første udsagn om resultater"
    assert client.post(f"/departments/{NORD}", data=data, headers=ORIGIN,
                       follow_redirects=False).status_code == 303
    pdfs = {}
    for kind in ("print", "screen", "a4"):
        response = client.get(f"/departments/{NORD}/download/chef/{kind}")
        assert response.status_code == 200, response.text[:2000]
        assert response.headers["content-type"] == "application/pdf"
        name = "a4" if kind == "a4" else kind
        assert f'filename="chef--{NORD}-{name}.pdf"' in response.headers["content-disposition"]
        pdfs[kind] = tmp_path / f"{kind}.pdf"
        pdfs[kind].write_bytes(response.content)
    loaded = load_content(content)
    statement = next(s for s in loaded.statements if s.id == "chef-performance-1")
    for kind in ("print", "screen"):
        text = " ".join(page_texts(pdfs[kind]))
        at = text.index(statement.text[:40])
        assert "Vores egen note til første udsagn om resultater" in text[at:at + 600]
    with pikepdf.open(pdfs["a4"]) as sheets, pikepdf.open(pdfs["screen"]) as screen:
        assert len(sheets.pages) * 2 == len(screen.pages)
        width, height = (float(v) for v in sheets.pages[0].mediabox[2:])
        assert (round(width / MM), round(height / MM)) == (297, 210)
    assert client.get(f"/departments/{NORD}/download/faelles/print").status_code == 404
    assert client.get(f"/departments/{NORD}/download/chef/docx").status_code == 404


# --- hardening on loopback ------------------------------------------------------------------


def test_every_form_needs_its_csrf_token(client, content):
    path = content / "departments" / f"{NORD}.yaml"
    before = path.read_bytes()
    data = editor_form(client)
    for bad in ({**data, "csrf": ""}, {**data, "csrf": "forged.token"},
                {k: v for k, v in data.items() if k != "csrf"}):
        response = client.post(f"/departments/{NORD}", data=bad, headers=ORIGIN)
        assert response.status_code == 403, response.text[:500]
    other = TestClient(client.app)  # a token from another browser's session
    other.get("/departments")
    response = other.post(f"/departments/{NORD}", data=data, headers=ORIGIN)
    assert response.status_code == 403 and "en anden session" in response.text
    assert path.read_bytes() == before


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Referer": "http://evil.example/page"},
    {},
])
def test_state_changing_requests_from_elsewhere_are_refused(client, content, headers):
    path = content / "departments" / f"{NORD}.yaml"
    before = path.read_bytes()
    data = editor_form(client)
    for url in (f"/departments/{NORD}", "/departments", f"/departments/{NORD}/preview",
                f"/departments/{NORD}/restore"):
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 403, url
    assert path.read_bytes() == before


def test_cookies_are_http_only_and_same_site_strict(content):
    with TestClient(create_app(content, watch=False)) as fresh:
        response = fresh.get("/departments")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_security_headers(client):
    headers = client.get("/departments").headers
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("slug", ["..%2F..%2Froles", "Eksempel-Dagtilbud-Nord",
                                  "eksempel-dagtilbud-nord.yaml", "%2e%2e", "x" * 80,
                                  "ikke-en-afdeling"])
def test_no_address_leads_out_of_the_departments_folder(client, slug):
    assert client.get(f"/departments/{slug}").status_code == 404
    assert client.get(f"/departments/{slug}/history").status_code == 404


def test_a_host_that_is_not_this_machine_is_refused_on_loopback(content):
    # serve passes this machine's names (server.py): a page elsewhere cannot reach the
    # studio by DNS rebinding
    with TestClient(create_app(content, watch=False, allowed_hosts=("127.0.0.1",)),
                    base_url="http://127.0.0.1:8000") as local:
        assert local.get("/departments").status_code == 200
        rebound = local.get("/departments", headers={"Host": "evil.example:8000"})
        assert rebound.status_code == 400


# --- access beyond this machine ------------------------------------------------------------


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Keys:
    return Keys(tmp_path_factory.mktemp("config") / "folder-builder")


@pytest.fixture(scope="module")
def public_app(content, keys):
    app = create_app(content, watch=False, public=True, keys=keys,
                     base_url="http://studio.intra:8000")
    with TestClient(app, base_url="http://studio.intra:8000"):
        yield app


def visitor(app, key: str | None = None) -> TestClient:
    """A browser that opened the studio with ``key`` (exchanged for the cookie)."""
    browser = TestClient(app, base_url="http://studio.intra:8000")
    if key is not None:
        response = browser.get(f"/departments?key={key}", follow_redirects=False)
        assert response.status_code == 303
        assert "key=" not in response.headers["location"]
        cookie = next(c for c in response.headers.get_list("set-cookie")
                      if c.startswith("folder_builder_key="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    return browser


def test_nothing_is_served_without_a_key(public_app):
    stranger = visitor(public_app)
    for url in ("/", "/departments", f"/departments/{NORD}", "/leaflet/chef",
                f"/departments/{NORD}/download/chef/print", "/download/print/folder@print"):
        assert stranger.get(url).status_code == 401, url
    forged = stranger.get("/departments?key=eyJyIjoiZWRpdG9yIiwiZyI6MH0.forged",
                          follow_redirects=False)
    assert forged.status_code == 403


def test_the_editors_link_opens_everything(public_app, keys):
    editor = visitor(public_app, keys.token())
    assert editor.get("/departments").status_code == 200
    assert editor.get(f"/departments/{NORD}").status_code == 200
    assert editor.get(f"/departments/{SKOLE}").status_code == 200
    link_page = editor.post(f"/departments/{SKOLE}/link",
                            data={"csrf": field(editor.get("/departments").text, "csrf")},
                            headers={"Origin": "http://studio.intra:8000"})
    link = re.search(r'data-link[^>]*value="([^"]+)"|value="([^"]+)"[^>]*data-link',
                     link_page.text)
    url = next(g for g in link.groups() if g)
    assert url.startswith(f"http://studio.intra:8000/departments/{SKOLE}?key=")
    assert keys.grant(url.split("key=")[1]).department == SKOLE


def test_a_department_link_opens_its_own_department_and_nothing_else(public_app, keys):
    own = visitor(public_app, keys.token(SKOLE))
    assert own.get(f"/departments/{SKOLE}").status_code == 200
    assert own.get(f"/departments/{SKOLE}/history").status_code == 200
    for url in (f"/departments/{NORD}", f"/departments/{NORD}/history",
                f"/departments/{NORD}/logo", f"/departments/{NORD}/download/chef/print",
                "/departments", "/", "/leaflet/chef", f"/leaflet/chef/{NORD}",
                "/download/print/folder@print", f"/report/leaflet/chef/{NORD}@print",
                "/proof/folder@print"):
        response = own.get(url)
        assert response.status_code == 403, url
    html = own.get(f"/departments/{SKOLE}").text
    assert "Alle afdelinger" not in html  # the editor's menu is not offered
    # nor can it write to another department, with its own valid CSRF token
    data = {"csrf": field(html, "csrf"), "token": "x", "name": "Overtaget"}
    hijack = own.post(f"/departments/{NORD}", data=data,
                      headers={"Origin": "http://studio.intra:8000"})
    assert hijack.status_code == 403


def test_a_withdrawn_link_stops_working(public_app, keys):
    token = keys.token(NORD)
    browser = visitor(public_app, token)
    assert browser.get(f"/departments/{NORD}").status_code == 200
    keys.revoke(NORD)
    assert browser.get(f"/departments/{NORD}").status_code == 403
    assert visitor(public_app).get(f"/departments/{NORD}?key={token}",
                                   follow_redirects=False).status_code == 403


def test_the_key_exchange_cannot_redirect_elsewhere(public_app, keys):
    browser = visitor(public_app)
    response = browser.get(f"//evil.example/?key={keys.token()}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/") and \
        not response.headers["location"].startswith("//")


# --- the language of the content ------------------------------------------------------------


def test_the_english_fixture_gets_an_english_studio(tmp_path):
    english = copy_content(tmp_path, FIXTURES / "english")
    with TestClient(create_app(english, watch=False)) as browser:
        html = browser.get("/departments").text
        assert '<html lang="en">' in html and "New department" in html
        csrf = field(html, "csrf")
        made = browser.post("/departments", data={"csrf": csrf, "name": "Test Team"},
                            headers=ORIGIN, follow_redirects=False)
        assert made.headers["location"] == "/departments/test-team"
        editor = browser.get("/departments/test-team").text
        assert "Your notes beside the statements" in editor
        assert "print both sides, flip on short edge, fold, staple" in editor


@pytest.mark.parametrize("logo", ["logos/eksempel-dagtilbud-nord.svg",
                                  "logos/eksempel-skoleafdelingen-0123456789.png",
                                  "statements/chef.yaml", "../layouts/colour/x.png"])
def test_a_form_cannot_take_another_departments_logo_or_any_other_file(client, content, logo):
    path = content / "departments" / f"{SKOLE}.yaml"
    before = path.read_bytes()
    data = {**editor_form(client, SKOLE), "logo_path": logo}
    if logo.startswith("logos/eksempel-skoleafdelingen-"):  # its own name, but no such file
        response = client.post(f"/departments/{SKOLE}", data=data, headers=ORIGIN)
        assert response.status_code == 422 and "logofilen mangler" in response.text
    else:
        response = client.post(f"/departments/{SKOLE}", data=data, headers=ORIGIN)
        assert response.status_code == 422
        assert "brug upload herunder for at skifte logoet" in unescape(response.text)
        preview = client.post(f"/departments/{SKOLE}/preview", data=data, headers=ORIGIN)
        assert preview.status_code == 422 and "logo" in preview.json()["problems"]
    assert path.read_bytes() == before
