"""The reflection page takes up to twelve questions: its ruled lines give way to
them, and what does not fit grows the leaflet by a sheet instead of failing."""

from __future__ import annotations

import pytest

from conftest import copy_content, page_texts
from folder_builder.build import BuildOptions, build

SHORT = "Hvordan arbejder vi med dette?"
LONG = ("hvordan arbejder vi med dette i vores afdeling, og hvad vil vi gerne blive bedre "
        "til i det kommende år?")


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    return copy_content(tmp_path_factory.mktemp("reflection"))


def leaflet(content, tmp_path, questions: list[str]):
    lines = "\n".join(f'  - "{q}"' for q in questions)
    (content / "departments" / "q.yaml").write_text(f"name: Q\nquestions:\n{lines}\n", "utf-8")
    (result,) = build(BuildOptions(content=content, role="chef", department="q",
                                   variants=("screen",), output=tmp_path / "q.pdf"))
    return result, page_texts(result.path)


@pytest.mark.parametrize("count", [4, 5, 8, 12])
def test_short_questions_keep_the_leaflet_at_eight_pages(content, tmp_path, count):
    questions = [f"Spørgsmål {n}: {SHORT}" for n in range(1, count + 1)]
    result, texts = leaflet(content, tmp_path, questions)
    assert result.pages == 8
    first, last = result.landings["reflection"]
    assert first == last == 7
    assert all(q in texts[6] for q in questions)


def test_twelve_longer_questions_lose_nothing(content, tmp_path):
    """Twelve questions of two lines each fill the reflection page (its note lines
    give way to them); none is lost and the leaflet stays whole sheets. Questions
    that need more than a page grow it by a sheet (test_leaflet_bends.py)."""
    questions = [f"Spørgsmål {n}: {LONG}" for n in range(1, 13)]
    result, texts = leaflet(content, tmp_path, questions)
    assert result.pages % 4 == 0
    reflection = " ".join(texts[result.landings["reflection"][0] - 1:
                                result.landings["reflection"][1]])
    assert all(q in reflection for q in questions)
