"""richtext.py: paragraphs, bullet lists, {pages:ID} and links in content text."""

from __future__ import annotations

import pytest

from folder_builder.model import BulletList, Link, PageRef, Paragraph, Text
from folder_builder.richtext import page_refs, parse, plain


def ok(source: str):
    blocks, problems = parse(source)
    assert problems == []
    return blocks


def test_paragraphs_are_split_by_blank_lines_and_lines_joined():
    blocks = ok("First line\ncontinues here.\n\nSecond paragraph.\n")
    assert blocks == (
        Paragraph((Text("First line continues here."),)),
        Paragraph((Text("Second paragraph."),)),
    )


def test_blank_lines_with_spaces_also_split_paragraphs():
    blocks = ok("One.\n   \t\nTwo.\n\n\n\nThree.")
    assert [b.parts[0].text for b in blocks] == ["One.", "Two.", "Three."]


def test_empty_source_has_no_blocks():
    assert ok("") == ()
    assert ok("\n\n  \n") == ()


def test_bullet_list_with_wrapped_item():
    blocks = ok("Intro:\n\n- one\n- two wraps\n  onto the next line\n- three\n\nAfter.")
    assert blocks == (
        Paragraph((Text("Intro:"),)),
        BulletList((
            (Text("one"),),
            (Text("two wraps onto the next line"),),
            (Text("three"),),
        )),
        Paragraph((Text("After."),)),
    )


def test_a_dash_inside_a_paragraph_is_not_a_list():
    blocks = ok("Compliance - and Performance\n- not a list after a text line")
    assert blocks == (
        Paragraph((Text("Compliance - and Performance - not a list after a text line"),)),
    )


def test_page_references():
    blocks = ok("See page {pages:roles} and {pages:perspectives-compliance}.")
    assert blocks == (
        Paragraph((
            Text("See page "), PageRef("roles"), Text(" and "),
            PageRef("perspectives-compliance"), Text("."),
        )),
    )
    assert page_refs(blocks) == ["roles", "perspectives-compliance"]


def test_page_reference_tolerates_spaces_inside_the_braces():
    assert ok("{ pages:notes }") == (Paragraph((PageRef("notes"),)),)


def test_page_references_in_lists_are_found():
    blocks = ok("- a {pages:faelles}\n- b {pages:synthesis}\n\nc {pages:back}")
    assert page_refs(blocks) == ["faelles", "synthesis", "back"]


def test_links_lose_trailing_punctuation():
    blocks = ok("Read https://example.org/a-b?c=1. Or (http://example.org/x), then stop!")
    parts = blocks[0].parts
    assert parts == (
        Text("Read "), Link("https://example.org/a-b?c=1"), Text(". Or ("),
        Link("http://example.org/x"), Text("), then stop!"),
    )


def test_link_stops_at_danish_quote():
    parts = ok("“https://lead.eu/ny-syntese” er linket")[0].parts
    assert parts == (Text("“"), Link("https://lead.eu/ny-syntese"), Text("” er linket"))


def test_plain_text_is_not_a_link():
    assert ok("www.example.org and mailto:x@y.dk") == (
        Paragraph((Text("www.example.org and mailto:x@y.dk"),)),)


@pytest.mark.parametrize(
    "token", ["{page:roles}", "{pages:Roles}", "{pages:}", "{}", "{name}", "{pages:a--b}"])
def test_unknown_placeholder_is_a_problem_and_kept_as_text(token):
    blocks, problems = parse(f"Before {token} after")
    assert problems == [
        (f"unknown placeholder '{token}'; the only one is {{pages:SECTION-ID}}", token)]
    assert plain(blocks) == f"Before {token} after"
    assert page_refs(blocks) == []


def test_every_unknown_placeholder_is_reported():
    _, problems = parse("{a} text\n\n- {b}\n- fine {pages:ok}")
    assert problems == [
        ("unknown placeholder '{a}'; the only one is {pages:SECTION-ID}", "{a}"),
        ("unknown placeholder '{b}'; the only one is {pages:SECTION-ID}", "{b}"),
    ]


def test_an_unpaired_brace_is_plain_text():
    assert ok("only { an opening brace") == (Paragraph((Text("only { an opening brace"),)),)
    assert ok("only } a closing one") == (Paragraph((Text("only } a closing one"),)),)


def test_plain_drops_page_refs_and_keeps_urls():
    blocks = ok("Side {pages:roles}: se https://x.dk\n\n- punkt")
    assert plain(blocks) == "Side : se https://x.dk\npunkt"

