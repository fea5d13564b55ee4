"""Editing in the studio without losing anything: switching the role to preview keeps
what was typed and not saved (over HTTP; the browser's side is in
test_studio_browser.py)."""

from __future__ import annotations

import re
import warnings
from html import unescape
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from conftest import copy_content
from folder_builder.web.app import create_app
from test_studio import NORD, ORIGIN, editor_form, post_preview

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")



@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return copy_content(tmp_path_factory.mktemp("editing"))


@pytest.fixture(scope="module")
def client(content: Path):
    with TestClient(create_app(content, watch=False)) as client:
        yield client


def test_switching_the_role_keeps_the_unsaved_form_and_writes_nothing(client, content):
    path = content / "departments" / f"{NORD}.yaml"
    before = path.read_bytes()
    data = editor_form(client, NORD, role="chef")
    data["note:chef-compliance-1"] = "Skrevet men ikke gemt"
    data["name"] = "Dagtilbud Nord, nyt navn"
    data["question"] = [*data["question"], "Et nyt spørgsmål?"]
    data["role"] = "medarbejder"
    response = client.post(f"/departments/{NORD}/show", data=data, headers=ORIGIN)
    assert response.status_code == 200
    html = unescape(response.text)
    # the other role's statements are shown, the chef's note travels along unseen
    assert 'name="note:medarbejder-compliance-1"' in html
    assert '<input type="hidden" name="note:chef-compliance-1" value="Skrevet men ikke gemt">' \
        in html
    assert 'value="Dagtilbud Nord, nyt navn"' in html and 'value="Et nyt spørgsmål?"' in html
    assert re.search(r'<span class="dirty" data-dirty>', html), "not marked as unsaved"
    assert path.read_bytes() == before
    # and back: the chef's note is in its box again, still unsaved
    back = editor_form_from(html)
    back["role"] = "chef"
    again = unescape(client.post(f"/departments/{NORD}/show", data=back, headers=ORIGIN).text)
    assert re.search(r'name="note:chef-compliance-1"[^>]*>Skrevet men ikke gemt</textarea>',
                     again)
    # a switch is a form like the others: no CSRF token, no switch
    del back["csrf"]
    assert client.post(f"/departments/{NORD}/show", data=back,
                       headers=ORIGIN).status_code == 403


def editor_form_from(html: str) -> dict:
    """What the form of an editor page would post."""
    def value(name: str) -> str:
        return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)

    data: dict = {k: value(k) for k in ("csrf", "token", "role", "logo_path", "name")}
    data["contact"] = value("contact")
    data["introduction"] = re.search(r'<textarea id="introduction"[^>]*>(.*?)</textarea>', html,
                                     re.S).group(1)
    for key, text in re.findall(r'<textarea id="note-[^"]+" name="(note:[^"]+)"[^>]*>(.*?)'
                                r"</textarea>", html, re.S):
        data[key] = text
    for key, text in re.findall(r'<input type="hidden" name="(note:[^"]+)" value="([^"]*)"',
                                html):
        data[key] = text
    data["question"] = re.findall(r'<input name="question" value="([^"]*)"', html)
    return data


# --- how full the leaflet is --------------------------------------------------------------


def preview_fullness(client: TestClient, questions: list[str]) -> dict:
    data = {**editor_form(client, NORD, role="chef"), "question": questions}
    response = post_preview(client, data)
    assert response.status_code == 200, response.text[:1000]
    return response.json()["fullness"]


def note_lines_on(pdf: bytes, page: int) -> int:
    """The note lines drawn on ``page`` of a PDF: the rules a full-width line box
    leaves, counted from the page's drawing (independently of the studio)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(pdf)
    try:
        sheet = document[page - 1]
        width = sheet.get_trimbox()[2] - sheet.get_trimbox()[0]
        count = 0
        for obj in sheet.get_objects(max_depth=4):
            if obj.type == raw.FPDF_PAGEOBJ_PATH:
                x0, y0, x1, y1 = obj.get_bounds()
                count += x1 - x0 > 0.5 * width and 5 < y1 - y0 < 50
        return count
    finally:
        document.close()


def test_the_reflection_page_says_how_full_it_is_from_the_proof(client, content):
    question = "Hvordan kan vi bruge udsagnene, når vi planlægger det næste halve år sammen?"
    counts = [0, 3, 8, 12]
    measured = [preview_fullness(client, [question] * n) for n in counts]
    for fullness in measured:
        assert fullness["page"] == 7 and fullness["pages"] == 8
        assert fullness["ceiling"] == 16  # plan.yaml: max_pages: leaflet: 16
    shares = [f["percent"] for f in measured]
    lines = [f["lines"] for f in measured]
    assert shares[0] == 0 and shares == sorted(shares) and len(set(shares)) == len(shares)
    assert lines == sorted(lines, reverse=True) and len(set(lines)) == len(lines)
    assert shares[-1] >= 80, shares
    # the count is the proof's: the saved leaflet, built as the CLI builds it, has
    # exactly as many note lines on its reflection page
    data = {**editor_form(client, NORD, role="chef"), "question": [question] * 8}
    assert client.post(f"/departments/{NORD}", data=data, headers=ORIGIN,
                       follow_redirects=False).status_code == 303
    pdf = client.get(f"/departments/{NORD}/download/chef/print").content
    assert note_lines_on(pdf, 7) == lines[2]
