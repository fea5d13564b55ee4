"""The warm session and the studio's saves: a department file that changed is
re-read when a leaflet asks for it, without loading the content again, and the studio's
kept versions (a hidden folder) are no change at all."""

from __future__ import annotations

from conftest import copy_content, page_texts
from folder_builder import Session


def test_a_saved_department_is_reread_without_reloading_the_content(tmp_path):
    content = copy_content(tmp_path)
    session = Session(content=content)
    path = content / "departments" / "eksempel-skoleafdelingen.yaml"
    session.build("leaflet", variant="screen", role="chef",
                  department="eksempel-skoleafdelingen")
    loaded = session.content
    text = path.read_text("utf-8").replace("Skolechef Bo Eksempel", "Skolechef Ny Person")
    path.write_text(text, "utf-8")
    history = content / "departments" / ".history" / "eksempel-skoleafdelingen"
    history.mkdir(parents=True)
    (history / "20261129T120000.000000Z-previous.yaml").write_text("name: x\n", "utf-8")
    assert session.refresh() == frozenset({path.resolve()})
    assert session.content is loaded  # nothing loaded up front has changed
    result = session.build("leaflet", variant="screen", role="chef",
                           department="eksempel-skoleafdelingen")
    out = tmp_path / "l.pdf"
    out.write_bytes(result.pdf)
    assert "Skolechef Ny Person" in page_texts(out)[-1]
    # a change to the central content is loaded again
    roles = content / "roles.yaml"
    roles.write_text(roles.read_text("utf-8") + "\n", "utf-8")
    assert roles.resolve() in session.refresh()
    assert session.content is not loaded


def test_a_departments_characters_are_checked_not_the_contents_again(tmp_path):
    """A department is checked for characters the fonts lack in its own texts only: the
    content's were checked when it was loaded, so a note edited in a proof or the studio
    does not check the 84 statements again."""
    import pytest

    from conftest import FONTS
    from folder_builder.content import load_content, load_department
    from folder_builder.errors import ContentError
    from folder_builder.glyphs import check_glyphs

    root = copy_content(tmp_path)
    path = root / "departments" / "eksempel-skoleafdelingen.yaml"
    clean = load_department(path, load_content(root))
    statements = root / "statements" / "chef.yaml"
    statements.write_text(statements.read_text("utf-8").replace(
        "Jeg bidrager til", "Jeg bidrager \U0001F600 til"), "utf-8")
    content = load_content(root)  # loading alone does not check characters
    with pytest.raises(ContentError) as info:
        check_glyphs(content, (FONTS,))
    assert "U+1F600" in info.value.report() and "chef.yaml" in info.value.report()
    check_glyphs(content, (FONTS,), clean)  # the department's own texts are fine
    path.write_text(path.read_text("utf-8").replace(
        "Skolechef Bo Eksempel", "Skolechef Bo \U0001F642 Eksempel"), "utf-8")
    with pytest.raises(ContentError) as info:
        check_glyphs(content, (FONTS,), load_department(path, content))
    report = info.value.report()
    assert "U+1F642" in report and "eksempel-skoleafdelingen.yaml" in report
    assert "U+1F600" not in report
