"""The bundled folder as printed: pages, page size, where every statement lands,
page references, page numbers, fonts and metadata. Built once per session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from jinja2.filters import sync_do_slice
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from conftest import CONTENT, FONTS, fold, normalise, spread_text
from folder_builder.content import load_content
from folder_builder.plan import sections
from folder_builder.printlinks import load_links

CONTENT_SET = load_content(CONTENT)
MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)  # 419.53 × 595.28 pt


def group_landing(landings: dict[str, tuple[int, int]], group: str) -> tuple[int, int]:
    members = [v for k, v in landings.items() if k.startswith(f"{group}-")]
    assert members, f"no sections of group {group!r} in {sorted(landings)}"
    return min(f for f, _ in members), max(last for _, last in members)


def appears(needle: str, text: str) -> bool:
    """``needle`` is in ``text``; a hyphen lost or kept at a line end does not matter."""
    return needle in text or needle.replace("-", "") in text.replace("-", "")


def role_section(role_id: str) -> str:
    return role_id if CONTENT_SET.role(role_id).shared else f"roles-{role_id}"


@pytest.fixture(scope="module")
def reader(folder) -> PdfReader:
    return PdfReader(folder.result.path)


def test_normalise_undoes_hyphenation_and_line_breaks():
    assert normalise("kerneop\ufffegaven i\r\ncentrum") == "kerneopgaven i centrum"
    assert normalise("kerneop\ufffe\r\ngaven") == "kerneopgaven"
    assert normalise("arbej-\r\nde og  Børne-,\r\nFritids-") == "arbejde og Børne-, Fritids-"
    assert normalise("organisa\ufffe2\u2003 SAMMEN") == "organisa- 2 SAMMEN"


# --- pages and page size --------------------------------------------------------


def test_folder_has_28_pages(folder, reader):
    assert folder.result.pages == 28
    assert len(reader.pages) == 28
    assert len(folder.texts) == 28


def test_every_page_is_trimmed_to_a5(reader):
    for number, page in enumerate(reader.pages, 1):
        box = page.trimbox
        assert float(box.width) == pytest.approx(A5[0], abs=0.3), f"page {number}"
        assert float(box.height) == pytest.approx(A5[1], abs=0.3), f"page {number}"


def test_no_page_is_blank_and_all_text_is_extractable(folder):
    for number, text in enumerate(folder.texts, 1):
        assert text.strip(), f"page {number} has no text"
        assert "\ufffd" not in text, f"page {number} has characters without Unicode mapping"


# --- where sections land -----------------------------------------------------------


def test_landings_match_the_plan(folder):
    landings = folder.result.landings
    assert landings["cover"] == (1, 1)
    assert landings["foreword"] == (2, 3)
    assert landings["guide"] == (4, 4)
    assert landings["model"] == (5, 5)
    assert landings["faelles"] == (6, 7)
    roles = ["medarbejder", "leder-af-medarbejder", "leder-af-leder", "chef", "direktoer"]
    for index, role in enumerate(roles):
        assert landings[f"roles-{role}"] == (8 + 2 * index, 9 + 2 * index), role
    for index, perspective in enumerate(["compliance", "performance", "emergens", "resiliens"]):
        assert landings[f"perspectives-{perspective}"] == (18 + 2 * index, 19 + 2 * index)
    assert group_landing(landings, "roles") == (8, 17)
    assert group_landing(landings, "perspectives") == (18, 25)
    assert landings["synthesis"] == (26, 26)
    assert landings["notes"] == (27, 27)
    assert landings["back"] == (28, 28)


def test_every_planned_section_has_a_landing_in_order(folder):
    ids = [sec.id for sec in sections(CONTENT_SET, "folder")]
    landings = folder.result.landings
    assert sorted(landings) == sorted(ids)
    firsts = [landings[i][0] for i in ids]
    assert firsts == sorted(firsts)
    for sec in sections(CONTENT_SET, "folder"):
        first, last = landings[sec.id]
        assert last - first + 1 <= sec.pages, sec.id
        if sec.start == "left":
            assert first % 2 == 0, f"{sec.id} starts on page {first}, not a left page"


@pytest.mark.parametrize("statement", CONTENT_SET.statements, ids=lambda s: s.id)
def test_statement_is_on_its_role_spread_and_its_perspective_spread(folder, statement):
    landings = folder.result.landings
    role_pages = landings[role_section(statement.role)]
    perspective_pages = landings[f"perspectives-{statement.perspective}"]
    assert appears(statement.text, spread_text(folder.texts, role_pages)), (
        f"{statement.id} not on pages {role_pages}")
    assert appears(statement.text, spread_text(folder.texts, perspective_pages)), (
        f"{statement.id} not on pages {perspective_pages}")


def test_statements_are_only_on_their_own_spreads(folder):
    """A statement printed on another role's spread would be a wrong promise.

    (Some roles share a wording, e.g. medarbejder-emergens-3 and
    leder-af-leder-emergens-3; a text is only foreign if the spread's own
    statements do not include it.)
    """
    landings = folder.result.landings
    for role in CONTENT_SET.roles:
        text = spread_text(folder.texts, landings[role_section(role.id)])
        own = {s.text for s in CONTENT_SET.statements if s.role == role.id}
        others = [s.id for s in CONTENT_SET.statements
                  if s.text not in own and appears(s.text, text)]
        assert others == [], f"{role.id} spread shows {others}"
    for perspective in CONTENT_SET.perspectives:
        text = spread_text(folder.texts, landings[f"perspectives-{perspective.id}"])
        own = {s.text for s in CONTENT_SET.statements if s.perspective == perspective.id}
        others = [s.id for s in CONTENT_SET.statements
                  if s.text not in own and appears(s.text, text)]
        assert others == [], f"{perspective.id} spread shows {others}"


def test_role_spreads_carry_the_role_title_and_perspective_headings(folder):
    landings = folder.result.landings
    for role in CONTENT_SET.roles:
        first, last = landings[role_section(role.id)]
        assert fold(role.title) in fold(folder.texts[first - 1]), role.id
        text = fold(spread_text(folder.texts, (first, last)))
        for perspective in CONTENT_SET.perspectives:
            if CONTENT_SET.statements_for(role, perspective):
                assert fold(perspective.heading) in text, (role.id, perspective.id)


def test_perspective_spreads_carry_the_heading_and_the_chain_of_roles(folder):
    landings = folder.result.landings
    for perspective in CONTENT_SET.perspectives:
        first, last = landings[f"perspectives-{perspective.id}"]
        assert fold(perspective.heading) in fold(folder.texts[first - 1]), perspective.id
        text = fold(spread_text(folder.texts, (first, last)))
        positions = [text.find(fold(role.name)) for role in CONTENT_SET.roles]
        assert -1 not in positions, (perspective.id, positions)


def test_synthesis_page_has_its_heading_and_links(folder):
    first, _ = folder.result.landings["synthesis"]
    text = folder.texts[first - 1]
    assert fold(CONTENT_SET.synthesis.heading) in fold(text)
    printed = load_links(CONTENT)  # a long address prints in its short form (links.yaml)
    for item in CONTENT_SET.synthesis.further:
        assert item.label in text
        if item.url:
            assert (printed[item.url].text if item.url in printed else item.url) in text


def test_cover_and_back_carry_the_title(folder):
    def squeeze(text: str) -> str:
        return fold(re.sub(r"\s+", "", text))

    title = squeeze(CONTENT_SET.publication.title)
    assert title in squeeze(folder.texts[0])
    assert title in squeeze(folder.texts[-1])


# --- page references ---------------------------------------------------------------


def test_reading_guide_refers_to_the_pages_sections_landed_on(folder):
    landings = folder.result.landings

    def pages(first: int, last: int) -> str:
        return f"{first}–{last}" if first != last else str(first)

    expected = [
        pages(*landings["faelles"]),
        pages(*group_landing(landings, "roles")),
        pages(*group_landing(landings, "perspectives")),
        pages(*landings["synthesis"]),
    ]
    assert expected == ["6–7", "8–17", "18–25", "26"]
    first, _ = landings["guide"]
    text = folder.texts[first - 1]
    found = re.findall(r"På side (\d+(?:\s*[-–]\s*\d+)?)(?!\d)", text)
    assert [re.sub(r"\s*[-–]\s*", "–", ref) for ref in found] == expected, text


# --- page numbers ------------------------------------------------------------------


_NUMBER = re.compile(r"(?<![\w.,])\d+(?!\w|[.,]\d)")


def number_tokens(text: str) -> set[str]:
    """Standalone numbers in ``text``; letter-spaced digits ("2 0 2 1") are one number."""
    despaced = re.sub(r"(?<!\S)(\S) (?=\S(?:\s|$))", r"\1", text)
    return set(_NUMBER.findall(despaced))


def test_number_tokens():
    assert number_tokens("Kommune 2 0 2 1") == {"2021"}
    assert number_tokens("organisa- 2 SAMMEN OM KERNEOPGAVEN") == {"2"}
    assert number_tokens("DIREKTØR 17") == {"17"}
    assert number_tokens("side 8–17, i 2012 og 3.5 ps2") == {"8", "17", "2012"}


def test_inner_pages_show_their_page_number(folder):
    missing = [n for n, text in enumerate(folder.texts, 1)
               if 1 < n < len(folder.texts) and str(n) not in number_tokens(text)]
    assert missing == []


def test_covers_show_no_page_number(folder):
    assert "1" not in number_tokens(folder.texts[0]), folder.texts[0]
    last = len(folder.texts)
    assert str(last) not in number_tokens(folder.texts[-1]), folder.texts[-1]


# --- fonts -------------------------------------------------------------------------


def _fonts_in(resources: DictionaryObject, seen: set[int]) -> list[DictionaryObject]:
    found = []
    fonts = resources.get("/Font")
    if fonts is not None:
        found += [ref.get_object() for ref in fonts.get_object().values()]
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            xobject = ref.get_object()
            key = id(xobject)
            if key in seen or "/Resources" not in xobject:
                continue
            seen.add(key)
            found += _fonts_in(xobject["/Resources"].get_object(), seen)
    return found


def pdf_fonts(reader: PdfReader) -> dict[str, DictionaryObject]:
    fonts: dict[str, DictionaryObject] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for font in _fonts_in(resources.get_object(), set()):
            fonts[str(font["/BaseFont"])] = font
    return fonts


def squash(name: str) -> str:
    return re.sub(r"[\s\-_,]", "", name).casefold()


def project_families() -> set[str]:
    families = set()
    for path in FONTS.glob("**/*.ttf"):
        names = TTFont(path, lazy=True)["name"]
        family = names.getDebugName(16) or names.getDebugName(1)
        families.add(family)
    return families


def test_project_font_families():
    assert project_families() == {"Source Sans 3", "Source Serif 4"}


def is_project_font(base_font: str, families: set[str]) -> bool:
    """Whether a PDF /BaseFont ("/ABCDEF+Source-Sans-3-Bold") is of one of ``families``."""
    name = re.sub(r"^[A-Z]{6}\+", "", base_font.lstrip("/"))
    return any(squash(name).startswith(squash(family)) for family in families)


def test_is_project_font():
    families = {"Source Sans 3", "Source Serif 4"}
    assert is_project_font("/EMGXAI+Source-Sans-3-Bold", families)
    assert is_project_font("/VLCZJG+Source-Serif-4,", families)
    assert not is_project_font("/ABCDEF+DejaVuSans", families)
    assert not is_project_font("/ABCDEF+Source-Code-Pro", families)


def test_every_font_is_embedded_and_from_the_fonts_folder(reader):
    fonts = pdf_fonts(reader)
    assert fonts, "no fonts found in the PDF"
    families = project_families()
    for base_font, font in fonts.items():
        assert is_project_font(base_font, families), (
            f"{base_font} is not one of {sorted(families)}")
        if font["/Subtype"] == "/Type0":
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        else:
            descriptor = font["/FontDescriptor"]
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
            f"{base_font} is not embedded")


def test_both_families_are_used(reader):
    names = {squash(n) for n in pdf_fonts(reader)}
    assert any("sourcesans3" in n for n in names)
    assert any("sourceserif4" in n for n in names)


# --- metadata ----------------------------------------------------------------------


def test_metadata_title_and_language(reader):
    assert reader.metadata.title == CONTENT_SET.publication.title == "Sammen om Kerneopgaven"
    assert reader.trailer["/Root"]["/Lang"] == CONTENT_SET.publication.language == "da"


def test_pdf_is_where_the_result_says(folder):
    path = Path(folder.result.path)
    assert path.is_file()
    assert path.read_bytes().startswith(b"%PDF-")


# --- the chain of roles --------------------------------------------------------------


def test_chain_of_roles_is_linked_by_arrows(folder):
    """On each page of a perspective spread the roles are linked by arrows, and the
    last role of a page that continues on the next page points on to it."""
    landings = folder.result.landings
    pages = {sec.id: sec.pages for sec in sections(CONTENT_SET, "folder")}
    for perspective in CONTENT_SET.perspectives:
        section = f"perspectives-{perspective.id}"
        first, _ = landings[section]
        groups = list(sync_do_slice(CONTENT_SET.roles, pages[section]))
        for offset, group in enumerate(groups):
            text = fold(folder.texts[first - 1 + offset])
            names = [re.escape(fold(role.name)) for role in group]
            chain = r"\s*→\s*".join(names)
            if offset < len(groups) - 1:
                chain += r"\s*→"
            assert re.search(chain, text), (section, offset, text[:120])


def test_last_role_of_the_chain_has_no_arrow(folder):
    landings = folder.result.landings
    last = fold(CONTENT_SET.roles[-1].name)
    for perspective in CONTENT_SET.perspectives:
        _, end = landings[f"perspectives-{perspective.id}"]
        text = fold(folder.texts[end - 1])
        assert last in text
        assert not re.search(rf"{re.escape(last)}\s*→", text), (perspective.id, text[:80])
