"""Danish typography: the project's hyphenation list (hyphenation.py), where words
may and may not break in the built folder, how many line ends are hyphenated,
no word split across a page turn, minimum type sizes, balanced perspective
spreads, and the short printed form and QR code of a web address (printlinks.py).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pyphen
import pytest
import segno
import weasyprint

from conftest import CONTENT, copy_content, edit, line_of
from folder_builder import Session
from folder_builder.content import load_content
from folder_builder.errors import ContentError
from folder_builder.hyphenation import install_hyphenation, load_hyphenation, patterns
from folder_builder.printlinks import load_links, qr_code

#: Breaks the stock Danish patterns made in the folder before the project's list.
BAD_BREAKS = ["ker-neopgaven", "ledel-seskædens", "samar-bejdskultur", "opga-veløsningen",
              "serviceni-veau", "tværgå-ende"]
#: Hyphenated line ends in the 28-page folder with the stock patterns and settings.
HYPHENATED_BEFORE = 142
#: What the project's list, limits and ragged-right setting may leave at most.
HYPHENATED_AT_MOST = 85
MM = 72 / 25.4


def hyphenated_breaks(path: Path) -> list[tuple[int, str, str]]:
    """(page, before, after) for every line end the layout hyphenated: pdfium marks
    such a hyphen as U+FFFE."""
    doc = pdfium.PdfDocument(str(path))
    found = []
    for index in range(len(doc)):
        text = doc[index].get_textpage().get_text_range()
        for match in re.finditer(r"(\w*)\ufffe\s*(\w*)", text):
            found.append((index + 1, match.group(1), match.group(2)))
    return found


@pytest.fixture(scope="module")
def breaks(folder) -> list[tuple[int, str, str]]:
    return hyphenated_breaks(folder.result.path)


def test_bad_breaks_are_gone_and_there_are_far_fewer_breaks(breaks):
    words = {f"{before}-{after}".lower() for _, before, after in breaks}
    assert not words & set(BAD_BREAKS)
    assert 0 < len(breaks) <= HYPHENATED_AT_MOST < HYPHENATED_BEFORE
    # The compounds still break, where their parts meet.
    assert "kerne-opgaven" in words


def test_every_listed_word_breaks_only_where_the_list_allows(breaks):
    """Wherever a listed word's letters occur, also inside longer words, the
    layout breaks them only at the list's points; a name never breaks."""
    entries = load_hyphenation(CONTENT)
    assert "kerne-opgave" in entries and "kristian" in entries
    allowed = {e.replace("-", ""): {m.start() - i for i, m in enumerate(re.finditer("-", e))}
               for e in entries}
    checked = 0
    for page, before, after in breaks:
        word, at = (before + after).lower(), len(before)
        for letters, points in allowed.items():
            for match in re.finditer(letters, word):
                inside = at - match.start()
                if 0 < inside < len(letters):
                    outer = any(other != letters and letters in other and other in word
                                for other in allowed)
                    if not outer:
                        checked += 1
                        assert inside in points, f"page {page}: {before}-{after} ({letters})"
    assert checked >= 10


def test_the_list_becomes_patterns_that_pyphen_follows(tmp_path):
    content = load_content(CONTENT)
    install_hyphenation(content)
    dictionary = pyphen.Pyphen(lang="da", left=3, right=3)
    assert dictionary.inserted("kerneopgaven") == "kerne-opgaven"
    assert dictionary.inserted("samarbejdskulturen") == "sam-arbejds-kulturen"
    assert dictionary.inserted("Kristian") == "Kristian"
    # A content without a list gets the stock patterns back.
    bare = copy_content(tmp_path)
    (bare / "hyphenation.yaml").unlink()
    install_hyphenation(load_content(bare))
    assert pyphen.Pyphen(lang="da", left=3, right=3).inserted("kerneopgaven") == "ker-ne-op-ga-ven"
    install_hyphenation(content)


def test_an_entry_that_holds_another_outranks_it():
    assert patterns(("kerne-opgave", "op-gave")) == ["k8e8r8n8e9o8p8g8a8v8e", "o6p7g6a6v6e"]


def test_a_bad_hyphenation_list_names_file_line_and_entry(tmp_path):
    root = copy_content(tmp_path)
    path = root / "hyphenation.yaml"
    edit(path, "  - service-niveau\n", "  - service--niveau\n  - kerneopgave\n")
    with pytest.raises(ContentError) as caught:
        load_hyphenation(root)
    messages = [(p.line, p.message) for p in caught.value.problems]
    assert (line_of(path, "service--niveau"),
            "'service--niveau' is not a word with hyphens where it may break (kerne-opgave); "
            "use letters, and single hyphens between them") in messages
    assert any(line == line_of(path, "  - kerneopgave") and "listed twice (first on line "
               f"{line_of(path, '  - kerne-opgave')})" in message for line, message in messages)


def test_no_word_is_split_across_a_page_turn(folder, department_leaflet_print):
    """A booklet's page turns follow its odd (right-hand) pages; the last line
    there must not end in a hyphen, so no word waits for the turn."""
    leaflet = department_leaflet_print.path
    for path in (folder.result.path, leaflet):
        assert [page for page in hyphenated_page_ends(path) if page % 2 == 1] == []
    # Nor does a word stand alone on a line in the leaflet's wide columns (what
    # WeasyPrint 70 does with some hyphenation limits: "ressourcer" on its own).
    doc = pdfium.PdfDocument(str(leaflet))
    for index in range(len(doc)):
        lines = doc[index].get_textpage().get_text_range().split("\r\n")
        lone = [(a, b) for a, b in itertools.pairwise(lines)
                if re.fullmatch(r"\w{6,}", a.strip()) and b[:1].islower()]
        assert lone == [], (index + 1, lone)


def test_no_line_is_a_word_fragment_alone(folder, department_leaflet_print):
    """A hyphenated fragment alone on a line ("ressour-", then "cer til at skabe
    mest mulig værdi.") is what WeasyPrint 70 made of a line that overflowed only
    by the space at its end, on every leaflet's Fælles page and on the folder's
    page 21 ("tydelig" alone); engine.py corrects it. pdfium joins a hyphenated
    word into the line it ends on, so a line that begins with one is the fragment."""
    for path in (folder.result.path, department_leaflet_print.path):
        doc = pdfium.PdfDocument(str(path))
        for index in range(len(doc)):
            lines = doc[index].get_textpage().get_text_range().split("\r\n")
            assert [line for line in lines if re.match(r"\w+\ufffe", line.strip())] == [], \
                (path.name, index + 1)


def hyphenated_page_ends(path: Path) -> list[int]:
    """The pages whose last line of text above the folio ends in a layout hyphen."""
    doc = pdfium.PdfDocument(str(path))
    flags = []
    for index in range(len(doc)):
        textpage = doc[index].get_textpage()
        boxes = [(textpage.get_text_range(k, 1), textpage.get_charbox(k))
                 for k in range(textpage.count_chars())]
        boxes = [(ch, box) for ch, box in boxes if ch.strip()]
        folio = min((box[1] for _, box in boxes), default=0)
        body = sorted(((ch, box) for ch, box in boxes if box[1] > folio + 5),
                      key=lambda item: item[1][1])
        if not body:
            continue
        # The last line: from its lowest point (a descender, perhaps) up to the top of
        # its tallest letter, which stays below the line above; a hyphen's box is its
        # bar, inside that band.
        low, high = body[0][1][1], body[0][1][3]
        for _, box in body:
            if box[1] > high:
                break
            high = max(high, box[3])
        flags.append(index + 1 if any(ch == "\ufffe" and low <= box[1] <= high
                                      for ch, box in body) else None)
    return [page for page in flags if page is not None]


def test_the_page_turn_check_finds_a_hyphen_at_the_foot_of_a_page(tmp_path):
    """The helper above can fail: a narrow column of long words, each broken at
    every line end, runs onto a second page."""
    words = " ".join(["samarbejdskulturen"] * 120)
    html = (f'<html lang="da"><body><p style="width: 14mm; hyphens: auto; '
            f'hyphenate-character: \'-\'; font: 12pt/1.2 serif">{words}</p></body></html>')
    path = tmp_path / "narrow.pdf"
    weasyprint.HTML(string=html).write_pdf(
        path, stylesheets=[weasyprint.CSS(string="@page { size: A7; margin: 10mm; "
                                                  "@bottom-center { content: counter(page) } }")])
    ends = hyphenated_page_ends(path)
    assert ends and len(ends) < len(pdfium.PdfDocument(str(path)))


# --- sizes ------------------------------------------------------------------------


def test_body_text_is_at_least_8_5_pt_and_labels_at_least_7(folders,
                                                             department_leaflet_print):
    """Laid out from the HTML a build keeps: every piece of text is 7 pt or more,
    and text under 8.5 pt is a label (bold, or in capitals)."""
    for html in (folders["print"].path.with_suffix(".html"),
                 department_leaflet_print.path.with_suffix(".html")):
        document = weasyprint.HTML(filename=str(html)).render()
        small = []
        for page in document.pages:
            for box in _text_boxes(page._page_box):
                size = box.style["font_size"] * 0.75
                if not re.search(r"\w", box.text):
                    continue
                assert size >= 7 - 0.01, (box.text, size)
                label = box.style["font_weight"] >= 600 or \
                    box.style["text_transform"] == "uppercase"
                if size < 8.5 - 0.01:
                    small.append(box.text)
                    assert label, (html.name, box.text, size)
        assert small  # labels there are


def _text_boxes(box):
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)
    if type(box).__name__ == "TextBox":
        yield box


# --- spreads ----------------------------------------------------------------------


def test_perspective_spreads_are_balanced(folder):
    """Both pages of a perspective spread end within a fifth of the columns'
    depth of each other (before: the right-hand page ran 25 mm longer)."""
    doc = pdfium.PdfDocument(str(folder.result.path))
    landings = folder.result.landings
    spreads = [landings[key] for key in landings if key.startswith("perspectives-")]
    assert len(spreads) == 4
    for first, last in spreads:
        depths = []
        for index in (first - 1, last - 1):
            page = doc[index]
            textpage = page.get_textpage()
            height = page.get_size()[1]
            bottoms = [textpage.get_charbox(k)[1] for k in range(textpage.count_chars())
                       if textpage.get_text_range(k, 1).strip()]
            folio = min(bottoms)
            depths.append(height - min(b for b in bottoms if b > folio + 5))
        assert min(depths) >= 0.8 * max(depths), (first, depths)
        assert abs(depths[0] - depths[1]) < 20 * MM


# --- web addresses in print --------------------------------------------------------


def test_the_video_address_prints_short_with_a_vector_qr_code(folder, folders):
    links = load_links(CONTENT)
    video = "https://www.youtube.com/watch?v=DrSxbzaLT-4"
    printed = links[video]
    assert printed.text == "youtu.be/DrSxbzaLT-4" and printed.qr is not None
    texts = folder.texts
    synthesis = texts[folders["print"].landings["synthesis"][0] - 1]
    assert "youtu.be/DrSxbzaLT-4" in synthesis
    assert "youtube.com/watch" not in synthesis
    # The QR code is the address's, drawn as paths in one ink (K), not an image.
    assert printed.qr.size == len(segno.make(video, error="m").matrix) + 8
    with pikepdf.open(folders["print"].path) as pdf:
        page = pdf.pages[folders["print"].landings["synthesis"][0] - 1]
        assert not [name for name, x in page.resources.get("/XObject", {}).items()
                    if x.get("/Subtype") == "/Image"]
        ops = pikepdf.parse_content_stream(page)
        fills = [[float(v) for v in op.operands] for op in ops if str(op.operator) == "scn"]
        assert [0, 0, 0, 1] in fills
        rects = sum(1 for op in ops if str(op.operator) == "h")
        assert rects > 100  # the code's runs of modules


def test_on_screen_the_short_address_is_a_live_link_to_the_full_one(folders):
    with pikepdf.open(folders["screen"].path) as pdf:
        page = pdf.pages[folders["screen"].landings["synthesis"][0] - 1]
        uris = [str(a.A.URI) for a in page.obj.get("/Annots", []) if "/A" in a]
    assert "https://www.youtube.com/watch?v=DrSxbzaLT-4" in uris
    text = pdfium.PdfDocument(str(folders["screen"].path))[
        folders["screen"].landings["synthesis"][0] - 1].get_textpage().get_text_range()
    assert "youtu.be/DrSxbzaLT-4" in text


def test_a_bad_links_file_names_file_line_and_field(tmp_path):
    root = copy_content(tmp_path)
    path = root / "links.yaml"
    edit(path, "    qr: true", "    qr: maybe\n    colour: red")
    with pytest.raises(ContentError) as caught:
        load_links(root)
    problems = {(p.line, p.field, p.message) for p in caught.value.problems}
    assert (line_of(path, "colour: red"), "links[0].colour",
            "unknown field 'colour'; allowed here: url, print, qr") in problems
    assert (line_of(path, "qr: maybe"), "links[0].qr", "qr: must be true or false") in problems


def test_the_qr_path_draws_exactly_the_code_segno_makes():
    """Reading the path's rectangles back gives segno's matrix, inside a quiet zone."""
    url = "https://www.youtube.com/watch?v=DrSxbzaLT-4"
    code = qr_code(url)
    matrix = [list(row) for row in segno.make(url, error="m", micro=False).matrix]
    drawn = [[0] * code.size for _ in range(code.size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", code.path):
        for dx in range(int(width)):
            drawn[int(y)][int(x) + dx] = 1
    inner = [row[4:-4] for row in drawn[4:-4]]
    assert inner == [[1 if v else 0 for v in row] for row in matrix]
    assert not any(drawn[0]) and not any(row[0] for row in drawn)


def test_validate_reports_both_files_problems_at_once(tmp_path, capsys):
    from folder_builder.cli import main

    root = copy_content(tmp_path)
    edit(root / "hyphenation.yaml", "  - tvær-gående", "  - tvær gående")
    edit(root / "links.yaml", "    qr: true", "    qr: yes please")
    assert main(["validate", "--content", str(root)]) == 2
    err = capsys.readouterr().err
    assert "the content has 2 problems" in err
    assert (f"hyphenation.yaml:{line_of(root / 'hyphenation.yaml', 'tvær gående')}: "
            "words[") in err
    assert f"links.yaml:{line_of(root / 'links.yaml', 'yes please')}: links[0].qr: " in err
    assert "Traceback" not in err


def _early_breaks(document: weasyprint.Document) -> list[tuple[int, str, str]]:
    """(page, end of a line, first word of the next) wherever the next line's first word
    (or, after a hyphen, the whole hyphenated word) would have fit on the line: a line
    broken early. Lines beside a float are left out (the float narrows them)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import create_layout, line_size

    def width(text: str, style) -> float:
        layout = create_layout(text, style, None, None, 0)
        try:
            return line_size(layout.get_first_line()[0], style)[0]
        finally:
            layout.deactivate()

    found = []
    for number, page in enumerate(document.pages, 1):
        everything, stack = [], [page._page_box]
        while stack:
            box = stack.pop()
            everything.append(box)
            stack.extend(getattr(box, "children", []))
        floats = [(b.position_y, b.position_y + b.margin_height()) for b in everything
                  if isinstance(b, boxes.Box) and b.is_floated()]
        for block in everything:
            lines = [c for c in getattr(block, "children", []) if isinstance(c, boxes.LineBox)]
            for line, after in itertools.pairwise(lines):
                texts = [t for t in line.descendants() if isinstance(t, boxes.TextBox)]
                following = [t for t in after.descendants() if isinstance(t, boxes.TextBox)]
                if not texts or not following or any(
                        top < line.position_y + line.height and line.position_y < bottom
                        for top, bottom in floats):
                    continue
                room = block.width - (line.content_box_x() - block.content_box_x())
                used = max(t.position_x + t.width for t in texts) - line.content_box_x()
                word = re.split(r"[ \u00a0]", following[0].text.lstrip(" "), maxsplit=1)[0]
                end = "".join(t.text for t in texts).rstrip()
                style = following[0].style
                if end.endswith(("-", "\u2010")) and not end.endswith(" -"):
                    part = re.split(r"[ \u00a0]", end)[-1][:-1]
                    wanted = width(part + word, style) - width(part + "-", style)
                else:
                    wanted = width(" " + word, style)
                if word and used + wanted <= room - 0.5:
                    found.append((number, end[-30:], word))
    return found


def test_no_line_is_broken_before_a_word_that_would_have_fit():
    """Every line of the folder and of a department's leaflet ends where the next word
    no longer fits: WeasyPrint 70 broke two lines early (a line that overflowed only by
    its hanging end space: "ressour-" alone on every leaflet's Fælles page, "tydelig"
    alone on the folder's page 21; engine.py corrects it, test_engine.py shows it)."""
    session = Session(CONTENT, jobs=1)
    folder = session.build("folder", "print", deliver=True)
    leaflet = session.build("leaflet", "print", role="chef",
                            department="eksempel-dagtilbud-nord", deliver=True)
    for result in (folder, leaflet):
        assert _early_breaks(session.document(result.html)) == [], result.product
