"""A designer restyles without touching Python or copying the skeleton: an extra.css
loaded after style.css, blocks in the document skeleton, the page size in the CSS."""

from __future__ import annotations

import pikepdf
import pytest

from conftest import CONTENT, LAYOUTS, skeleton_override
from folder_builder import Session
from folder_builder.cli import main
from folder_builder.preflight import preflight

MM = 72 / 25.4


def _trim_mm(pdf: pikepdf.Pdf) -> set[tuple[float, float]]:
    sizes = set()
    for page in pdf.pages:
        x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
        sizes.add((round((x1 - x0) / MM, 1), round((y1 - y0) / MM, 1)))
    return sizes


def test_extra_css_can_make_the_product_a4_and_it_preflights_as_a4(tmp_path, capsys):
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "extra.css").write_text("@page { size: A4; }\n", encoding="utf-8")
    result = Session(CONTENT, layouts, jobs=1).build("leaflet", "print", role="chef")
    assert result.report.passed, result.report.format()
    assert "210.0 × 297.0 mm on all" in result.report.format()
    target = tmp_path / "a4.pdf"
    target.write_bytes(result.pdf)
    with pikepdf.open(target) as pdf:
        assert _trim_mm(pdf) == {(210.0, 297.0)}
    # `check` takes the size to expect: A4 passes as A4 and fails as A5.
    assert main(["check", str(target), "--trim", "210x297"]) == 0
    assert main(["check", str(target), "--trim", "148x210"]) == 1
    assert "expected 148.0 × 210.0 mm" in capsys.readouterr().out
    assert main(["check", str(target), "--trim", "A4"]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def test_the_bundled_leaflet_is_a5(tmp_path):
    result = Session(CONTENT, jobs=1).build("leaflet", "print", role="chef")
    assert "148.0 × 210.0 mm on all 8 pages" in result.report.format()
    assert preflight(result.pdf, "print", trim_mm=(148, 210)).passed


def test_a_skeleton_block_is_overridden_without_copying_the_skeleton(tmp_path):
    layouts = skeleton_override(
        tmp_path, '{% block head %}{{ super() }}<meta name="keywords" content="{{ product }}">'
        '{% endblock %}')
    session = Session(CONTENT, layouts, jobs=1)
    result = session.build("leaflet", "print", role="chef")
    assert '<meta name="keywords" content="leaflet">' in result.html
    assert result.html.count("<section ") == len(result.landings)
    assert result.report.passed


def test_extra_css_comes_after_style_css(tmp_path):
    from folder_builder.templates import layout_dirs, stylesheets

    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "extra.css").write_text("p { color: red; }\n", encoding="utf-8")
    sheets = stylesheets(layout_dirs(layouts))
    names = [path.name for path in sheets]
    assert names.index("style.css") < names.index("extra.css")
    assert sheets[names.index("style.css")] == LAYOUTS / "style.css"


def test_the_stand_in_template_is_not_the_designers():
    assert not (LAYOUTS / "sections" / "stand-in.html.j2").exists()


@pytest.mark.parametrize("size", ["0x210", "148", "x", "0.0x5"])
def test_a_bad_trim_size_is_refused_clearly(size, capsys, tmp_path):
    assert main(["check", str(tmp_path / "none.pdf"), "--trim", size]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
