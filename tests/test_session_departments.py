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
