"""What a warm build must know of the layouts: the page total, values carried from
page to page (crosspage.py), and a section's page parts (render.page_parts)."""

from __future__ import annotations

import pytest

from folder_builder.crosspage import traits
from folder_builder.render import mixed_pages, page_parts
from folder_builder.templates import layout_dirs, stylesheets


def bundled() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in stylesheets(layout_dirs(None))]


def test_the_bundled_layouts_print_no_total_carry_nothing_and_give_parts_pages():
    read = traits(bundled())
    assert not read.page_total and not read.carries and read.parts_start_pages


@pytest.mark.parametrize(("extra", "own_pages"), [
    ("", True),
    (".page-part.continued { page-break-before: always !important; }", True),
    (".page-part.continued { break-before: auto; }", False),  # parts may share a page
    (".layout-role .page-part { break-before: avoid; }", False),
    ("@import url(more.css);", False),
])
def test_page_parts_are_pages_of_their_own_only_where_a_rule_says_so(extra, own_pages):
    assert traits([*bundled(), extra]).parts_start_pages is own_pages
    assert not traits(["p { color: red; }"]).parts_start_pages  # no rule at all


@pytest.mark.parametrize(("css", "total"), [
    ("@page { @bottom-right { content: counter(page) ' / ' counter(pages); } }", True),
    ("@media print { @page :left { @top-left { content: counters(pages, '.'); } } }", True),
    ("/* no counter(pages) here */ p { color: red; }", False),
    ("p::after { content: 'counter(pages)'; }", False),  # a string, not the counter
    ("@import url(more.css);", True),  # unknown: the safe answer
])
def test_the_page_total_is_read_from_declarations(css, total):
    assert traits([css]).page_total is total


@pytest.mark.parametrize(("css", "carried"), [
    ("body { string-set: title attr(data-title); }", False),
    (".section, section[data-title] { string-set: s attr(data-title); }", False),
    ("h2 { string-set: heading content(); }", True),
    (".section h2 { string-set: heading content(); }", True),
    ("body { counter-reset: n; } li { counter-increment: n; }", True),
    ("@media print { li { counter-increment: n; } }", True),
    (".head { position: running(head); }", True),
    (".note { float: footnote; }", True),
    ("/* counter-increment: n; */ p { color: red; }", False),
    ("@import url(more.css);", True),
])
def test_values_carried_from_page_to_page_are_found(css, carried):
    assert traits([css]).carries is carried


SECTION = ('<section id="s" class="section">\n'
           '<div class="page-part spread-page"><div><p>one</p></div></div>\n'
           '<div class="page-part continued"><p>two</p><div></div></div>\n'
           '<div id="s-end" class="section-end"></div>\n</section>\n')


def test_a_section_is_cut_into_its_page_parts_and_joins_up_again():
    opening, parts, closing = page_parts(SECTION)
    assert opening + "".join(parts) + closing == SECTION
    assert parts[0].endswith("</div></div>\n") and parts[1].endswith("<div></div></div>\n")
    assert "one" in parts[0] and "two" in parts[1] and "s-end" in closing


@pytest.mark.parametrize("fragment", [
    '<section id="s"><p>no page parts</p></section>',
    '<section id="s"><div class="page-part"><p>one</p></div><p>between</p>'
    '<div class="page-part continued"><p>two</p></div></section>',
    '<section id="s"><div class="page-part"><div><p>never closed</p></div></section>',
])
def test_parts_that_are_not_side_by_side_are_not_cut(fragment):
    assert page_parts(fragment) is None


def test_only_the_changed_page_parts_stay_and_the_rest_are_stood_in():
    stand_in = ('<section id="s" class="section layout-stand-in">\n'
                '<div class="page-part folder-builder-stand-in-first"></div>\n'
                '<div class="page-part continued folder-builder-stand-in"></div>\n'
                '<div id="s-end" class="section-end"></div>\n</section>\n')
    edited = SECTION.replace("two", "two, edited")
    mixed, changed = mixed_pages(edited, SECTION, stand_in)
    assert changed == (1,)
    assert "one" not in mixed and "two, edited" in mixed
    assert "folder-builder-stand-in-first" in mixed and 'class="section"' in mixed
    assert mixed_pages(SECTION, SECTION, stand_in) is None  # nothing changed
    both = SECTION.replace("one", "one, edited").replace("two", "two, edited")
    assert mixed_pages(both, SECTION, stand_in) is None  # every part changed
    three = SECTION.replace("</section>", '<div class="page-part continued"></div></section>')
    assert mixed_pages(edited, three, stand_in) is None  # parts do not match one to one
