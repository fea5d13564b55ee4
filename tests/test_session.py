"""The Session API: load once, build many times, re-read only what changed."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import CONTENT, LAYOUTS, copy_content, edit, normalise
from folder_builder import Session
from folder_builder.cli import main
from folder_builder.errors import ContentError, InputError, LayoutError
from folder_builder.preflight import preflight

NEW_WORDS = "Jeg holder styr på budgettet hver eneste uge sammen med alle mine ledere."


def texts_of(pdf: bytes) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, Path]:
    """One session over a private content copy, the print folder built once."""
    root = copy_content(tmp_path_factory.mktemp("session"))
    session = Session(content=root, jobs=1)
    return session, root


def test_first_build_is_a_preflighted_folder_with_every_page_changed(warm):
    session, _ = warm
    result = session.build("folder", variant="print")
    assert result.pages == 28
    assert result.variant == "print"
    assert result.report.passed, result.report.format()
    assert result.changed_pages == frozenset(range(1, 29))
    assert result.landings["roles-chef"][1] - result.landings["roles-chef"][0] == 1
    assert preflight(result.pdf, "print").passed
    assert result.pdf.startswith(b"%PDF-")


def test_nothing_changed_means_no_changed_pages(warm):
    session, _ = warm
    assert session.refresh() == frozenset()
    result = session.build("folder", variant="print")
    assert result.changed_pages == frozenset()


def test_a_statement_edit_is_picked_up_by_refresh_and_changes_only_its_spread(warm):
    session, root = warm
    before = session.build("folder", variant="print")
    path = root / "statements" / "chef.yaml"
    edit(path, "chef-compliance-2: Jeg bidrager til sammenhængskraften på tværs af "
         "forvaltninger.", f"chef-compliance-2: {NEW_WORDS}")
    assert session.refresh() == frozenset({path.resolve()})
    assert session.refresh() == frozenset()  # once only
    result = session.build("folder", variant="print")
    first, last = result.landings["roles-chef"]
    texts = texts_of(result.pdf)
    assert NEW_WORDS in " ".join(texts[first - 1:last])
    # The chef spread changed, and the perspective spread that quotes the statement in
    # the chain of roles; nothing else.
    assert result.changed_pages & set(range(first, last + 1))
    compliance = range(result.landings["perspectives-compliance"][0],
                       result.landings["perspectives-compliance"][1] + 1)
    assert result.changed_pages <= set(range(first, last + 1)) | set(compliance)
    assert result.landings == before.landings


def test_print_settings_that_finishing_applies_change_every_page(tmp_path):
    """Crop marks are drawn when the PDF is finished, on pages laid out as before:
    switching them off still changes every page a proof view shows."""
    root = copy_content(tmp_path)
    session = Session(content=root, jobs=1)
    session.build("folder", variant="print")
    edit(root / "print.yaml", "marks: true", "marks: false")
    assert session.refresh()
    result = session.build("folder", variant="print")
    assert result.changed_pages == frozenset(range(1, 29))
    assert session.build("folder", variant="print").changed_pages == frozenset()


def test_invalid_content_keeps_the_last_good_state_and_a_fix_recovers(warm):
    session, root = warm
    path = root / "perspectives.yaml"
    good = path.read_text(encoding="utf-8")
    edit(path, "heading: Sammen sikrer vi driften", "heding: Sammen sikrer vi driften")
    with pytest.raises(ContentError) as caught:
        session.refresh()
    assert any(p.path is not None and p.path.name == "perspectives.yaml"
               and "did you mean 'heading'" in p.message for p in caught.value.problems)
    # Still the last good content, and it still builds.
    assert session.content.perspectives[0].heading == "Sammen sikrer vi driften"
    with pytest.raises(ContentError):
        session.refresh()  # still broken: still reported
    path.write_text(good.replace("Sammen sikrer vi driften", "Sammen sikrer vi hverdagen"),
                    encoding="utf-8")
    assert session.refresh() == frozenset({path.resolve()})
    assert session.content.perspectives[0].heading == "Sammen sikrer vi hverdagen"


def test_leaflet_note_edit_and_departments(warm):
    session, root = warm
    listed = session.departments()
    assert [d.id for d in listed] == ["eksempel-dagtilbud-nord", "eksempel-skoleafdelingen"]
    assert listed[0].name == "Dagtilbud Nord (eksempel)"
    first = session.build("leaflet", variant="print", role="chef",
                          department="eksempel-dagtilbud-nord")
    assert first.pages == 8 and first.changed_pages == frozenset(range(1, 9))
    path = root / "departments" / "eksempel-dagtilbud-nord.yaml"
    edit(path, "budgettet gennemgås med hver leder hvert kvartal",
         "budgettet gennemgås med hver leder hver eneste måned")
    assert session.refresh() == frozenset({path.resolve()})
    again = session.build("leaflet", variant="print", role="chef",
                          department="eksempel-dagtilbud-nord")
    assert "hver eneste måned" in " ".join(texts_of(again.pdf))
    # The note is on the role's own pages; the cover, the model page and the back
    # page are the same as before.
    assert again.changed_pages and len(again.changed_pages) < again.pages
    assert 1 not in again.changed_pages and again.pages not in again.changed_pages
    # Another product key has its own history: the plain leaflet is all new.
    plain = session.build("leaflet", variant="print", role="chef")
    assert plain.changed_pages == frozenset(range(1, plain.pages + 1))


def test_deliver_gives_the_bytes_of_a_cold_command_line_build(warm, tmp_path):
    session, root = warm
    delivered = session.build("folder", variant="print", deliver=True)
    target = tmp_path / "folder.pdf"
    assert main(["build", "--content", str(root), "-o", str(target), "--jobs", "1"]) == 0
    assert target.read_bytes() == delivered.pdf
    # a proof of the same content is the same pages, kept uncompressed in memory
    proof = Session(content=root, jobs=1).build("folder", variant="print")
    assert texts_of(proof.pdf) == texts_of(delivered.pdf)
    assert len(proof.pdf) > 2 * len(delivered.pdf)
    assert b"/FlateDecode" not in proof.pdf and b"/FlateDecode" in delivered.pdf


def test_screen_variant_and_bad_arguments(warm):
    session, _ = warm
    result = session.build("folder", variant="screen")
    assert result.variant == "screen" and result.pages == 28
    assert preflight(result.pdf, "screen").passed
    with pytest.raises(InputError, match="unknown product"):
        session.build("poster")
    with pytest.raises(InputError, match="unknown variant"):
        session.build("folder", variant="cmyk")
    with pytest.raises(InputError, match="one role"):
        session.build("leaflet")
    with pytest.raises(InputError, match="no role"):
        session.build("leaflet", role="astronaut")


def test_strict_false_returns_a_failed_report_instead_of_raising(tmp_path):
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    css = (LAYOUTS / "style.css").read_text(encoding="utf-8")
    (layouts / "style.css").write_text(css + "\nbody { color: rgb(200, 0, 0); }\n",
                                       encoding="utf-8")
    session = Session(content=CONTENT, layouts=layouts, jobs=1)
    result = session.build("leaflet", variant="print", role="chef", strict=False)
    assert not result.report.passed
    assert any(failure.name == "colour" for failure in result.report.failures)
    from folder_builder.errors import PreflightError

    with pytest.raises(PreflightError):
        session.build("leaflet", variant="print", role="chef")


def test_a_missing_content_folder_is_a_content_error(tmp_path):
    with pytest.raises(ContentError):
        Session(content=tmp_path / "nowhere")
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_delivered_pdf_depends_on_its_files_not_on_where_they_are(tmp_path):
    """The screen leaflet links its department's logo by path; its identifiers (XMP
    DocumentID, trailer /ID) count the logo by its bytes. The same content in two
    folders gives the same bytes (it gave other identifiers), and a logo replaced
    under the same name gives other identifiers (it gave the same)."""
    import pikepdf

    def screen_leaflet(root: Path) -> bytes:
        return Session(content=root, jobs=1).build(
            "leaflet", "screen", role="chef", department="eksempel-dagtilbud-nord",
            deliver=True).pdf

    def identifiers(pdf: bytes) -> tuple[bytes, str]:
        with pikepdf.open(io.BytesIO(pdf)) as opened:
            packet = bytes(opened.Root.Metadata.read_bytes())
            return bytes(opened.trailer.ID[0]), packet.split(b"DocumentID>")[1][:45].decode()

    here = copy_content(tmp_path / "here")
    there = copy_content(tmp_path / "somewhere" / "else")
    first = screen_leaflet(here)
    assert b"file://" not in first
    assert screen_leaflet(there) == first
    logo = here / "departments" / "logos" / "eksempel-dagtilbud-nord.svg"
    logo.write_text(logo.read_text(encoding="utf-8").replace('width="120"', 'width="121"'),
                    encoding="utf-8")
    changed = screen_leaflet(here)
    assert identifiers(changed)[0] != identifiers(first)[0]
    assert identifiers(changed)[1] != identifiers(first)[1]


def test_a_print_pdf_counts_its_output_profile_by_its_bytes_not_its_path(tmp_path):
    """print.yaml names the print shop's profile by a path inside the content, which
    is read as a whole path: a print PDF's identifiers counted that path, so the same
    content in two folders gave two PDFs. They count the profile's bytes: the same
    PDF from both folders, and other identifiers for another profile of that name."""
    import pikepdf

    from folder_builder.paths import DEFAULT_PROFILE

    def with_profile(root: Path) -> Path:
        (root / "print").mkdir()
        shutil.copy(DEFAULT_PROFILE, root / "print" / "trykkeri.icc")
        with (root / "print.yaml").open("a", encoding="utf-8") as settings:
            settings.write("\nprofile: print/trykkeri.icc\n")
        return root

    def print_leaflet(root: Path) -> bytes:
        return Session(content=root, jobs=1).build("leaflet", "print", role="chef",
                                                   deliver=True).pdf

    def trailer_id(pdf: bytes) -> bytes:
        with pikepdf.open(io.BytesIO(pdf)) as opened:
            return bytes(opened.trailer.ID[0])

    here = with_profile(copy_content(tmp_path / "here"))
    there = with_profile(copy_content(tmp_path / "somewhere" / "else"))
    first = print_leaflet(here)
    assert print_leaflet(there) == first
    profile = here / "print" / "trykkeri.icc"
    profile.write_bytes(profile.read_bytes() + b"\0")  # the same profile, other bytes
    assert trailer_id(print_leaflet(here)) != trailer_id(first)


def test_a_warmed_up_session_parses_no_stylesheet_again_and_gives_the_same_bytes(
        monkeypatch):
    """warm_up (a batch does it before forking its workers, a studio worker before its
    first proof) parses each variant's stylesheets and loads their fonts once: the
    leaflet built after it parses none, and has the bytes of one built without it."""
    import weasyprint

    unwarmed = Session(content=CONTENT, jobs=1).build(
        "leaflet", "print", role="chef", deliver=True).pdf
    session = Session(content=CONTENT, jobs=1)
    session.warm_up(["print", "screen"])
    parsed = []

    class Counted(weasyprint.CSS):
        def __init__(self, *args, **kwargs):
            parsed.append(kwargs.get("filename") or "a string")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", Counted)
    assert session.build("leaflet", "print", role="chef", deliver=True).pdf == unwarmed
    session.build("leaflet", "screen", role="chef", deliver=True)
    assert parsed == []
    assert Session(content=CONTENT, jobs=1).build("leaflet", "print", role="chef").pages
    assert parsed  # a session that did not warm up parses them


def test_a_layout_that_fails_fails_in_the_build_not_in_the_warm_up(tmp_path):
    """The warm-up's probe is no build: a stylesheet that cannot load fails the build
    that needs it, with the message, and not the warm-up."""
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    css = (LAYOUTS / "style.css").read_text(encoding="utf-8")
    (layouts / "style.css").write_text(
        css + '\n@font-face { font-family: Gone; src: url("gone.woff2"); }\n'
        "body { font-family: Gone, serif; }\n", encoding="utf-8")
    session = Session(content=CONTENT, layouts=layouts, jobs=1)
    session.warm_up()
    with pytest.raises(LayoutError) as failed:
        session.build("leaflet", "print", role="chef")
    assert "gone.woff2" in failed.value.report() and "'Gone'" in failed.value.report()


def test_a_render_is_kept_until_what_it_is_made_from_changes(tmp_path, monkeypatch):
    """A delivered leaflet renders two other leaflets to find its shared parts; the
    session keeps renders, so the next role's leaflet renders only what it has not
    seen, and a department's edit renders that department's leaflets again (its
    words show) while the leaflet without a department is kept."""
    from folder_builder import render

    made = []
    real = render.Renderer.__init__

    def counted(self, env, content, product, *, role=None, context=None, **kwargs):
        made.append((role.id if role else None, context.get("department") is not None))
        real(self, env, content, product, role=role, context=context, **kwargs)

    monkeypatch.setattr(render.Renderer, "__init__", counted)
    root = copy_content(tmp_path)
    session = Session(root, jobs=1)
    nord = "eksempel-dagtilbud-nord"
    session.build("leaflet", role="chef", department=nord, deliver=True)
    made.clear()
    session.build("leaflet", role="direktoer", department=nord, deliver=True)
    # itself and its role's leaflet without a department; the first role's for the
    # department was rendered for the chef's leaflet
    assert sorted(made) == [("direktoer", False), ("direktoer", True)]
    made.clear()
    session.build("leaflet", role="direktoer", department=nord, deliver=True)
    assert made == []
    path = root / "departments" / f"{nord}.yaml"
    edit(path, "budgettet gennemgås med hver leder hvert kvartal",
         "budgettet gennemgås med hver leder hver eneste måned")
    assert session.refresh() == frozenset({path.resolve()})
    made.clear()
    chef = session.build("leaflet", role="chef", department=nord, deliver=True)
    assert "hver eneste måned" in " ".join(texts_of(chef.pdf))
    assert ("chef", True) in made and ("chef", False) not in made
