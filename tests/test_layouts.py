"""templates.py / render.py: user layouts override the bundled ones file by file;
templates are strict (undefined variables fail) and autoescaped."""

from __future__ import annotations

import shutil

import pytest

from conftest import CONTENT, LAYOUTS, copy_content, edit, line_of, page_texts, spread_text, squeeze
from folder_builder.build import BuildOptions, build, validate
from folder_builder.content import load_content
from folder_builder.errors import ContentError, InputError, LayoutError
from folder_builder.render import render_html
from folder_builder.templates import STYLESHEET, environment, find_file, layout_dirs

PARTIAL = "partials/statements.html.j2"
BUNDLED_ITEM = ('<li class="statement" data-statement="{{ statement.id }}">'
                '{{ statement.text|addresses }}')
# The marker is positioned absolutely so that it takes no room: the folder still fits.
USER_ITEM = ('<li class="statement user-statement" data-statement="{{ statement.id }}">'
             '{{ statement.text|addresses }}<span class="user-marker" style="position: absolute">'
             '&#160;[user]</span>')
MARKER = "[user]"
SCRIPT = 'Jeg skaber <script>alert(1)</script> og <img src="x"> retning.'


def user_layouts(tmp_path):
    """A layouts folder holding only a changed copy of the statements partial."""
    folder = tmp_path / "my-layouts"
    (folder / "partials").mkdir(parents=True)
    shutil.copyfile(LAYOUTS / PARTIAL, folder / PARTIAL)
    edit(folder / PARTIAL, BUNDLED_ITEM, USER_ITEM)
    return folder


def write_template(folder, name: str, text: str):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the search order --------------------------------------------------------------


def test_layout_dirs_put_the_users_folder_first(tmp_path):
    folder = user_layouts(tmp_path)
    assert layout_dirs(None) == (LAYOUTS,)
    assert layout_dirs(folder) == (folder.resolve(), LAYOUTS)


def test_layout_dirs_refuse_a_missing_folder(tmp_path):
    with pytest.raises(InputError, match="the layouts folder does not exist"):
        layout_dirs(tmp_path / "nope")


def test_stylesheet_falls_back_to_the_bundled_one(tmp_path):
    folder = user_layouts(tmp_path)
    assert find_file(layout_dirs(folder), STYLESHEET) == LAYOUTS / STYLESHEET
    write_template(folder, STYLESHEET, "@page { size: A4; }\n")
    assert find_file(layout_dirs(folder), STYLESHEET) == folder.resolve() / STYLESHEET


def test_user_partial_is_used_and_the_rest_is_bundled(tmp_path):
    content = load_content(CONTENT)
    folder = user_layouts(tmp_path)
    html, secs = render_html(content, "folder", environment(layout_dirs(folder)))
    # every statement is shown twice (role spread and perspective spread), all by the
    # user's partial
    assert html.count('class="statement user-statement"') == 2 * len(content.statements)
    assert 'class="statement"' not in html
    # the product skeleton and the section layouts are the bundled ones
    bundled, _ = render_html(content, "folder", environment(layout_dirs(None)))
    assert html.replace(" user-statement", "").replace(
        '<span class="user-marker" style="position: absolute">&#160;[user]</span>', "") == bundled
    assert [s.id for s in secs][:2] == ["cover", "foreword"]


# --- a full build with user layouts and hostile text ----------------------------------


@pytest.fixture(scope="module")
def user_build(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("user-layouts")
    folder = user_layouts(tmp_path)
    root = copy_content(tmp_path)
    edit(root / "statements" / "leder-af-leder.yaml",
         "leder-af-leder-performance-2: Jeg skaber rammer og sætter retning.",
         f"leder-af-leder-performance-2: {SCRIPT}")
    [result] = build(BuildOptions(content=root, layouts=folder, output=tmp_path / "out.pdf"))
    return result, page_texts(result.path)


def test_full_build_uses_the_user_partial(user_build):
    result, texts = user_build
    assert result.pages == 28
    content = load_content(CONTENT)
    assert sum(t.count(MARKER) for t in texts) == 2 * len(content.statements)
    # the marker follows each statement, on both of its spreads
    for statement in content.statements_for("chef", "compliance"):
        for section in ("roles-chef", "perspectives-compliance"):
            text = spread_text(texts, result.landings[section])
            assert f"{statement.text} {MARKER}" in text, (statement.id, section)


def test_markup_in_content_is_printed_as_text(user_build):
    result, texts = user_build
    for section in ("roles-leder-af-leder", "perspectives-performance"):
        text = squeeze(spread_text(texts, result.landings[section]))
        assert squeeze(f"{SCRIPT} {MARKER}") in text, section


def test_markup_in_content_is_escaped_in_the_html(tmp_path):
    root = copy_content(tmp_path)
    edit(root / "statements" / "leder-af-leder.yaml",
         "leder-af-leder-performance-2: Jeg skaber rammer og sætter retning.",
         f"leder-af-leder-performance-2: {SCRIPT}")
    content = load_content(root)
    html, _ = render_html(content, "folder", environment(layout_dirs(None)))
    escaped = ("Jeg skaber &lt;script&gt;alert(1)&lt;/script&gt; og "
               "&lt;img src=&#34;x&#34;&gt; retning.")
    assert html.count(escaped) == 2
    assert "<script" not in html
    assert "<img" not in html


# --- strict templates ------------------------------------------------------------------


def test_undefined_variable_is_a_layout_error_naming_the_template(tmp_path):
    folder = tmp_path / "my-layouts"
    path = write_template(folder, "sections/notes.html.j2",
                          '<div class="notes">\n<p>{{ publication.title }}</p>\n'
                          "<p>{{ publication.editor }}</p>\n</div>\n")
    content = load_content(CONTENT)
    with pytest.raises(LayoutError) as info:
        render_html(content, "folder", environment(layout_dirs(folder)))
    error = info.value
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert problem.path is not None and problem.path.resolve() == path.resolve()
    assert problem.line == 3
    assert "editor" in problem.message
    assert "notes.html.j2:3" in error.report()


def test_undefined_variable_stops_the_build_before_anything_is_written(tmp_path):
    folder = tmp_path / "my-layouts"
    write_template(folder, "sections/cover.html.j2", "<p>{{ subtitle }}</p>\n")
    target = tmp_path / "out.pdf"
    with pytest.raises(LayoutError) as info:
        build(BuildOptions(layouts=folder, output=target))
    assert "cover.html.j2:1" in info.value.report()
    assert "'subtitle' is undefined" in info.value.report()
    assert not target.exists()


def test_template_syntax_error_is_reported_with_file_and_line(tmp_path):
    folder = tmp_path / "my-layouts"
    write_template(folder, "sections/notes.html.j2", "<div>\n{% if %}\n</div>\n")
    with pytest.raises(ContentError) as info:
        validate(BuildOptions(layouts=folder))
    problems = [p for p in info.value.problems if p.path and p.path.name == "notes.html.j2"]
    assert len(problems) == 1, info.value.report()
    assert problems[0].line == 2
    assert "template error" in problems[0].message


def test_unknown_layout_in_the_plan_is_a_content_error(tmp_path):
    root = copy_content(tmp_path)
    plan = root / "plan.yaml"
    edit(plan, "layout: notes", "layout: nosuchlayout")
    with pytest.raises(ContentError) as info:
        validate(BuildOptions(content=root))
    error = info.value
    assert len(error.problems) == 1, error.report()
    problem = error.problems[0]
    assert problem.path.name == "plan.yaml"
    assert problem.line == line_of(plan, "- id: notes")
    assert problem.field == "layout"
    assert "unknown layout 'nosuchlayout'" in problem.message
    assert "sections/nosuchlayout.html.j2" in problem.message
    assert f"plan.yaml:{problem.line}: layout: unknown layout" in error.report()
