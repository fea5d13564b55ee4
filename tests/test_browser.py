"""The proof view in a real browser: Playwright driving Debian's chromium.

The server runs as a user runs it (``folder-builder serve``, its own process) over a
private copy of the content, which the tests edit as the communications officer
does: save a file, and look.

Set ``UPDATE_SCREENSHOTS=1`` to write the README's screenshot, docs/proof-view.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, copy_content, edit, line_of
from webserver import serving

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (./setup.sh --dev installs it when run as root)")

BUILD_ID = "Number(document.getElementById('build-status').dataset.buildId)"


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return copy_content(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def server(content):
    with serving(content) as server:
        server.wait_for("folder@print", "ok")
        yield server
        code, err = server.stop()
        assert code == 0, err


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # a high-resolution screen: images must be fetched at twice their CSS width
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


def open_proof(page, server, path: str = "/"):
    page.goto(server.url.rstrip("/") + path)
    page.wait_for_selector('[data-build="ok"]')
    page.wait_for_function("() => [...document.querySelectorAll('img[data-page]')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")


def test_the_folder_as_spreads_sharp_on_a_high_resolution_screen(page, server):
    open_proof(page, server)
    images = page.locator("img[data-page]")
    assert images.count() == 28
    assert [int(n) for n in images.evaluate_all("els => els.map(e => e.dataset.page)")] == \
        list(range(1, 29))
    boxes = {int(img.get_attribute("data-page")): img.bounding_box()
             for img in images.all()}
    # the cover alone (on the right), spreads side by side, the back cover alone
    assert boxes[1]["x"] > boxes[28]["x"] + boxes[28]["width"] / 2
    for left in range(2, 28, 2):
        a, b = boxes[left], boxes[left + 1]
        assert a["y"] == pytest.approx(b["y"], abs=1)
        assert a["x"] + a["width"] == pytest.approx(b["x"], abs=2)  # they meet at the spine
        assert boxes[left]["y"] > boxes[left - 1]["y"]
    # crisp: each image has at least as many pixels as the screen shows it with
    for img in images.all()[:4]:
        source, shown = img.evaluate("e => [e.currentSrc, e.getBoundingClientRect().width]")
        assert int(re.search(r"[?&]w=(\d+)", source).group(1)) >= 2 * shown
    status = page.locator("#build-status")
    assert status.get_attribute("data-build") == "ok"
    assert page.locator("[data-download=print]").is_visible()
    assert page.locator("[data-download=screen]").is_visible()
    assert "BESTÅET" in page.locator(".preflight").inner_text()


def test_a_click_zooms_a_page(page, server):
    open_proof(page, server)
    page.locator('img[data-page="5"]').click()
    zoomed = page.locator("dialog#zoom img")
    page.wait_for_function("() => document.querySelector('dialog#zoom img').naturalWidth > 0")
    assert page.locator("dialog#zoom").is_visible()
    assert zoomed.get_attribute("data-zoom-page") == "5"
    assert zoomed.bounding_box()["height"] > 1.5 * page.locator(
        'img[data-page="5"]').bounding_box()["height"]
    page.keyboard.press("Escape")
    assert not page.locator("dialog#zoom").is_visible()


def test_a_save_replaces_and_marks_only_the_changed_pages(page, server, content):
    open_proof(page, server)
    before = page.evaluate(BUILD_ID)
    sources = page.locator("img[data-page]").evaluate_all(
        "els => Object.fromEntries(els.map(e => [e.dataset.page, e.currentSrc]))")
    fetched, parts = [], []
    page.on("request", lambda r: fetched.append(r.url) if "/page/" in r.url else None)
    page.on("request", lambda r: parts.append(r.url) if "/proof/" in r.url else None)
    page.evaluate("""() => { window.seen = [];
        new MutationObserver(() => window.seen.push(
            document.getElementById('build-status').dataset.build))
        .observe(document.getElementById('proof'), {subtree: true, childList: true,
                                                    attributes: true}); }""")
    edit(content / "statements" / "chef.yaml", "for mit område.", "for hele mit eget område.")
    page.wait_for_function(f"() => {BUILD_ID} > {before} && "
                           "document.getElementById('build-status').dataset.build === 'ok'",
                           timeout=60_000)
    # While it built, the page said so; the finished build's part came with its
    # event, so the page fetched no part at all.
    assert "building" in page.evaluate("window.seen")
    assert parts == []
    page.wait_for_function("() => [...document.querySelectorAll('img[data-page]')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    marked = sorted(int(n) for n in page.locator(".page.changed img").evaluate_all(
        "els => els.map(e => e.dataset.page)"))
    assert 1 <= len(marked) <= 4, marked
    now = page.locator("img[data-page]").evaluate_all(
        "els => Object.fromEntries(els.map(e => [e.dataset.page, e.currentSrc]))")
    replaced = sorted(int(n) for n in now if now[n] != sources[n])
    assert replaced == marked
    # only the changed pages were fetched again
    assert sorted({int(re.search(r"/page/\d+-(\d+)\.png", url).group(1))
                   for url in fetched}) == marked
    assert page.locator(".page.changed .badge").count() == len(marked)
    text = page.locator(f'img[data-page="{marked[0]}"]')
    assert text.is_visible()
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.locator(f'img[data-page="{marked[0]}"]').scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -330)")
        page.screenshot(path=str(ROOT / "docs" / "proof-view.png"), scale="css")


def test_a_broken_file_is_listed_and_the_last_good_proof_stays(page, server, content):
    open_proof(page, server)
    before = page.evaluate(BUILD_ID)
    path = content / "statements" / "leder-af-leder.yaml"
    good = path.read_text(encoding="utf-8")
    line = line_of(path, "leder-af-leder-compliance-1:")
    edit(path, "  leder-af-leder-compliance-1:", "\tleder-af-leder-compliance-1:")
    try:
        page.wait_for_selector('[data-build="failed"]', timeout=60_000)
        problems = page.locator("[data-problem]")
        assert problems.count() == 1
        said = problems.inner_text()
        assert "statements/leder-af-leder.yaml" in said and f"linje {line}" in said
        assert page.evaluate(BUILD_ID) > before
        # the last good proof stays under the list, dimmed
        assert page.locator(".proof-pages.dimmed img[data-page]").count() == 28
        assert page.locator("img[data-page]").first.is_visible()
        opacity = page.locator(".proof-pages").evaluate("e => getComputedStyle(e).opacity")
        assert float(opacity) < 0.6
        problem_y = problems.bounding_box()["y"]
        assert page.locator('img[data-page="1"]').bounding_box()["y"] > problem_y
    finally:
        path.write_text(good, encoding="utf-8")
    page.wait_for_selector('[data-build="ok"]', timeout=60_000)
    assert page.locator("[data-problem]").count() == 0
    assert page.locator(".dimmed").count() == 0


def test_the_menu_reaches_a_department_leaflet_and_the_screen_variant(page, server):
    open_proof(page, server)
    page.get_by_role("link", name="Dagtilbud Nord (eksempel)").first.click()
    page.wait_for_selector('[data-build="ok"]', timeout=60_000)
    assert "/leaflet/" in page.url and page.locator("img[data-page]").count() == 8
    page.locator("input[name=variant][value=screen]").check()
    page.wait_for_url(re.compile(r"variant=screen"))
    page.wait_for_selector('[data-build="ok"]', timeout=60_000)
    assert page.locator("img[data-page]").count() == 8
    assert page.locator("input[name=box]").count() == 0


def test_print_options_show_bleed_marks_and_lines(page, server):
    open_proof(page, server, "/?box=bleed")
    first = page.locator('img[data-page="2"]')
    size = first.evaluate("e => [e.naturalWidth, e.naturalHeight]")
    assert size[1] / size[0] < 210 / 148 - 0.02  # the marks' margin is wider than tall
    assert not page.locator(".line.trim").first.is_visible()
    page.locator("input[name=trimbox]").check()
    page.locator("input[name=safe]").check()
    assert page.locator(".line.trim").first.is_visible()
    assert page.locator(".line.safe").first.is_visible()
    assert "trimbox=1" in page.url and "safe=1" in page.url
