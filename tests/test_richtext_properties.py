"""richtext.py properties, checked with hypothesis where it is installed.

hypothesis is among the dev dependencies; the module still skips itself where it
is missing, so that test_richtext.py runs anywhere.
"""

from __future__ import annotations

import pytest

from folder_builder.model import Paragraph
from folder_builder.richtext import page_refs, parse, plain

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("hypothesis.configuration")
st = pytest.importorskip("hypothesis.strategies")

# No example database, hypothesis's caches in a temporary folder: conftest.py.

_word = st.text(alphabet="abcæøå ABCÆØÅ.,:;!?–“”0123456789", min_size=1, max_size=12).filter(
    lambda w: w.strip() != "")
_paragraph = st.lists(_word, min_size=1, max_size=6).map(" ".join)


@hypothesis.given(st.lists(_paragraph, min_size=1, max_size=5))
def test_plain_text_round_trips_through_paragraphs(paragraphs):
    source = "\n\n".join(paragraphs)
    blocks, problems = parse(source)
    assert problems == []
    expected = [" ".join(p.split()) for p in paragraphs if p.split()]
    assert all(isinstance(b, Paragraph) for b in blocks)
    assert [" ".join(plain((b,)).split()) for b in blocks] == expected
    assert page_refs(blocks) == []


@hypothesis.given(st.lists(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+){0,2}", fullmatch=True),
                           min_size=1, max_size=5))
def test_every_valid_page_reference_is_found(ids):
    blocks, problems = parse(" and ".join("{pages:" + i + "}" for i in ids))
    assert problems == []
    assert page_refs(blocks) == ids
