"""The core's messages in the studio's language: real saves and previews of forms a
department head can fill in wrongly, answered next to the field, in Danish for the
Danish content and in English for the English fixture (web/loader_messages.py)."""

from __future__ import annotations

import re
import warnings
from html import unescape
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from conftest import CONTENT, FIXTURES, copy_content
from folder_builder.web.access import RateLimiter
from folder_builder.web.app import create_app
from folder_builder.web.loader_messages import KINDS, kind_of
from test_studio import NORD, ORIGIN, editor_form, field, post_preview

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")



@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return copy_content(tmp_path_factory.mktemp("messages"))


@pytest.fixture(scope="module")
def client(content: Path):
    with TestClient(create_app(content, watch=False)) as client:
        client.app.state.studio.limiter = RateLimiter(rate=100, burst=100)
        yield client


def shown_at(html: str, name: str) -> str:
    """The error shown at form field ``name`` of an editor page."""
    found = re.search(rf'data-error="{re.escape(name)}"[^>]*>(.*?)</p>', html, re.S)
    assert found, f"no error at {name}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1)))


@pytest.mark.parametrize(("change", "at", "danish", "kind"), [
    ({"contact": "Ring \u202e os"}, "contact", "indeholder et usynligt tegn (U+202E)",
     "control"),
    ({"note:chef-compliance-1": "Godt 🙂 gjort"}, "notes.chef-compliance-1",
     "tegnet '🙂' (U+1F642) findes ikke i folderens skrifter", "glyph"),
    ({"introduction": "Velkommen {navn}"}, "introduction",
     "'{navn}' kan folderen ikke udfylde", "placeholder"),
    ({"introduction": "Se {pages:ingensteds}"}, "introduction",
     "der er ingen sektion 'ingensteds' at henvise til", "section"),
    ({"logo_path": f"logos/{NORD}-0123456789.png"}, "logo", "logofilen mangler", "logo-missing"),
])
def test_a_save_the_loader_refuses_is_answered_in_danish_at_its_field(client, content, change,
                                                                    at, danish, kind):
    path = content / "departments" / f"{NORD}.yaml"
    before = path.read_bytes()
    response = client.post(f"/departments/{NORD}", data={**editor_form(client), **change},
                           headers=ORIGIN)
    assert response.status_code == 422
    message = shown_at(response.text, at)
    assert danish in message, message
    assert path.read_bytes() == before
    # the preview of the same form says the same, at the same field
    data = {**editor_form(client), **change}
    preview = post_preview(client, data)
    assert preview.status_code == 422
    assert any(danish in m for m in preview.json()["problems"][at])
    assert kind in {k.name for k in KINDS}


def test_a_text_too_long_for_its_page_says_which_field_and_by_how_much(client):
    data = {**editor_form(client), "introduction": "Vi arbejder sammen hver dag. " * 160}
    response = post_preview(client, data)
    assert response.status_code == 422
    problems = response.json()["problems"]
    # how much too much, for the form as a whole; the introduction named at its field
    [headline] = problems["form"]
    assert re.search(r"fylder \d+ side\(r\) mere end de \d+, der er plads til: cirka \d+ "
                     r"linjer \(\d+ mm\) for meget", headline), headline
    assert any(re.search(r"denne tekst havner på side \d+", m) for m in problems["introduction"])
    assert any("den længste tekst" in m for m in problems["introduction"])
    # nothing of the page plan, which a department cannot change
    assert not any("plan.yaml" in m or "pages:" in m for ms in problems.values() for m in ms)


def test_texts_past_the_leaflets_page_ceiling_are_measured_per_field(client):
    long = "Her skriver vi meget om, hvordan vi arbejder med udsagnet. " * 30
    notes = {f"note:chef-{p}-{n}": long
             for p in ("compliance", "performance", "resiliens", "emergens") for n in (1, 2, 3)}
    data = {**editor_form(client), **notes}
    response = post_preview(client, data)
    assert response.status_code == 422
    problems = response.json()["problems"]
    [ceiling] = problems["form"]
    assert re.search(r"folderen ville fylde (\d+) sider, \d+ flere end de (\d+), den højst må "
                     r"have", ceiling), ceiling
    assert re.fullmatch(r"disse tekster fylder \d+ mm i folderen", problems["notes"][0])


def test_the_english_fixture_gets_the_same_messages_in_english(tmp_path):
    english = copy_content(tmp_path, FIXTURES / "english")
    with TestClient(create_app(english, watch=False)) as browser:
        html = browser.get("/departments").text
        browser.post("/departments", data={"csrf": field(html, "csrf"), "name": "Test Team"},
                     headers=ORIGIN)
        data = editor_form(browser, "test-team", role=_first_role(browser))
        data["contact"] = "Call \u202e us"
        data["introduction"] = "Hello {name}"
        response = browser.post("/departments/test-team", data=data, headers=ORIGIN)
        assert response.status_code == 422
        assert "contains an invisible character (U+202E)" in shown_at(response.text, "contact")
        assert "'{name}' is not something the leaflet can fill in" in \
            shown_at(response.text, "introduction")
        assert "usynligt" not in response.text


def _first_role(browser: TestClient) -> str:
    html = browser.get("/departments/test-team").text
    return re.search(r'<option value="([^"]+)"', html).group(1)


def test_every_kind_is_one_the_core_writes():
    """Each pattern recognises the core's wording as the core writes it today."""
    from folder_builder.schema import control_character

    assert kind_of(control_character("a\u202eb")) == "control"
    assert kind_of("the text is empty") == "empty"
    assert kind_of("the leaflet would take 20 pages, 4 more than the most the plan allows "
                   "(16); the department's texts are too long by roughly 4 pages. Shorten "
                   "the longest of them:") == "ceiling"


def test_the_page_plans_side_of_a_fit_failure_is_in_the_page_language():
    """What check_fit (and proof._plan_hints) say of the plan, recognised from the core's
    own words and shown in Danish (the proof view; a real save in test_web)."""
    from folder_builder.checks import check_fit
    from folder_builder.content import load_content
    from folder_builder.errors import FitError
    from folder_builder.parts import planned_pages
    from folder_builder.plan import sections
    from folder_builder.web.i18n import say
    from folder_builder.web.loader_messages import localise

    secs = sections(load_content(CONTENT), "folder")
    planned = planned_pages(secs)
    anchors = {}
    for sec in secs:
        first, last = planned[sec.id]
        if sec.id == "foreword":  # planned on pages 2-3: one page late and one too long
            first, last = first + 1, last + 2
        anchors[sec.anchor], anchors[sec.end_anchor] = first, last
    with pytest.raises(FitError) as info:
        check_fit(anchors, 28, secs)
    messages = {kind_of(p.message): say("da", localise(p.message)) for p in info.value.problems}
    assert messages["plan-pages"].startswith("afsnittet 'foreword' (Forord) fylder ")
    assert "men planen giver det 2; forkort teksten, eller giv det flere sider i plan.yaml" \
        in messages["plan-pages"]
    assert messages["start"] == "afsnittet 'foreword' skal begynde på en venstreside, men " \
        "begynder på side 3", messages


def test_what_the_yaml_reader_says_is_in_the_page_language(tmp_path):
    """Every YAML mistake of tests/test_yaml_hints.py, as the core reports it, is shown
    in Danish with its hint (the proof view; a department file edited by hand in the
    studio), none of it in the command line's English; so are an unknown, a missing
    and a repeated field, and an empty file."""
    from folder_builder.content import load_content, load_department
    from folder_builder.errors import ContentError
    from folder_builder.web.i18n import say
    from folder_builder.web.loader_messages import localise
    from test_yaml_hints import CASES

    content = load_content(CONTENT)
    files = {f"hint: {name}": text for name, (text, _, _) in CASES.items()}
    files |= {"misspelt field": "name: A\nnme: B\n", "unknown field": "name: A\nxyz: B\n",
              "missing field": "questions:\n  - Hvad?\n", "repeated field": "name: A\nname: B\n",
              "empty file": "# intet her\n", "no hint": "name: A\n- Hvad?\n"}
    seen = {}
    for name, text in files.items():
        path = tmp_path / "afdeling.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ContentError) as info:
            load_department(path, content)
        for problem in info.value.problems:
            kind, danish = kind_of(problem.message), say("da", localise(problem.message))
            seen[name] = kind
            assert kind is not None, (name, problem.message)
            if kind == "yaml":  # no hint: PyYAML's own words stay, after the Danish
                assert danish.startswith("filen kan ikke læses som YAML: expected"), danish
                continue
            assert not re.search(r"\b(?:the|is|must|line above|quotes|field)\b", danish), \
                (name, danish)
    hinted = {name: kind for name, kind in seen.items() if name.startswith("hint: ")}
    assert len(hinted) == len(CASES) and "yaml" not in hinted.values(), hinted
    assert [seen[name] for name in ("misspelt field", "unknown field", "missing field",
                                    "repeated field", "empty file", "no hint")] == [
        "unknown-field-guess", "unknown-field", "missing-field", "duplicate-key",
        "file-empty", "yaml"], seen


# A mistake in the folder's own files, as communications staff make them, and the
# kind the proof view recognises it as (loader_messages).
CONTENT_MISTAKES = {
    "statement-twice": ("statements/chef.yaml", "chef-performance-1:", "chef-compliance-1:"),
    "id-twice": ("roles.yaml", "- id: chef", "- id: direktoer"),
    "no-statements": ("statements/chef.yaml", None, None),
    "not-a-role-guess": ("statements/chef.yaml", "rename", "chfe.yaml"),
    "expected": ("publication.yaml", "title: Sammen om Kerneopgaven",
                 "title:\n  tekst: Sammen om Kerneopgaven"),
    "contrast": ("perspectives.yaml", "colour: [100, 62, 0, 18]", "colour: [20, 10, 0, 0]"),
    "statement-id": ("statements/chef.yaml", "chef-compliance-2:", "Chef-Økonomi:"),
    "unknown-name-guess": ("plan.yaml", "role: faelles\n    pages: 2",
                           "role: faeles\n    pages: 2"),
    "date": ("publication.yaml", "year: 2021", "year: 2021\ndate: 2021-13-45"),
    "url": ("synthesis.yaml", "url: https://lead.eu", "url: lead.eu"),
    "language": ("publication.yaml", "language: da", "language: dansk"),
    "role-or-each": ("plan.yaml", "role: faelles\n    pages: 2",
                     "role: faelles\n    each: role\n    pages: 2"),
    "hyphen-word": ("hyphenation.yaml", "  - kerne-opgave\n", "  - kerne-opgave\n  - kerne--x\n"),
    "listed-twice": ("hyphenation.yaml", "  - kerne-opgave\n",
                     "  - kerne-opgave\n  - kerneop-gave\n"),
    "link-url": ("links.yaml", "url: https://www.youtube.com", "url: www.youtube.com"),
    "link-qr": ("links.yaml", "    qr: true", "    qr: ja tak"),
    "unknown-key-guess": ("links.yaml", "    qr: true", "    qr: true\n    qrr: true"),
    "profile-not": ("print.yaml", "bleed: 3", "profile: plan.yaml\nbleed: 3"),
    "profile-inside": ("print.yaml", "bleed: 3", "profile: ../elsewhere.icc\nbleed: 3"),
    # not the department's missing logo, which the same words used to say
    "profile-missing": ("print.yaml", "bleed: 3", "profile: fogra39.icc\nbleed: 3"),
    "yes-no": ("print.yaml", "marks: true", "marks: måske"),
    "bleed": ("print.yaml", "bleed: 3", "bleed: 30"),
    "whole-pages": ("plan.yaml", "layout: guide\n    title: Læsevejledning\n    pages: 1",
                    "layout: guide\n    title: Læsevejledning\n    pages: en"),
    "cmyk": ("perspectives.yaml", "colour: [100, 62, 0, 18]", "colour: blå"),
    "one-of": ("plan.yaml", "    start: left\n", "    start: venstre\n"),
}


@pytest.mark.parametrize("kind", CONTENT_MISTAKES)
def test_what_the_content_loader_says_is_in_the_page_language(tmp_path, kind):
    from folder_builder.content import load_content
    from folder_builder.errors import ContentError
    from folder_builder.hyphenation import load_hyphenation
    from folder_builder.printlinks import load_links
    from folder_builder.web.i18n import say
    from folder_builder.web.loader_messages import localise

    root = copy_content(tmp_path)
    name, old, new = CONTENT_MISTAKES[kind]
    path = root / name
    if old is None:
        path.unlink()
    elif old == "rename":
        path.rename(path.with_name(new))
    else:
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(root)
        load_hyphenation(root)  # read when a session starts
        load_links(root)
    said = {kind_of(p.message): say("da", localise(p.message)) for p in info.value.problems}
    assert kind in said, [p.message for p in info.value.problems]
    danish = said[kind]
    assert not re.search(r"\b(?:the|is|used|found|expected|needs|there)\b", danish), danish
    if kind == "not-a-role-guess":
        assert "mente du 'chef'?" in danish, danish
    if kind == "unknown-name-guess":
        assert danish.startswith("rolle 'faeles' findes ikke (mente du 'faelles'?)"), danish
    if kind == "statement-id":
        assert "'Chef-Økonomi' kan ikke være id for et udsagn" in danish, danish
    if kind == "expected":
        assert "her skal stå tekst, men der står en række felter" in danish, danish
    if kind == "contrast":  # decimals with a comma in Danish, a point in English
        assert re.search(r"kun 1,\d:1 i kontrast mod hvid; tekst i den skal have mindst "
                         r"4,5:1", danish), danish
        english = say("en", localise(next(p.message for p in info.value.problems
                                          if kind_of(p.message) == kind)))
        assert "needs at least 4.5:1" in english, english
