"""The proof app over HTTP (Starlette's test client): every route, the event stream,
errors in place, and downloads byte for byte the CLI's.

One app per module serves a private copy of the content that the tests edit; a
second serves the bundled content untouched, for the downloads.
"""

from __future__ import annotations

import io
import json
import re
import time
import warnings
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

with warnings.catch_warnings():  # Starlette would rather its client used httpx2
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from conftest import CONTENT, copy_content, edit, line_of
from folder_builder.build import BuildOptions, build
from folder_builder.changes import make_manifest, watched_folders, write_manifest
from folder_builder.content import load_content
from folder_builder.web.app import _spreads, create_app
from folder_builder.web.builds import View
from folder_builder.web.server import is_loopback

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STATUS = re.compile(r'data-build="(\w+)" data-build-id="(\d+)"')
PAGE = re.compile(r'<img data-page="(\d+)" data-token="([\w-]+)" src="([^"]+)"')


def status(html: str) -> tuple[str, int]:
    found = STATUS.search(html)
    assert found, html[:2000]
    return found.group(1), int(found.group(2))


def wait_for(client: TestClient, key: str, wanted: str, after: int = 0,
             timeout: float = 120) -> str:
    """The proof fragment of ``key`` once its build is ``wanted`` with an id > after."""
    deadline = time.monotonic() + timeout
    while True:
        html = client.get(f"/proof/{key}").text
        state, build_id = status(html)
        if state == wanted and build_id > after:
            return html
        assert time.monotonic() < deadline, f"still {state} {build_id}: {html[:1500]}"
        time.sleep(0.1)


def tree(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``root`` with its modification time and bytes."""
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return copy_content(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    """Where the printed editions' manifests are (none at first)."""
    return tmp_path_factory.mktemp("printed")


@pytest.fixture(scope="module")
def client(content: Path, printed: Path):
    with TestClient(create_app(content, printed=printed)) as client:
        wait_for(client, "folder@print", "ok")
        yield client


@pytest.fixture(scope="module")
def bundled():
    """An app over the bundled content, with no watcher: it must change nothing."""
    before = tree(CONTENT)
    with TestClient(create_app(CONTENT, watch=False, printed=CONTENT / "nowhere")) as client:
        yield client
    assert tree(CONTENT) == before, "the server wrote into content/"


def test_spreads_are_as_the_reader_holds_the_booklet():
    assert _spreads(8) == [(None, 1), (2, 3), (4, 5), (6, 7), (8, None)]
    rows = _spreads(28)
    assert rows[0] == (None, 1) and rows[-1] == (28, None) and len(rows) == 15
    assert all(left % 2 == 0 and right == left + 1 for left, right in rows[1:-1])


def test_view_keys_name_every_view():
    for view in (View(), View("folder", "screen"), View("leaflet", "print", "chef"),
                 View("leaflet", "screen", "chef", "eksempel-skoleafdelingen")):
        assert View.from_key(view.key) == view
    for bad in ("folder", "folder@pdf", "leaflet@print", "leaflet/a/b/c@print", "x@print"):
        with pytest.raises(ValueError):
            View.from_key(bad)


def test_only_loopback_addresses_count_as_this_machine():
    assert all(map(is_loopback, ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost")))
    assert not any(map(is_loopback, ("0.0.0.0", "192.168.1.10", "::", "example.org")))


def test_the_folder_is_shown_as_28_pages_in_spreads(client):
    html = client.get("/").text
    assert status(html) == ("ok", status(html)[1]) and status(html)[1] >= 1
    pages = [int(n) for n, _, _ in PAGE.findall(html)]
    assert pages == list(range(1, 29))
    spreads = re.split(r'<div class="spread(?: single)?">', html)[1:]
    assert len(spreads) == 15
    sides = [[(int(n), side) for side, n in re.findall(
        r'<figure class="page (left|right)[^"]*">\s*<div class="sheet">\s*<img data-page="(\d+)"',
        spread)] for spread in spreads]
    # the cover alone on the right, spreads of an even and an odd page, the back alone
    assert sides[0] == [(1, "right")] and sides[-1] == [(28, "left")]
    assert all(pair == [(n, "left"), (n + 1, "right")]
               for pair, n in zip(sides[1:-1], range(2, 28, 2), strict=True))
    assert html.count('class="spread single"') == 2
    assert 'data-download="print" href="/download/print/folder@print"' in html
    assert 'data-download="screen" href="/download/screen/folder@print"' in html
    assert 'data-preflight="pass"' in html
    assert "data-problem" not in html
    # the menu reaches every role that has a leaflet, alone and for each department
    for role in ("medarbejder", "leder-af-medarbejder", "leder-af-leder", "chef", "direktoer"):
        assert f'href="/leaflet/{role}"' in html
        assert f'href="/leaflet/{role}/eksempel-dagtilbud-nord"' in html
    assert 'href="/leaflet/faelles"' not in html


def test_page_images_are_pngs_of_the_asked_width(client):
    html = client.get("/").text
    _, token, _ = PAGE.findall(html)[0]
    response = client.get(f"/page/{token}.png?box=trim&w=480")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "immutable" in response.headers["cache-control"]
    trim = Image.open(io.BytesIO(response.content))
    assert trim.width == 480
    assert trim.height == pytest.approx(480 * 210 / 148, abs=2)
    # with bleed and marks the image shows more than the trimmed page
    whole = Image.open(io.BytesIO(client.get(f"/page/{token}.png?box=bleed&w=480").content))
    assert whole.width == 480 and whole.height / whole.width != pytest.approx(210 / 148, abs=0.01)
    # widths snap to the few the cache keeps; a high-resolution screen asks for more
    assert Image.open(io.BytesIO(client.get(f"/page/{token}.png?w=1500").content)).width == 1600
    assert client.get("/page/0-1.png?w=480").status_code == 404
    assert client.get(f"/page/{token}.png?w=wide").status_code == 400
    assert client.get(f"/page/{token}.png?box=cropped").status_code == 400


def test_print_view_options_trim_bleed_and_lines(client):
    html = client.get("/?box=bleed&trimbox=1&safe=1").text
    assert 'class="box-bleed show-trim show-safe"' in html
    assert "box=bleed&amp;w=" in html
    assert html.count('class="line trim"') == 28 and html.count('class="line safe"') == 28
    plain = client.get("/").text
    assert 'class="box-trim"' in plain
    # the screen PDF has no bleed: its view has neither box choice nor trim line
    screen = client.get("/?variant=screen&box=bleed").text
    assert 'name="box"' not in screen and 'class="line trim"' not in screen


def test_the_full_preflight_report(client):
    response = client.get("/report/folder@print")
    assert response.status_code == 200
    for check in ("pages", "trim box", "bleed box", "fonts", "colour", "output intent"):
        assert re.search(rf"<th>PASS</th><td><pre>{check}\b", response.text), check


def test_event_stream_and_changed_pages_after_a_save(client, content):
    _, before = status(client.get("/proof/folder@print").text)
    statements = content / "statements" / "chef.yaml"
    with client.stream("GET", "/events/folder@print") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream.iter_lines())
        first = next(events)
        assert first["status"] == "ok" and first["build_id"] == before
        assert "part" not in first  # the page shows that build already
        edit(statements, "for mit område.", "for hele mit område.")  # the watcher sees it
        seen = [next(events)]
        while seen[-1]["status"] != "ok":
            seen.append(next(events))
    assert seen[0]["status"] == "building"
    assert "part" not in seen[0]
    done = seen[-1]
    assert done["build_id"] > before
    # A finished build's event carries the page's changing part, as /proof/ gives it
    assert status(done["part"]) == ("ok", done["build_id"])
    assert done["part"] == client.get("/proof/folder@print").text
    # only the chef's pages changed (the statement's spread), not the whole folder
    assert 1 <= len(done["changed"]) <= 4, done
    html = client.get("/").text
    marked = re.findall(r'<figure class="page \w+ changed">\s*<div class="sheet">\s*'
                        r'<img data-page="(\d+)"', html)
    assert [int(n) for n in marked] == done["changed"]
    tokens = {int(n): t for n, t, _ in PAGE.findall(html)}
    for page in range(1, 29):
        assert tokens[page].startswith(f"{done['build_id']}-") == (page in done["changed"])


def _events(lines):
    for line in lines:
        if line.startswith("data: "):
            yield json.loads(line[6:])


def test_a_broken_file_is_listed_in_the_page_and_the_last_good_proof_stays(client, content):
    _, before = status(client.get("/proof/folder@print").text)
    statements = content / "statements" / "medarbejder.yaml"
    good = statements.read_text(encoding="utf-8")
    line = line_of(statements, "medarbejder-compliance-2:")
    edit(statements, "  medarbejder-compliance-2:", "\tmedarbejder-compliance-2:")
    try:
        html = wait_for(client, "folder@print", "failed", before)
        problems = re.findall(r"<li data-problem>(.*?)</li>", html, re.S)
        assert len(problems) == 1
        text = re.sub(r"<[^>]+>|\s+", " ", problems[0])
        assert "statements/medarbejder.yaml" in text and f"linje {line}" in text
        # In the page's language (loader_messages), not the command line's English.
        assert "en linje er rykket ind med et tabulatortegn; brug mellemrum" in text, text
        # the last good proof stays, dimmed, under the list
        assert '<div class="proof-pages dimmed"' in html
        assert len(PAGE.findall(html)) == 28
        assert html.index("data-problem") < html.index("data-page=")
    finally:
        statements.write_text(good, encoding="utf-8")
    _, failed = status(html)
    html = wait_for(client, "folder@print", "ok", failed)
    assert "data-problem" not in html and "dimmed" not in html


def test_a_content_mistake_is_said_in_the_pages_language_with_its_files_as_listed(
        client, content):
    """A statement id used twice: said in Danish (loader_messages), the other file named
    as the list names files, from the content folder, not by its path on the server."""
    _, before = status(client.get("/proof/folder@print").text)
    statements = content / "statements" / "chef.yaml"
    good = statements.read_text(encoding="utf-8")
    edit(statements, "chef-performance-1:", "chef-compliance-1:")
    try:
        html = wait_for(client, "folder@print", "failed", before)
        problems = [unescape(re.sub(r"<[^>]+>|\s+", " ", p)) for p in
                    re.findall(r"<li data-problem>(.*?)</li>", html, re.S)]
        assert len(problems) == 1, problems
        assert "udsagnets id 'chef-compliance-1' er allerede brugt i statements/chef.yaml:2" \
            in problems[0], problems
        assert str(content) not in html
    finally:
        statements.write_text(good, encoding="utf-8")
    wait_for(client, "folder@print", "ok", status(html)[1])


def test_a_section_that_overflows_is_named_in_the_page(client, content):
    _, before = status(client.get("/proof/folder@print").text)
    statements = content / "statements" / "leder-af-leder.yaml"
    good = statements.read_text(encoding="utf-8")
    edit(statements, "leder-af-leder-compliance-2: Jeg sikrer",
         "leder-af-leder-compliance-2: " + "Jeg sikrer, at budgettet overholdes. " * 40
         + "Jeg sikrer")
    try:
        html = wait_for(client, "folder@print", "failed", before)
        text = re.sub(r"<[^>]+>|\s+", " ", html)
        assert "roles-leder-af-leder" in text and "plan.yaml" in text
        assert "data-problem" in html and len(PAGE.findall(html)) >= 28
        # Under the section's headline, its longest text and the first three statements
        # it pushed past the plan; the other pushed ones folded, the plan line shown.
        # All in the page's language (loader_messages), none in the core's English.
        problems = html[html.index('class="problems"'):html.index("</section>")]
        shown = re.sub(r"<details.*?</details>", "", problems, flags=re.S)
        headline = shown.index("siderne for Leder af leder (side ")
        assert "side(r) mere end de 2, der er plads til" in shown[headline:]
        assert headline < shown.index("dette er den længste tekst på siderne for Leder af leder")
        pushed = "ud over de sider, der er planlagt til den"
        assert 3 <= shown.count(pushed) <= 8  # three or four for each section
        folded = re.findall(r'<details class="more-problems">\s*<summary>Vis (\d+) tekster '
                            r"mere.*?</summary>(.*?)</details>", problems, flags=re.S)
        assert folded and all(int(n) == part.count(pushed) >= 2 for n, part in folded), folded
        assert re.search(r"afsnittet 'roles-leder-af-leder' \(Leder af leder\) fylder \d+ "
                         r"sider \([\d–]+\), men planen giver det 2; forkort teksten, eller giv "
                         r"det flere sider i plan.yaml, hvor dets 'pages:' gælder for hver "
                         r"rolle", unescape(text)), text
        english = ("past the plan", "planned for", "the longest text", "but the plan gives")
        assert not [words for words in english if words in text], text
    finally:
        statements.write_text(good, encoding="utf-8")
    wait_for(client, "folder@print", "ok", status(html)[1])


def test_leaflet_routes(client):
    html = client.get("/leaflet/chef/eksempel-skoleafdelingen").text
    assert 'data-view="leaflet/chef/eksempel-skoleafdelingen@print"' in html
    html = wait_for(client, "leaflet/chef/eksempel-skoleafdelingen@print", "ok")
    assert [int(n) for n, _, _ in PAGE.findall(html)] == list(range(1, 9))
    screen = client.get("/leaflet/chef?variant=screen")
    assert screen.status_code == 200 and 'data-view="leaflet/chef@screen"' in screen.text
    assert wait_for(client, "leaflet/chef@screen", "ok").count("data-page=") == 8


def test_unknown_addresses_say_what_exists(client):
    response = client.get("/leaflet/kok")
    assert response.status_code == 404
    assert "kok" in response.text and "leder-af-leder" in response.text
    response = client.get("/leaflet/chef/ingen-afdeling")
    assert response.status_code == 404 and "eksempel-dagtilbud-nord" in response.text
    assert client.get("/leaflet/faelles").status_code == 404
    response = client.get("/?variant=tryk")
    assert response.status_code == 400 and "print" in response.text
    assert client.get("/proof/nothing@print").status_code == 404
    assert client.get("/events/folder@nowhere").status_code == 404
    assert client.get("/download/pdfx/folder@print").status_code == 404
    assert client.get("/static/proof.js").status_code == 200


def test_downloads_are_the_cli_pdfs_byte_for_byte(bundled, folders):
    for variant in ("print", "screen"):
        response = bundled.get(f"/download/{variant}/folder@print")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert f'filename="folder-{variant}.pdf"' in response.headers["content-disposition"]
        assert response.content == folders[variant].path.read_bytes(), variant


def test_leaflet_download_is_the_cli_leaflet(bundled, tmp_path):
    response = bundled.get("/download/print/leaflet/chef/eksempel-dagtilbud-nord@print")
    assert response.status_code == 200
    assert 'filename="chef--eksempel-dagtilbud-nord-print.pdf"' in \
        response.headers["content-disposition"]
    [cli] = build(BuildOptions(content=CONTENT, role="chef",
                               department="eksempel-dagtilbud-nord",
                               output=tmp_path / "leaflet.pdf"))
    assert response.content == cli.path.read_bytes()


def test_a_download_that_cannot_be_built_says_why(client, content):
    statements = content / "statements" / "chef.yaml"
    good = statements.read_text(encoding="utf-8")
    _, before = status(client.get("/proof/folder@print").text)
    edit(statements, "  chef-compliance-1:", "  chef-compliance-1: [")
    try:
        wait_for(client, "folder@print", "failed", before)
        response = client.get("/download/print/folder@print")
        assert response.status_code == 422
        assert "data-problem" in response.text and "statements/chef.yaml" in response.text
    finally:
        statements.write_text(good, encoding="utf-8")
    wait_for(client, "folder@print", "ok", before)


def test_the_changes_since_the_printed_edition_are_listed_and_their_pages_marked(
        client, content, printed):
    # the edition at the printer: the print PDF as it is now, and its manifest
    response = client.get("/download/print/folder@print")
    assert response.status_code == 200, response.text
    pdf = response.content
    manifest = make_manifest(load_content(content), pdf, watched_folders(None))
    write_manifest(printed / "folder-print.pdf", manifest)
    pages = manifest["statements"]["direktoer-compliance-1"]["pages"]
    _, before = status(client.get("/proof/folder@print").text)
    statements = content / "statements" / "direktoer.yaml"
    old = manifest["statements"]["direktoer-compliance-1"]["text"]
    words = old.split()
    edit(statements, old, " ".join([*words[:2], "altid", *words[2:]]))
    html = wait_for(client, "folder@print", "ok", before)
    assert 'data-changes="1"' in html
    [item] = re.findall(r'<li data-change="changed">(.*?)</li>', html, re.S)
    assert "direktoer-compliance-1" in item and "<ins>altid</ins>" in item
    assert f"side {', '.join(map(str, pages))}" in item
    since = [int(n) for n in re.findall(
        r'<figure class="page \w+(?: changed)? since-print">\s*<div class="sheet">\s*'
        r'<img data-page="(\d+)"', html)]
    assert since == pages
    # A second save: the proof reads the text of the pages it changed and keeps the
    # others' from the proof before; both edits are still found on their pages.
    other = manifest["statements"]["medarbejder-emergens-1"]
    assert not set(other["pages"]) & set(pages)
    edit(content / "statements" / "medarbejder.yaml", other["text"], other["text"] + " Nu.")
    html = wait_for(client, "folder@print", "ok", status(html)[1])
    assert 'data-changes="2"' in html
    items = dict(re.findall(r'<li data-change="changed">.*?<code>([\w-]+)</code>(.*?)</li>',
                            html, re.S))
    assert f"side {', '.join(map(str, pages))}" in items["direktoer-compliance-1"]
    assert f"side {', '.join(map(str, other['pages']))}" in items["medarbejder-emergens-1"]


class _OverflowingSession:
    """A real session whose folder does not fit, as the fit guard of issue 10 reports
    it: a FitError carrying the proof PDF with the overflow marked (here a real PDF)."""

    def __init__(self, proof: bytes) -> None:
        from folder_builder import Session

        self._session = Session(content=CONTENT, jobs=1)
        self._proof = proof
        self.content = self._session.content

    def departments(self):
        return self._session.departments()

    def refresh(self):
        return self._session.refresh()

    def build(self, product, **options):
        from folder_builder.errors import FitError, Problem

        error = FitError("the content does not fit the page plan; no PDF was written:",
                         [Problem("section 'roles-chef' takes 3 pages (14–16) but the plan "
                                  "gives it 2", CONTENT / "plan.yaml", 30, "pages")])
        error.proof_pdf = self._proof
        raise error


def test_the_fit_guards_proof_is_shown_under_the_problem(folders):
    proof = folders["screen"].path.read_bytes()
    app = create_app(CONTENT, watch=False, printed=CONTENT / "nowhere",
                     session_factory=lambda: _OverflowingSession(proof))
    with TestClient(app) as client:
        html = wait_for(client, "folder@print", "failed")
        assert "plan.yaml" in html and "roles-chef" in html
        tokens = re.findall(r'<img data-page="\d+" data-token="(fit[\w-]+)"', html)
        assert len(tokens) == 28
        image = client.get(f"/page/{tokens[13]}.png?w=320")
        assert image.status_code == 200
        assert Image.open(io.BytesIO(image.content)).width == 320


def test_a_failed_preflight_is_one_line_naming_the_checks_with_the_full_report(tmp_path):
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "extra.css").write_text("h1 { color: rgb(255, 0, 0); }\n")  # RGB in print
    app = create_app(CONTENT, layouts, watch=False, printed=tmp_path)
    with TestClient(app) as client:
        client.get("/leaflet/chef")
        html = wait_for(client, "leaflet/chef@print", "ok")
        line = re.search(r'<p class="preflight fail" data-preflight="fail">(.*?)</p>', html,
                         re.S)
        assert line, html[:3000]
        text = re.sub(r"<[^>]+>|\s+", " ", line.group(1))
        assert "FEJL" in text and "colour: RGB used" in text
        assert 'href="/report/leaflet/chef@print"' in line.group(1)
        report = client.get("/report/leaflet/chef@print").text
        assert re.search(r"<th>FAIL</th><td><pre>colour\s+RGB used", report)
        assert re.search(r"<th>PASS</th><td><pre>fonts\b", report)
        # the proof is still shown: a failed preflight is a finding, not a failed build
        assert len(PAGE.findall(html)) == 8


class _SlowMenuSession:
    """A real session whose departments take a moment to list, as on a slow disk:
    the window in which a request once saw the session loaded but no roles yet."""

    def __init__(self) -> None:
        from folder_builder import Session

        self._session = Session(content=CONTENT, jobs=1)

    def departments(self):
        time.sleep(0.5)
        return self._session.departments()

    def __getattr__(self, name):
        return getattr(self._session, name)


def test_a_role_asked_for_while_the_content_loads_is_not_called_unknown():
    app = create_app(CONTENT, watch=False, session_factory=_SlowMenuSession)
    with TestClient(app) as client:
        for _ in range(40):
            response = client.get("/leaflet/chef")
            assert response.status_code == 200, response.text[:600]
            if 'data-build="ok"' in response.text:
                break
            time.sleep(0.1)


def test_crop_marks_switched_off_reshape_every_page_in_the_bleed_view(client, content):
    """Marks are drawn when the PDF is finished: the layout does not change, yet every
    page image, and the shape of every page with bleed, does."""
    html = wait_for(client, "folder@print?box=bleed", "ok")
    heights = re.findall(r'<img data-page="\d+"[^>]*?height="(\d+)"', html, re.S)
    assert len(heights) == 28 and len(set(heights)) == 1
    settings = content / "print.yaml"
    good = settings.read_text(encoding="utf-8")
    edit(settings, "marks: true", "marks: false")
    try:
        html = wait_for(client, "folder@print?box=bleed", "ok", status(html)[1])
        now = re.findall(r'<img data-page="\d+"[^>]*?height="(\d+)"', html, re.S)
        assert len(now) == 28 and len(set(now)) == 1 and now[0] != heights[0]
        assert len(re.findall(r'class="page \w+ changed', html)) == 28
    finally:
        settings.write_text(good, encoding="utf-8")
    wait_for(client, "folder@print", "ok", status(html)[1])
