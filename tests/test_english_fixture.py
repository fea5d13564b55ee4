"""A complete, small English content set (tests/fixtures/english) builds with the
bundled layouts: nothing Danish, nothing about the bundled folder, is hard-wired."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from conftest import CONTENT, FIXTURES, fold, page_texts, spread_text
from folder_builder.build import BuildOptions, build
from folder_builder.content import load_content

ENGLISH = FIXTURES / "english"


@pytest.fixture(scope="module")
def english():
    return load_content(ENGLISH)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    output = tmp_path_factory.mktemp("english") / "english.pdf"
    [result] = build(BuildOptions(content=ENGLISH, output=output))
    return result, page_texts(result.path)


def role_section(content, role_id: str) -> str:
    """The section showing ``role_id``: its own plan entry if shared, else its repetition."""
    if content.role(role_id).shared:
        return next(spec.id for spec in content.plans["folder"] if spec.role == role_id)
    return f"roles-{role_id}"


def test_fixture_is_a_different_content_set(english):
    danish = load_content(CONTENT)
    assert english.publication.language == "en"
    assert len(english.perspectives) == 3
    assert len(english.roles) == 4
    assert [r.id for r in english.roles if r.shared] == ["everyone"]
    assert english.role("everyone").heading
    assert not {p.id for p in english.perspectives} & {p.id for p in danish.perspectives}
    assert not {p.colour for p in english.perspectives} & {p.colour for p in danish.perspectives}
    assert len({p.colour for p in english.perspectives}) == 3
    for role in english.roles:
        for perspective in english.perspectives:
            assert 1 <= len(english.statements_for(role, perspective)) <= 3


def test_page_count_is_whole_sheets(built):
    result, texts = built
    assert result.pages % 4 == 0
    assert result.pages == len(texts) == len(PdfReader(result.path).pages) == 20


def test_every_statement_is_on_its_role_and_perspective_spreads(built, english):
    result, texts = built
    missing = []
    for statement in english.statements:
        role_pages = result.landings[role_section(english, statement.role)]
        perspective_pages = result.landings[f"perspectives-{statement.perspective}"]
        if statement.text not in spread_text(texts, role_pages):
            missing.append((statement.id, "role", role_pages))
        if statement.text not in spread_text(texts, perspective_pages):
            missing.append((statement.id, "perspective", perspective_pages))
    assert missing == []


def test_headings_are_on_their_spreads(built, english):
    result, texts = built
    for role in english.roles:
        first, _ = result.landings[role_section(english, role.id)]
        assert fold(role.title) in fold(texts[first - 1]), role.id
    for perspective in english.perspectives:
        first, last = result.landings[f"perspectives-{perspective.id}"]
        assert fold(perspective.heading) in fold(texts[first - 1]), perspective.id
        chain = fold(spread_text(texts, (first, last)))
        assert all(fold(role.name) in chain for role in english.roles)


def test_no_danish_role_name_appears(built):
    _, texts = built
    danish = load_content(CONTENT)
    names = {fold(role.name) for role in danish.roles} | {
        fold(role.title) for role in danish.roles}
    text = fold(" ".join(texts))
    found = sorted(n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text))
    assert found == []


def test_nothing_of_the_bundled_publication_leaks_in(built):
    _, texts = built
    danish = load_content(CONTENT)
    text = fold(" ".join(texts))
    for words in [danish.publication.title, danish.publication.organisation,
                  *(p.heading for p in danish.perspectives),
                  *(p.model for p in danish.perspectives)]:
        assert fold(words) not in text, words


def test_guide_page_refs_point_at_the_landings(built):
    result, texts = built
    landings = result.landings
    roles = [v for k, v in landings.items() if k.startswith("roles-")]
    perspectives = [v for k, v in landings.items() if k.startswith("perspectives-")]
    expected = [
        "5",
        f"{min(f for f, _ in roles)}–{max(last for _, last in roles)}",
        f"{min(f for f, _ in perspectives)}–{max(last for _, last in perspectives)}",
        str(landings["synthesis"][0]),
    ]
    assert expected == ["5", "6–11", "12–17", "18"]
    text = texts[landings["guide"][0] - 1]
    found = re.findall(r"On pages? (\d+(?:\s*[-–]\s*\d+)?)(?!\d)", text)
    assert [re.sub(r"\s*[-–]\s*", "–", ref) for ref in found] == expected, text


def test_pdf_metadata_is_english(built, english):
    result, _ = built
    reader = PdfReader(result.path)
    assert reader.metadata.title == english.publication.title == "Working Together"
    assert reader.trailer["/Root"]["/Lang"] == "en"
