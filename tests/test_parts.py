"""parts.py: the print folder laid out in parts side by side, then put together."""

from __future__ import annotations

import logging
import os
import pickle
from io import BytesIO

import pikepdf
import pypdfium2 as pdfium
import pytest

import folder_builder.parts as parts_module
from conftest import CONTENT, copy_content, normalise, page_texts, skeleton_override
from folder_builder.build import BuildOptions, build
from folder_builder.changes import page_texts as manifest_texts
from folder_builder.content import load_content, load_department
from folder_builder.errors import ContentError, LayoutError, Problem
from folder_builder.parts import PARTS, planned_pages, run_side_by_side, split
from folder_builder.render import STAND_IN, Renderer, context, cut, render_html
from folder_builder.session import Session
from folder_builder.templates import environment, find_file, layout_dirs


@pytest.fixture(scope="module")
def rendered():
    content = load_content(CONTENT)
    env = environment(layout_dirs(None))
    return content, env, *render_html(content, "folder", env)


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The print folder laid out in one piece (as before parts existed)."""
    out = tmp_path_factory.mktemp("whole") / "whole.pdf"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts_module, "PARTS", 1)
        [result] = build(BuildOptions(output=out))
    return result


# --- cutting the plan ------------------------------------------------------------


def test_planned_pages_are_where_the_folder_lands(rendered, folder):
    _, _, _, secs = rendered
    planned = planned_pages(secs)
    assert planned == folder.result.landings
    assert planned["guide"] == (4, 4) and planned["back"] == (28, 28)


def test_split_cuts_the_folder_into_contiguous_parts_at_section_starts(rendered):
    _, _, html, secs = rendered
    parts = split(cut(html, secs))
    assert parts is not None and len(parts) == PARTS == 2
    planned = planned_pages(secs)
    # every section in exactly one part, in print order
    owners = [next(i for i, part in enumerate(parts) if sec.id in part.sections)
              for sec in secs]
    assert owners == sorted(owners) and set(owners) == {0, 1}
    # the pages follow on, from 1 to the last, and each part starts with its own section
    assert parts[0].first == 1 and parts[-1].last == 28
    assert parts[1].first == parts[0].last + 1
    first_of_second = secs[owners.index(1)]
    assert parts[1].first == planned[first_of_second.id][0]
    # about half the work each: neither part has less than a third of the pages
    assert all(part.last - part.first + 1 >= 28 / 3 for part in parts)


def test_a_plan_that_grows_or_pads_is_not_cut(rendered):
    content, env, _, _ = rendered
    role = next(r for r in content.roles if not r.shared)
    html, secs = render_html(content, "leaflet", env, role=role)
    assert any(s.spec.grow or s.spec.pad for s in secs)
    assert split(cut(html, secs)) is None


def test_a_layout_without_section_wrappers_is_not_cut(rendered):
    _, _, _, secs = rendered
    assert cut("<html><body>no anchors</body></html>", secs) is None


def test_pieces_put_together_are_the_document(rendered):
    _, _, html, secs = rendered
    pieces = cut(html, secs)
    assert pieces.html == html and len(pieces.fragments) == len(secs)
    for sec, fragment in zip(secs, pieces.fragments, strict=True):
        assert fragment.startswith("<section") and f'id="{sec.anchor}"' in fragment
        assert f'id="{sec.end_anchor}"' in fragment


def test_stand_ins_keep_their_place_but_not_their_text(rendered):
    content, env, whole_html, secs = rendered
    pieces = cut(whole_html, secs)
    part = split(pieces)[1]
    renderer = Renderer(env, content, "folder", context=context(
        content, "folder", variant="print", colour=lambda c: c.cmyk_css,
        build_date="2025-01-01T00:00:00Z", role=None, department=None, logo=None))
    html = pieces.with_stand_ins(renderer.stand_ins(secs, {}), part.sections)
    compliance = content.statements_for("chef", "compliance")[0].text
    direktoer = content.statements_for("direktoer", "compliance")[0].text
    assert direktoer in html  # roles-direktoer is in the second part
    assert html.count(compliance) == 1  # on the perspective spread only, not on roles-chef
    assert html.count(f"layout-{STAND_IN}") == len(secs) - len(part.sections)
    for sec in secs:  # every anchor is there, for page numbers and references
        assert f'id="{sec.anchor}"' in html and f'id="{sec.end_anchor}"' in html


# --- the folder put together -----------------------------------------------------


def test_parts_give_the_same_pages_as_a_whole_layout(folder, whole):
    assert folder.result.landings == whole.landings
    assert folder.texts == page_texts(whole.path)
    parts_pdf, whole_pdf = pdfium.PdfDocument(folder.result.path), pdfium.PdfDocument(whole.path)
    try:
        for index in range(len(whole_pdf)):
            a = parts_pdf[index].render(scale=0.5).to_pil().convert("RGB")
            b = whole_pdf[index].render(scale=0.5).to_pil().convert("RGB")
            assert a.tobytes() == b.tobytes(), f"page {index + 1} differs"
    finally:
        parts_pdf.close()
        whole_pdf.close()


def test_bookmarks_point_at_each_section_first_page(folder, whole):
    def outline(path):
        with pikepdf.open(path) as pdf:
            index = {page.objgen: n for n, page in enumerate(pdf.pages, 1)}
            with pdf.open_outline() as tree:
                return [(str(item.title), index[item.destination[0].objgen])
                        for item in tree.root]

    got = outline(folder.result.path)
    assert got == outline(whole.path)
    assert ("Forord", 2) in got and ("Den Nye Syntese", 26) in got and len(got) == 17


def test_each_font_subset_has_a_name_of_its_own(folder):
    with pikepdf.open(folder.result.path) as pdf:
        names: dict[str, set] = {}
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                names.setdefault(str(font.BaseFont), set()).add(font.objgen)
                descendant = font.DescendantFonts[0]
                assert descendant.FontDescriptor.FontName == font.BaseFont
        assert all(len(objects) == 1 for objects in names.values()), names
        # two parts: the fonts used on both sides of the cut appear twice, tagged apart
        families = [name.split("+", 1)[1] for name in names]
        assert len(families) > len(set(families))
        assert "/Dests" not in pdf.Root.get("/Names", {})


def test_the_bytes_do_not_depend_on_the_number_of_processes(folder, tmp_path):
    [one] = build(BuildOptions(output=tmp_path / "one.pdf", jobs=1))
    assert one.path.read_bytes() == folder.result.path.read_bytes()


def test_parts_that_disagree_give_way_to_a_whole_layout(tmp_path, caplog):
    """A foreword shortened to one page ends on page 2, its stand-in on page 3: the
    parts disagree, and the folder is laid out whole (and is right)."""
    root = copy_content(tmp_path)
    path = root / "foreword.yaml"
    text = path.read_text(encoding="utf-8")
    # keep the first paragraph of the body and the signature
    short = text[:text.index("\n\n")] + "\n" + text[text.index("signature:"):]
    path.write_text(short, encoding="utf-8")
    caplog.set_level(logging.INFO, logger="folder_builder")
    [result] = build(BuildOptions(content=root, output=tmp_path / "short.pdf"))
    assert result.landings["foreword"] == (2, 2) and result.landings["guide"] == (4, 4)
    assert result.pages == 28
    assert any("disagree" in r.getMessage() and "foreword" in r.getMessage()
               for r in caplog.records)


def test_a_part_that_fails_elsewhere_reports_its_problems_here(tmp_path):
    """WeasyPrint's complaints in the second part's process reach the user whole."""
    root = copy_content(tmp_path)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    # only the perspective spreads (second part) ask for a file outside the project
    (layouts / "style.css").write_text(
        (find_file(layout_dirs(None), "style.css")).read_text() +
        '.chain { background: url("file:///etc/passwd"); }\n', encoding="utf-8")
    with pytest.raises(LayoutError) as caught:
        build(BuildOptions(content=root, layouts=layouts, output=tmp_path / "x.pdf"))
    assert any("/etc/passwd" in str(p) for p in caught.value.problems)
    assert not (tmp_path / "x.pdf").exists()


# --- working side by side --------------------------------------------------------


def test_errors_travel_between_processes_with_their_problems():
    for error in (ContentError([Problem("bad", line=3, field="text")]),
                  LayoutError("no", [Problem("refused 'file:///etc/passwd'")])):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and copy.report() == error.report()
        assert copy.exit_code == error.exit_code


def _fail() -> None:
    raise ContentError([Problem("from a worker", line=7)])


def test_side_by_side_keeps_order_and_raises_a_worker_error():
    assert run_side_by_side(2, [lambda: "a", lambda: "b", lambda: "c"]) == ["a", "b", "c"]
    assert run_side_by_side(1, [lambda: 1, lambda: 2]) == [1, 2]
    with pytest.raises(ContentError) as caught:
        run_side_by_side(2, [lambda: "fine", _fail])
    assert caught.value.problems == (Problem("from a worker", line=7),)


def test_side_by_side_runs_the_tasks_beyond_one_a_process_here():
    """Three tasks on two processes: the second in the forked one, the first and the
    third here (a leaflet's own part and its role's part, beside the department's)."""
    here = os.getpid()
    where = run_side_by_side(2, [os.getpid, os.getpid, os.getpid])
    assert where[0] == here and where[2] == here and where[1] != here


def test_screen_pdf_is_laid_out_whole(monkeypatch, tmp_path):
    """The screen PDF is one tagged structure: it is never cut."""
    calls = []
    monkeypatch.setattr(Session, "_lay_out_parts",
                        lambda self, *args: calls.append(args) or None)
    build(BuildOptions(output=tmp_path / "s.pdf", variants=("screen",)))
    assert calls == []


#: Spellings WeasyPrint 70 asks cffi for while it lays out and writes a PDF.
WEASYPRINT_SPELLINGS = ["PangoFcFontMap *", "FcChar8 **", "char[]", "PangoRectangle *",
                        "PangoLogAttr[]", "unsigned int *", "hb_tag_t *", "char *",
                        "hb_codepoint_t *", "hb_codepoint_t[123]"]


def test_simple_types_are_cffis_own_without_parsing(monkeypatch):
    from folder_builder.layout import weasyprint

    weasyprint()
    from cffi import CDefError
    from weasyprint.text.ffi import ffi

    def by_the_parser(spelling):  # what cffi itself makes of the spelling
        with ffi._lock:
            return ffi._get_cached_btype(ffi._parser.parse_type(spelling))

    parsed = {spelling: by_the_parser(spelling) for spelling in WEASYPRINT_SPELLINGS}
    asked = []
    real_parse = type(ffi._parser).parse_type_and_quals
    monkeypatch.setattr(type(ffi._parser), "parse_type_and_quals",
                        lambda self, cdecl: asked.append(cdecl) or real_parse(self, cdecl))
    for spelling in WEASYPRINT_SPELLINGS:
        ffi._parsed_types.pop(spelling, None)  # as if never asked for in this process
        assert ffi.typeof(spelling) is parsed[spelling], spelling
    assert asked == []  # not one of them went to pycparser
    assert list(ffi.new("hb_codepoint_t[3]", [7, 8, 9])) == [7, 8, 9]
    assert ffi.typeof("unsigned int *").cname == "unsigned int *"
    assert ffi.typeof("char[]").length is None
    # Anything else is cffi's, unchanged: other spellings, and its errors.
    assert ffi.typeof("int(*)(long)").cname == "int(*)(long)"
    assert asked == ["int(*)(long)"]
    with pytest.raises(CDefError, match="no_such_type"):
        ffi.typeof("no_such_type[4]")
    with pytest.raises(CDefError, match="no_such_type"):
        ffi.typeof("no_such_type *")


# --- a leaflet's shared part ------------------------------------------------------

DEPARTMENT = "eksempel-dagtilbud-nord"


def _pixels(pdf: bytes) -> list[bytes]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=50 / 72).to_pil().tobytes() for page in document]


def test_a_leaflet_shares_what_is_the_same_for_every_role():
    """The model, the shared role's page and the back are the same in every role's
    leaflet for a department; the cover, the role's pages and the chain are not."""
    content = load_content(CONTENT)
    env = environment(layout_dirs(None))
    department = load_department(content.find_department(DEPARTMENT), content)
    leaflets = [cut(*render_html(content, "leaflet", env, role=content.role(role),
                                 department=department))
                for role in ("chef", "medarbejder")]
    shared = parts_module.shared_sections(*leaflets)
    assert {"model", "faelles", "back"} <= shared
    assert not {"cover", "role", "chain"} & shared
    assert parts_module.shared_sections(leaflets[0], leaflets[0]) == {
        sec.id for sec in leaflets[0].secs}


def test_the_next_role_reuses_the_shared_pages_and_gives_the_bytes_of_a_fresh_build(
        tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="folder_builder")
    session = Session(CONTENT, jobs=1)
    session.build("leaflet", role="chef", department=DEPARTMENT, deliver=True)
    assert not any("department's part kept" in r.getMessage() for r in caplog.records)
    caplog.clear()
    second = session.build("leaflet", role="medarbejder", department=DEPARTMENT, deliver=True)
    assert any("department's part kept" in r.getMessage() for r in caplog.records)
    # A fresh session lays both parts out (side by side): the same bytes.
    fresh = Session(CONTENT).build("leaflet", role="medarbejder", department=DEPARTMENT,
                                   deliver=True)
    assert fresh.pdf == second.pdf
    # The page texts the manifest takes from the parts, the kept one's read once, are
    # what reading the finished PDF gives.
    assert second.texts == fresh.texts == tuple(manifest_texts(second.pdf))
    assert len(second.texts) == second.pages and all(second.texts)
    # And the pages of a whole layout, the shared ones taken from the chef's leaflet.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Session, "_lay_out_shared", lambda self, *args: None)
        whole = Session(CONTENT, jobs=1).build("leaflet", role="medarbejder",
                                               department=DEPARTMENT, deliver=True)
    assert whole.pdf != second.pdf
    assert _pixels(whole.pdf) == _pixels(second.pdf)
    assert _outline(whole.pdf) == _outline(second.pdf)
    assert len(_outline(second.pdf)) == len(second.landings)  # a bookmark a section
    assert [normalise(t) for t in page_texts_of(whole.pdf)] == \
        [normalise(t) for t in page_texts_of(second.pdf)]


def test_the_next_department_reuses_the_roles_pages_and_gives_the_bytes_of_a_fresh_build(
        monkeypatch, caplog):
    """The chain is the same in the chef's leaflet for every department: laid out once,
    as the leaflet without a department has it, and reused for each department's; the
    bytes a fresh session gives, the pixels and text of a whole layout."""
    laid_alone = []
    real = Session._lay_out_part

    def recorded(self, html, job, identity, secs=(), only=None, every_page=False):
        if only is not None and not every_page:
            laid_alone.append(set(only))
        return real(self, html, job, identity, secs, only, every_page)

    monkeypatch.setattr(Session, "_lay_out_part", recorded)
    caplog.set_level(logging.INFO, logger="folder_builder")
    session = Session(CONTENT, jobs=1)
    session.build("leaflet", role="chef", deliver=True)
    assert {"chain"} in laid_alone and not any("role's part kept" in r.getMessage()
                                               for r in caplog.records)
    caplog.clear()
    laid_alone.clear()
    second = session.build("leaflet", role="chef", department=DEPARTMENT, deliver=True)
    assert any("role's part kept" in r.getMessage() for r in caplog.records)
    assert laid_alone == [{"model", "faelles", "reflection", "back"}]  # the department's
    fresh = Session(CONTENT).build("leaflet", role="chef", department=DEPARTMENT,
                                   deliver=True)
    assert fresh.pdf == second.pdf
    assert second.texts == tuple(manifest_texts(second.pdf))
    # Only a delivered print leaflet reads them; a proof or a screen PDF does not.
    assert Session(CONTENT, jobs=1).build("leaflet", role="chef",
                                          department=DEPARTMENT).texts is None
    assert session.build("leaflet", "screen", role="chef", department=DEPARTMENT,
                         deliver=True).texts is None
    monkeypatch.setattr(Session, "_lay_out_shared", lambda self, *args: None)
    whole = Session(CONTENT, jobs=1).build("leaflet", role="chef", department=DEPARTMENT,
                                           deliver=True)
    assert _pixels(whole.pdf) == _pixels(second.pdf)
    assert _outline(whole.pdf) == _outline(second.pdf)
    assert [normalise(t) for t in page_texts_of(whole.pdf)] == \
        [normalise(t) for t in page_texts_of(second.pdf)]


def test_without_a_sound_department_the_leaflet_has_no_roles_part(tmp_path, caplog):
    """The leaflet without a department shares the role's pages with the first
    department's leaflet. With no department file, or a first one with a mistake, it
    is made without that part: the mistake is reported for that department's leaflet,
    not this one."""
    caplog.set_level(logging.INFO, logger="folder_builder")
    root = copy_content(tmp_path)
    files = sorted((root / "departments").glob("*.yaml"))
    files[0].write_text(files[0].read_text(encoding="utf-8").replace("name:", "\tname:", 1),
                        encoding="utf-8")
    session = Session(root, jobs=1)
    session.build("leaflet", role="chef", deliver=True)
    assert any(r.getMessage().startswith("parts") for r in caplog.records)
    with pytest.raises(ContentError) as failed:
        session.build("leaflet", role="chef", department=files[0].stem, deliver=True)
    assert "tab" in failed.value.report()
    for path in files:
        path.unlink()
    caplog.clear()
    alone = Session(root, jobs=1).build("leaflet", role="direktoer", deliver=True)
    assert alone.pages == 8
    assert not any("role" in r.getMessage() for r in caplog.records
                   if r.getMessage().startswith("parts"))


def test_a_proof_lays_the_roles_pages_out_with_its_own(caplog):
    """A proof (the studio's) is not delivered: its role's pages are laid out with the
    leaflet's own, whatever is kept, never as a part of their own."""
    caplog.set_level(logging.INFO, logger="folder_builder")
    earlier = Session(CONTENT, jobs=1)
    earlier.build("leaflet", role="chef", deliver=True)
    earlier.build("leaflet", role="medarbejder", department=DEPARTMENT, deliver=True)
    # A session with both parts kept and no earlier build to take pages from.
    session = Session(CONTENT, jobs=1)
    session.keep_shared_parts(earlier.shared_parts())
    caplog.clear()
    proof = session.build("leaflet", role="chef", department=DEPARTMENT)
    messages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("parts")]
    assert messages == [messages[0]] and "department's part kept" in messages[0], messages
    assert "role's" not in messages[0]
    assert proof.pages == 8


def _outline(pdf: bytes) -> list[tuple[str, int]]:
    """The bookmarks' titles and the index of the page each points at."""
    with pikepdf.open(BytesIO(pdf)) as document:
        pages = {page.objgen: index for index, page in enumerate(document.pages)}
        with document.open_outline() as outline:
            return [(item.title, pages[item.destination[0].objgen])
                    for item in outline.root]


def page_texts_of(pdf: bytes) -> list[str]:
    return [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf)]


def test_a_changed_layout_is_not_taken_from_the_shared_pages(tmp_path):
    """The shared part is laid out again after a stylesheet changed, though its HTML
    did not: the back page's text hidden shows on the next role's leaflet."""
    root = copy_content(tmp_path)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    style = layouts / "style.css"
    original = find_file(layout_dirs(None), "style.css").read_text(encoding="utf-8")
    style.write_text(original, encoding="utf-8")
    session = Session(root, layouts, jobs=1)
    first = session.build("leaflet", role="chef", department=DEPARTMENT, deliver=True)
    brief = "udfordrer den måde"
    assert brief in normalise(page_texts_of(first.pdf)[-1])
    style.write_text(original + "\n.synthesis-brief { display: none; }\n", encoding="utf-8")
    assert style in session.refresh()
    after = session.build("leaflet", role="medarbejder", department=DEPARTMENT, deliver=True)
    assert brief not in normalise(page_texts_of(after.pdf)[-1])


def test_a_role_whose_pages_grow_is_laid_out_whole(tmp_path, caplog):
    """Long notes make the role's pages grow: the parts disagree on where the chain
    lands, and the leaflet is laid out whole, grown by a sheet."""
    root = copy_content(tmp_path)
    note = ("Hos os betyder det, at vi drøfter udsagnet på hvert teammøde og skriver ned, "
            "hvad vi gør anderledes bagefter, og hvem der følger op på det næste gang.")
    content = load_content(root)
    ids = [s.id for s in content.statements if s.role == "chef"]
    (root / "departments" / "lang.yaml").write_text(
        "name: Afdeling Lang\nnotes:\n" + "".join(f"  {i}: {note}\n" for i in ids),
        encoding="utf-8")
    caplog.set_level(logging.INFO, logger="folder_builder")
    result = Session(root, jobs=1).build("leaflet", role="chef", department="lang",
                                         deliver=True)
    assert result.pages == 12
    assert any("disagree" in r.getMessage() and "whole" in r.getMessage()
               for r in caplog.records)


def test_a_proof_in_one_process_is_laid_out_whole_without_kept_shared_pages(caplog):
    """Two parts one after the other cost more than one whole layout: a proof in a
    session of one process (the studio's) is laid out whole unless the shared pages
    are kept, while a delivered leaflet is always in parts (its bytes)."""
    caplog.set_level(logging.INFO, logger="folder_builder")
    session = Session(CONTENT, jobs=1)
    session.build("leaflet", role="chef", department=DEPARTMENT)
    assert not any(r.getMessage().startswith("parts") for r in caplog.records)
    session.build("leaflet", role="chef", department="eksempel-skoleafdelingen",
                  deliver=True)
    assert any(r.getMessage().startswith("parts") for r in caplog.records)


def test_a_head_that_differs_by_role_shares_nothing(tmp_path, caplog):
    """Layouts that wrap the sections in an element of the role's (and style the shared
    pages by it) get those pages for their own role, as a whole layout gives them."""
    layouts = skeleton_override(
        tmp_path,
        '{% block body %}<div class="for-{{ subject.id if subject else product }}">'
        '{{ super() }}</div>{% endblock %}',
        ".for-chef .section-title { color: device-cmyk(0% 100% 100% 0%); }")
    caplog.set_level(logging.INFO, logger="folder_builder")
    session = Session(CONTENT, layouts, jobs=1)
    # the shared part would be the first role's (medarbejder's), unstyled
    session.build("leaflet", role="medarbejder", department=DEPARTMENT, deliver=True)
    second = session.build("leaflet", role="chef", department=DEPARTMENT, deliver=True)
    assert not any(r.getMessage().startswith("parts") for r in caplog.records)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Session, "_lay_out_shared", lambda self, *args: None)
        whole = Session(CONTENT, layouts, jobs=1).build(
            "leaflet", role="chef", department=DEPARTMENT, deliver=True)
    assert _pixels(whole.pdf) == _pixels(second.pdf)
