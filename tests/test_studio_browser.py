"""The studio in a real browser (Playwright driving Debian's chromium).

A department head who has never seen YAML makes his leaflet: he creates
"Testafdeling", uploads a logo, writes notes under three statements and four
questions, sees them appear in the proof, saves, and downloads the print, screen
and office-printer PDFs, which carry his words next to the right statements.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import copy_content, page_texts

pytest.importorskip("playwright")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (setup.sh --dev)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

NOTES = {
    "chef-compliance-1": "Testafdelingens første note om driften",
    "chef-performance-2": "Testafdelingens anden note om resultaterne",
    "chef-resiliens-1": "Testafdelingens tredje note om det bæredygtige",
}
QUESTIONS = ["Hvad lykkes vi med?", "Hvor halter vi?", "Hvem spørger vi?",
             "Hvad gør vi i morgen?"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real uvicorn server over a private copy of the content, on a free port."""
    import uvicorn

    from folder_builder.web.app import create_app

    content = copy_content(tmp_path_factory.mktemp("browser"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(content, watch=False)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", content
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def logo_png(path: Path) -> Path:
    image = Image.new("RGB", (1200, 400), "white")
    image.paste((11, 92, 173), (0, 0, 400, 400))
    image.paste((230, 119, 0), (450, 150, 1200, 250))
    image.save(path)
    return path


def test_a_department_head_makes_his_leaflet(server, browser, tmp_path):
    url, content = server
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(90_000)
    # 1. a new department from its name
    page.goto(f"{url}/departments")
    assert page.locator("h1").inner_text() == "Afdelinger"
    page.fill("#new-name", "Testafdeling")
    page.click("[data-new-department] button[type=submit]")
    page.wait_for_url(f"{url}/departments/testafdeling")
    assert (content / "departments" / "testafdeling.yaml").is_file()
    # 2. a logo, shown at its printed size without a resolution warning
    page.set_input_files("#logo-file", str(logo_png(tmp_path / "logo.png")))
    page.click("[data-logo-form] button[type=submit]")
    page.wait_for_selector("[data-saved]")
    # (visible once the image has loaded: an image not yet loaded has no size)
    page.locator("img[data-logo]").wait_for(state="visible", timeout=30_000)
    assert page.locator("[data-ppi-warning]").count() == 0
    # 3. the role's leaflet, three notes and four questions, one moved up
    page.select_option("[data-role-picker]", "chef")
    page.wait_for_url("**/departments/testafdeling?role=chef")
    for statement, note in NOTES.items():
        page.fill(f"#note-{statement}", note)
    page.locator("input[name=question]").nth(0).fill(QUESTIONS[0])
    for question in (QUESTIONS[2], QUESTIONS[1], QUESTIONS[3]):
        page.click("[data-add-question]")
        page.locator("input[name=question]").last.fill(question)
    page.locator("li.question").nth(2).locator("[data-move=up]").click()
    assert page.locator("input[name=question]").evaluate_all(
        "inputs => inputs.map(i => i.value)") == QUESTIONS
    assert "4 af højst 12" in page.locator("[data-question-count]").inner_text()
    assert page.locator("[data-dirty]").is_visible()
    # 4. the proof follows: every note and question appears on its page
    page.wait_for_function(
        """(words) => {
            const alts = [...document.querySelectorAll('[data-proof-spreads] img')]
                .map(img => img.alt).join(' ');
            return words.every(w => alts.includes(w));
        }""", arg=[*NOTES.values(), *QUESTIONS])
    assert "ok" in page.locator("[data-proof-status]").get_attribute("class")
    assert page.locator("[data-proof-spreads] img").count() == 8
    page.screenshot(path=str(tmp_path / "studio.png"))
    # 5. saved, and the downloads carry his words next to the right statements
    page.click("[data-save]")
    page.wait_for_selector("[data-saved]")
    files = {}
    for kind in ("print", "screen", "a4"):
        with page.expect_download() as info:
            page.click(f"[data-download={kind}]")
        files[kind] = tmp_path / info.value.suggested_filename
        info.value.save_as(files[kind])
    assert files["a4"].name == "chef--testafdeling-a4.pdf"
    from folder_builder.content import load_content

    statements = {s.id: s.text for s in load_content(content).statements}
    for kind in ("print", "screen"):
        text = " ".join(page_texts(files[kind]))
        for statement, note in NOTES.items():
            at = text.index(statements[statement][:40])
            assert note in text[at:at + len(statements[statement]) + 200], (kind, statement)
        for question in QUESTIONS:
            assert question in text
        assert "Testafdeling" in text
    sheets = " ".join(page_texts(files["a4"]))
    assert all(note in sheets for note in NOTES.values())
    assert "udskriv på begge sider, vend på den korte kant, fold og hæft" in \
        page.locator("[data-instruction]").inner_text()
    page.close()


def test_mistakes_are_shown_at_their_field_while_typing(server, browser):
    url, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(90_000)
    page.goto(f"{url}/departments/eksempel-skoleafdelingen?role=chef")
    page.wait_for_selector("[data-proof-spreads] img")
    page.fill("#contact", "Ring ☎ til os")
    error = page.locator("[data-live-error=contact]")
    error.wait_for()
    assert "findes ikke i folderens skrifter" in error.inner_text()
    assert page.locator("#contact").get_attribute("aria-invalid") == "true"
    assert "failed" in page.locator("[data-proof-status]").get_attribute("class")
    page.fill("#contact", "Ring til os")
    page.wait_for_selector("[data-live-error=contact]", state="detached")
    page.close()


def test_a_screen_reader_can_read_the_proof(server, browser):
    url, _ = server
    page = browser.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{url}/departments/eksempel-dagtilbud-nord?role=medarbejder")
    page.wait_for_selector("[data-proof-spreads] img")
    first = page.locator("[data-proof-spreads] img").first.get_attribute("alt")
    assert first.startswith("Side 1: ") and "Dagtilbud Nord (eksempel)" in first
    snapshot = page.accessibility.snapshot() if hasattr(page, "accessibility") else None
    assert snapshot is None or snapshot.get("name")
    page.close()


def test_switching_the_role_keeps_what_was_typed(server, browser, tmp_path):
    """Notes typed under one role's statements, and the name, survive a switch to
    another role and back, unsaved; saving then writes them all."""
    url, content = server
    path = content / "departments" / "eksempel-skoleafdelingen.yaml"
    before = path.read_bytes()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(90_000)
    page.goto(f"{url}/departments/eksempel-skoleafdelingen?role=chef")
    assert not page.locator("[data-no-script]").is_visible()
    page.fill("#note-chef-compliance-2", "Chefens note, ikke gemt endnu")
    page.fill("#name", "Skoleafdelingen (ændret)")
    assert page.locator("[data-dirty]").is_visible()
    page.select_option("[data-role-picker]", "medarbejder")
    page.wait_for_selector("#note-medarbejder-compliance-1")
    assert page.locator("#note-chef-compliance-2").count() == 0  # another role's page
    assert page.locator("#name").input_value() == "Skoleafdelingen (ændret)"
    assert page.locator("[data-dirty]").is_visible()
    page.fill("#note-medarbejder-compliance-1", "Medarbejderens note")
    # the proof of the other role follows the unsaved form too
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-proof-spreads] img')]"
        ".some(img => img.alt.includes('Medarbejderens note'))")
    page.screenshot(path=str(tmp_path / "switched.png"))
    page.select_option("[data-role-picker]", "chef")
    page.wait_for_selector("#note-chef-compliance-2")
    assert page.locator("#note-chef-compliance-2").input_value() == \
        "Chefens note, ikke gemt endnu"
    assert path.read_bytes() == before  # nothing saved by switching
    page.click("[data-save]")
    page.wait_for_selector("[data-saved]")
    saved = path.read_text("utf-8")
    assert "Chefens note, ikke gemt endnu" in saved and "Medarbejderens note" in saved
    assert "Skoleafdelingen (ændret)" in saved
    page.close()


def test_without_javascript_showing_another_role_keeps_what_was_typed_and_enter_saves(
        server, browser):
    """A browser that runs no JavaScript: the role picker's Show button takes the form
    along (nothing lost, nothing saved), and Enter in a box still saves."""
    url, content = server
    path = content / "departments" / "eksempel-dagtilbud-nord.yaml"
    before = path.read_bytes()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{url}/departments/eksempel-dagtilbud-nord?role=chef")
    # the proof cannot follow: the page says so, and what to do instead
    assert "Gem, og hent så PDF'erne" in page.locator("[data-no-script]").inner_text()
    assert not page.locator("[data-proof-status]").is_visible()  # "follows what you type"
    page.fill("#note-chef-emergens-1", "Skrevet uden JavaScript")
    page.fill("#name", "Dagtilbud Nord (uden script)")
    page.select_option("[data-role-picker]", "direktoer")
    page.click("[data-show-role]")
    page.wait_for_selector("#note-direktoer-compliance-1")
    assert page.locator("[data-role-picker]").input_value() == "direktoer"
    assert page.locator("#name").input_value() == "Dagtilbud Nord (uden script)"
    assert page.locator("[data-dirty]").is_visible()  # "Not saved yet"
    assert path.read_bytes() == before
    page.select_option("[data-role-picker]", "chef")
    page.click("[data-show-role]")
    page.wait_for_selector("#note-chef-emergens-1")
    assert page.locator("#note-chef-emergens-1").input_value() == "Skrevet uden JavaScript"
    assert path.read_bytes() == before
    page.locator("#name").press("Enter")
    page.wait_for_selector("[data-saved]")
    saved = path.read_text("utf-8")
    assert "Skrevet uden JavaScript" in saved and "Dagtilbud Nord (uden script)" in saved
    context.close()


def test_the_editor_shows_how_full_the_reflection_page_and_the_leaflet_are(server, browser,
                                                                            tmp_path):
    url, _ = server
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(90_000)
    page.goto(f"{url}/departments/eksempel-dagtilbud-nord?role=leder-af-leder")
    room = page.locator("[data-reflection-room]")
    room.wait_for()
    before = int(room.get_attribute("data-lines"))
    share = int(room.get_attribute("data-percent"))
    text = page.locator("[data-reflection-text]").inner_text()
    assert f"fylder {share} % af refleksionssiden" in text
    assert f"der er {before} linjer til noter tilbage" in text
    assert "8 af højst 16 sider" in page.locator("[data-ceiling-text]").inner_text()
    for _ in range(3):
        page.click("[data-add-question]")
        page.locator("input[name=question]").last.fill(
            "Hvordan bruger vi udsagnene, når vi planlægger det næste halve år sammen?")
    # the proof is built again and measured: fewer lines, a fuller page
    page.wait_for_function(
        "(before) => Number(document.querySelector('[data-reflection-room]')"
        ".dataset.lines) < before", arg=before)
    assert int(room.get_attribute("data-percent")) > share
    assert float(page.locator("[data-reflection-meter]").get_attribute("value") or
                 page.locator("[data-reflection-meter]").evaluate("m => m.value")) > share
    page.locator("[data-questions]").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "fullness.png"))
    page.close()


#: Elements whose right edge is past the window: what makes a phone scroll sideways.
WIDER_THAN_THE_WINDOW = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                 && !e.closest('table.departments'))
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


@pytest.mark.parametrize("path", ["/departments", "/departments/eksempel-dagtilbud-nord?role=chef",
                                  "/departments/eksempel-dagtilbud-nord/history"])
def test_the_studio_fits_a_phone(server, browser, path):
    """A department head opens the e-mailed link on a phone: the page fits its width
    (no sideways scrolling; the departments table scrolls inside itself), and every
    field of the form is inside the window."""
    url, _ = server
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(90_000)
    page.goto(f"{url}{path}")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, "
                          "document.documentElement.clientWidth]")
    assert width[0] <= width[1], (path, width, page.evaluate(WIDER_THAN_THE_WINDOW))
    assert page.evaluate(WIDER_THAN_THE_WINDOW) == [], path
    for field in page.locator("input:visible, textarea:visible, select:visible").all():
        box = field.bounding_box()
        assert box is None or (box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1), path
    page.close()
