"""Leaflets for one role, with and without a department, and batches of them."""

from __future__ import annotations

import collections
import hashlib
import io
import json
import os
import random
import re
from pathlib import Path
from typing import NamedTuple

import pikepdf
import pypdfium2 as pdfium
import pytest

from conftest import CONTENT, copy_content, edit, line_of, normalise, page_texts, spread_text
from folder_builder import Session
from folder_builder.batch import Affinity, plan_jobs, run_batch
from folder_builder.build import BuildOptions, build
from folder_builder.cli import main
from folder_builder.content import department_files, load_content, load_department
from folder_builder.errors import ContentError, InputError
from folder_builder.preflight import preflight

MM = 72 / 25.4
ROLES = ["medarbejder", "leder-af-medarbejder", "leder-af-leder", "chef", "direktoer"]
DAGTILBUD = CONTENT / "departments" / "eksempel-dagtilbud-nord.yaml"
SKOLE = CONTENT / "departments" / "eksempel-skoleafdelingen.yaml"


@pytest.fixture(scope="module")
def content():
    return load_content(CONTENT)


class Made(NamedTuple):
    path: Path
    pages: int
    landings: dict[str, tuple[int, int]]


@pytest.fixture(scope="module")
def builder():
    """One warm session for the module's leaflets."""
    return Session(CONTENT)


def make(session: Session, target: Path, role: str, department: Path | None = None) -> Made:
    """A print leaflet built in ``session`` and written to ``target``."""
    result = session.build("leaflet", "print", role=role, department=department)
    target.write_bytes(result.pdf)
    return Made(target, result.pages, result.landings)


@pytest.fixture(scope="module")
def plain_leaflets(builder, tmp_path_factory):
    """One leaflet per role, without a department: role id -> (result, page texts)."""
    out = tmp_path_factory.mktemp("leaflets")
    built = {}
    for role_id in ROLES:
        result = make(builder, out / f"{role_id}.pdf", role_id)
        built[role_id] = (result, page_texts(result.path))
    return built


@pytest.fixture(scope="module")
def department_leaflet(builder, tmp_path_factory):
    out = tmp_path_factory.mktemp("dept")
    department = load_department(DAGTILBUD, builder.content)
    result = make(builder, out / "lam-dagtilbud.pdf", "leder-af-medarbejder", DAGTILBUD)
    return result, page_texts(result.path), department


def own_texts(content, role_id):
    return {s.text for s in content.statements if s.role == role_id}


@pytest.mark.parametrize("role_id", ROLES)
def test_leaflet_has_the_roles_and_the_shared_statements(plain_leaflets, content, role_id):
    result, texts = plain_leaflets[role_id]
    role_pages = spread_text(texts, result.landings["role"])
    for statement in content.statements:
        if statement.role == role_id:
            assert normalise(statement.text) in role_pages, statement.id
    shared_pages = spread_text(texts, result.landings["faelles"])
    for statement in content.statements:
        if statement.role == "faelles":
            assert normalise(statement.text) in shared_pages, statement.id


@pytest.mark.parametrize("role_id", ROLES)
def test_the_roles_perspectives_are_set_two_a_page_like_the_folders_spread(
        plain_leaflets, content, role_id):
    """While they fit, the role's pages hold its perspectives as the folder's spread
    does: the first half on the left page, the rest on the right, each with all of its
    statements (a flow used to part a perspective from its last statements, which then
    stood under no heading on the next page)."""
    result, texts = plain_leaflets[role_id]
    first, last = result.landings["role"]
    assert last == first + 1
    role = content.role(role_id)
    cells = [p for p in content.perspectives if content.statements_for(role, p)]
    half = (len(cells) + 1) // 2
    for index, perspective in enumerate(cells):
        page, other = (texts[first - 1], texts[first]) if index < half \
            else (texts[first], texts[first - 1])
        assert normalise(perspective.heading) in page, (perspective.id, index)
        assert normalise(perspective.heading) not in other, perspective.id
        for statement in content.statements_for(role, perspective):
            assert normalise(statement.text) in page, statement.id


@pytest.mark.parametrize("role_id", ROLES)
def test_no_other_roles_statement_appears_as_the_roles_own(plain_leaflets, content, role_id):
    """Other roles' statements may only appear on the chain page, named as theirs."""
    result, texts = plain_leaflets[role_id]
    chain_first, chain_last = result.landings["chain"]
    outside = " ".join(t for n, t in enumerate(texts, 1) if not chain_first <= n <= chain_last)
    mine = own_texts(content, role_id) | own_texts(content, "faelles")
    for statement in content.statements:
        if statement.role not in (role_id, "faelles") and statement.text not in mine:
            assert normalise(statement.text) not in outside, statement.id


@pytest.mark.parametrize("role_id", ROLES)
def test_chain_page_names_each_neighbours_line(plain_leaflets, content, role_id):
    result, texts = plain_leaflets[role_id]
    chain = spread_text(texts, result.landings["chain"])
    roles = [r for r in content.roles if not r.shared]
    here = [r.id for r in roles].index(role_id)
    neighbours = [roles[i] for i in (here - 1, here + 1) if 0 <= i < len(roles)]
    for perspective in content.perspectives:
        for neighbour in neighbours:
            first = content.statements_for(neighbour, perspective)[0]
            # the neighbour's name (upper-cased by the layout) right before its line
            assert f"{neighbour.name.upper()} {normalise(first.text)}" in chain, (
                neighbour.id, perspective.id)
    others = [r for r in roles if r not in neighbours and r.id != role_id]
    for other in others:
        for perspective in content.perspectives:
            for statement in content.statements_for(other, perspective):
                if statement.text not in own_texts(content, role_id):
                    assert normalise(statement.text) not in chain


@pytest.mark.parametrize("role_id", ROLES)
def test_leaflets_are_whole_sheets_with_cover_and_back(plain_leaflets, content, role_id):
    result, texts = plain_leaflets[role_id]
    assert result.pages == 8
    role = content.role(role_id)
    assert role.name.upper() in texts[0]
    assert content.synthesis.heading.upper() in texts[-1]
    assert not re.search(r"\b8\b", texts[-1]), "the back page carries no page number"


def test_department_name_logo_introduction_notes_and_questions(department_leaflet, content):
    result, texts, department = department_leaflet
    assert result.pages % 4 == 0
    assert department.name in texts[0]
    assert logo_ink(result.path) > 200, "the logo is drawn on the cover"
    intro = normalise(department.introduction[0].parts[0].text)
    assert intro in texts[1]
    whole = " ".join(texts)
    here = ("leder-af-medarbejder", "faelles")
    for key, note in department.notes.items():
        note = normalise(note)
        statement = next((s for s in content.statements if s.id == key), None)
        about_others = (statement is not None and statement.role not in here) or (
            key in {r.id for r in content.roles} and key not in here)
        if about_others:
            assert note not in whole, key  # notes on other roles stay in their leaflets
            continue
        assert note in whole, key
        if statement is not None:
            # the note follows its statement, with the department named in between
            pattern = re.escape(normalise(statement.text)) + r"\s*" + re.escape(
                department.name.upper()) + r"\s*" + re.escape(note)
            assert re.search(pattern, whole), key
    for question in department.questions:
        assert normalise(question) in spread_text(texts, result.landings["reflection"])
    assert department.contact in texts[-1]


def logo_ink(path) -> int:
    """Coloured pixels where the cover places the department's logo."""
    page = pdfium.PdfDocument(str(path))[0]
    scale = 3
    image = page.render(scale=scale).to_pil().convert("RGB")
    with pikepdf.open(path) as pdf:
        media = [float(v) for v in pdf.pages[0].MediaBox]
        trim = [float(v) for v in pdf.pages[0].TrimBox]
    left = (trim[0] - media[0] + 19 * MM) * scale
    top = (media[3] - trim[3] + 145 * MM) * scale
    box = image.crop((round(left), round(top), round(left + 45 * MM * scale),
                      round(top + 16 * MM * scale)))
    data = box.tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 40)


def test_the_back_page_signs_off_beside_the_ring(department_leaflet, content):
    """The ring stands at the sign-off's left, level with its lines, in the
    perspectives' colours."""
    result, _, department = department_leaflet
    pdf = pdfium.PdfDocument(result.path)
    page = pdf[len(pdf) - 1]
    text = page.get_textpage()
    found = text.search(department.name, match_case=True)
    first = found.get_next()
    assert first is not None, "the department's name is in the sign-off"
    left, bottom, _, top = text.get_charbox(first[0])
    scale = 4
    image = page.render(scale=scale).to_pil().convert("RGB")  # the crop box, drawn
    crop_left, _, _, crop_top = page.get_cropbox()
    trim_left = page.get_trimbox()[0]
    # the band from the trim edge to the text, 10 mm above and below the name
    box = (int((trim_left - crop_left + 12 * MM) * scale),
           int((crop_top - top - 10 * MM) * scale),
           int((left - crop_left - 1 * MM) * scale),
           int((crop_top - bottom + 10 * MM) * scale))
    band = image.crop(box)
    colourful = [px for px in band.get_flattened_data() if max(px) - min(px) > 60]
    assert len(colourful) > 0.04 * band.width * band.height  # none where the ring is missing
    hues = {tuple(c // 64 for c in px) for px in colourful}
    assert len(hues) >= len(content.perspectives)


def test_plain_leaflet_has_no_logo(plain_leaflets):
    result, _ = plain_leaflets["leder-af-medarbejder"]
    assert logo_ink(result.path) == 0


def test_department_logos_are_cmyk_in_print(department_leaflet, builder, tmp_path):
    result, _, _ = department_leaflet
    assert preflight(result.path, "print").passed
    other = make(builder, tmp_path / "png.pdf", "chef", SKOLE)
    with pikepdf.open(other.path) as pdf:
        xobjects = pdf.pages[0].Resources.XObject
        [image] = [pikepdf.PdfImage(x) for x in xobjects.values() if x.Subtype == "/Image"]
        assert str(image.colorspace) == "/DeviceCMYK"


def test_leaflet_command_accepts_display_names_and_writes_both_variants(tmp_path, capsys):
    target = tmp_path / "lal.pdf"
    assert main(["leaflet", "--role", "Leder af leder", "--department",
                 "Skoleafdelingen (eksempel)", "--variant", "all", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    # The department's notes on three other roles' statements are not in this leaflet.
    assert "lal-print.pdf (8 pages, print, preflight passed, 3 warnings)" in out
    assert "lal-screen.pdf (8 pages, screen, preflight passed, 3 warnings)" in out
    assert preflight(tmp_path / "lal-screen.pdf", "screen").passed


def test_unknown_role_or_shared_role_or_department_is_refused(tmp_path, capsys):
    assert main(["leaflet", "--role", "kok", "-o", str(tmp_path / "x.pdf")]) == 2
    assert "no role 'kok'" in capsys.readouterr().err
    assert main(["leaflet", "--role", "faelles", "-o", str(tmp_path / "x.pdf")]) == 2
    assert "shared by every role" in capsys.readouterr().err
    assert main(["leaflet", "--role", "chef", "--department", "nord",
                 "-o", str(tmp_path / "x.pdf")]) == 2
    assert "no department 'nord'" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_unknown_statement_in_a_department_is_an_error_with_file_and_line(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / "eksempel-dagtilbud-nord.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  chef-compliance-3:", "  chef-compliance-9:").replace(
        "  compliance: Hos os", "  complaince: Hos os")
    path.write_text(text, encoding="utf-8")
    content = load_content(root)
    with pytest.raises(ContentError) as caught:
        load_department(path, content)
    shown = caught.value.report()
    line = line_of(path, "chef-compliance-9:")
    assert f"eksempel-dagtilbud-nord.yaml:{line}: notes.chef-compliance-9: unknown statement" in \
        shown
    assert "did you mean 'compliance'" in shown
    assert main(["validate", "--content", str(root)]) == 2


def test_department_logo_must_be_an_svg_or_png_inside_the_content(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / "eksempel-skoleafdelingen.yaml"
    cases = (("../eksempel-skoleafdelingen.yaml", "SVG or PNG"),
             ("../../outside.png", "inside the content folder"),
             ("logos/missing.svg", "no such file"))
    for logo, message in cases:
        text = re_sub_logo(path.read_text(encoding="utf-8"), logo)
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ContentError) as caught:
            load_department(path, load_content(root))
        assert f"eksempel-skoleafdelingen.yaml:{line_of(path, 'logo:')}: logo: " in \
            caught.value.report()
        assert message in caught.value.report()


def re_sub_logo(text: str, logo: str) -> str:
    return re.sub(r"^logo: .*$", f"logo: {logo}", text, flags=re.M)


def test_long_notes_grow_the_leaflet_in_whole_sheets(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / "eksempel-dagtilbud-nord.yaml"
    long_note = "Hos os betyder det meget, og vi har skrevet det hele ned. " * 12
    text = path.read_text(encoding="utf-8")
    for key in ("leder-af-medarbejder-compliance-1", "leder-af-medarbejder-resiliens-3"):
        text = re.sub(rf"^  {key}: .*$", f"  {key}: {long_note}", text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    [result] = build(BuildOptions(content=root, role="leder-af-medarbejder",
                                  department="eksempel-dagtilbud-nord",
                                  output=tmp_path / "long.pdf"))
    assert result.pages == 12
    first, last = result.landings["role"]
    assert last - first + 1 > 2
    texts = page_texts(result.path)
    assert normalise(long_note.strip()) in " ".join(texts)


# --- batch -------------------------------------------------------------------------


def test_batch_plans_every_role_for_every_department_and_without(content):
    jobs = plan_jobs(BuildOptions(content=CONTENT), None, None)
    departments = department_files(content)
    assert len(jobs) == len(ROLES) * (len(departments) + 1)
    assert {(j.role, j.department) for j in jobs} == {
        (r, d) for r in ROLES for d in [None, *departments]}


def test_batch_builds_the_rest_when_one_department_is_broken(tmp_path):
    root = copy_content(tmp_path)
    broken = root / "departments" / "broken.yaml"
    broken.write_text("name: Ødelagt afdeling\nnotes:\n  ingen-saadan-1: Hos os ...\n",
                      encoding="utf-8")
    out = tmp_path / "leaflets"
    stream = io.StringIO()
    outcome = run_batch(BuildOptions(content=root), roles=["medarbejder", "chef"], jobs=2,
                        output_dir=out, stream=stream)
    assert not outcome.ok
    assert len(outcome.built) == 2 * 3  # two roles × (no department + two examples)
    assert sorted(job.role for job, _ in outcome.failed) == ["chef", "medarbejder"]
    assert all("broken.yaml:3" in reason and "ingen-saadan-1" in reason
               for _, reason in outcome.failed)
    names = sorted(p.name for p in out.glob("*.pdf"))
    assert names == sorted([
        "chef-print.pdf", "chef--eksempel-dagtilbud-nord-print.pdf",
        "chef--eksempel-skoleafdelingen-print.pdf", "medarbejder-print.pdf",
        "medarbejder--eksempel-dagtilbud-nord-print.pdf",
        "medarbejder--eksempel-skoleafdelingen-print.pdf"])
    # each print leaflet records what it printed, as `leaflet` does
    assert sorted(p.name for p in out.glob("*.manifest.json")) == [
        name.replace(".pdf", ".manifest.json") for name in names]
    report = stream.getvalue()
    assert "built 6 leaflets (6 PDFs)" in report and "2 failed" in report
    assert "FAILED medarbejder × broken" in report
    assert "[8/8]" in report


def test_batch_command_exit_code_says_whether_all_were_built(tmp_path, capsys):
    out = tmp_path / "leaflets"
    assert main(["batch", "--roles", "direktoer", "--departments", "eksempel-skoleafdelingen",
                 "--no-plain", "--jobs", "1", "--output-dir", str(out)]) == 0
    assert [p.name for p in out.glob("*.pdf")] == ["direktoer--eksempel-skoleafdelingen-print.pdf"]
    assert "built 1 leaflets" in capsys.readouterr().err
    manifest = out / "direktoer--eksempel-skoleafdelingen-print.manifest.json"
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    assert (recorded["product"], recorded["role"], recorded["department"], recorded["pages"]) \
        == ("leaflet", "direktoer", "eksempel-skoleafdelingen", 8)
    assert main(["changes", "--since", str(manifest)]) == 0
    assert "no changes since the printed edition" in capsys.readouterr().out
    with pytest.raises(InputError):
        plan_jobs(BuildOptions(content=CONTENT), ["kok"], None)


def test_batch_workers_lay_out_a_leaflet_that_can_be_cut_into_parts(tmp_path, monkeypatch):
    """A leaflet plan that neither grows nor pads is laid out in parts, like the
    folder; in a batch each worker does so itself, without starting processes of its
    own, and the bytes are those the leaflet command writes."""
    import folder_builder.parts

    calls = tmp_path / "calls"
    calls.mkdir()
    real = folder_builder.parts.run_side_by_side

    def recorded(jobs, tasks):  # runs in the forked workers: tell the test by a file
        (calls / f"{os.getpid()}-{len(list(calls.iterdir()))}").write_text(str(jobs))
        return real(jobs, tasks)

    monkeypatch.setattr(folder_builder.parts, "run_side_by_side", recorded)
    root = copy_content(tmp_path)
    edit(root / "plan.yaml", "    grow: true\n", "", count=2)
    edit(root / "plan.yaml", "    pad: true\n", "")
    out = tmp_path / "leaflets"
    stream = io.StringIO()
    outcome = run_batch(BuildOptions(content=root), roles=["medarbejder", "chef"], plain=True,
                        departments=["eksempel-skoleafdelingen"], jobs=2, output_dir=out,
                        stream=stream)
    assert outcome.ok, stream.getvalue()
    assert len(outcome.built) == 4
    asked = [path.read_text() for path in calls.iterdir()]
    assert asked == ["1"] * 4, asked  # in parts, one process each
    single = tmp_path / "single.pdf"
    assert main(["leaflet", "--content", str(root), "--role", "chef", "--department",
                 "eksempel-skoleafdelingen", "-o", str(single), "--jobs", "2"]) == 0
    assert single.read_bytes() == (out / "chef--eksempel-skoleafdelingen-print.pdf").read_bytes()


def _hand_out(work, first, following, seed):
    """Two workers finishing in a random order, the pages each department's leaflets
    share and those each role's share handed on once one of its leaflets is back
    (run_batch): every leaflet given, and how many times each department's and each
    role's shared pages were laid out."""
    rng = random.Random(seed)
    current = dict(enumerate(first))
    has = {worker: set() for worker in current}  # the pages each worker has
    back: set = set()  # the pages the batch can hand on
    laid_out = collections.Counter()

    def start(worker, job):
        for pages in (job.department, ("role", job.role)):
            if pages not in has[worker] and pages not in back:
                laid_out[pages] += 1
            has[worker].add(pages)
        current[worker] = job

    for worker, job in list(current.items()):
        start(worker, job)
    given = []
    while current:
        worker = rng.choice(sorted(current))
        finished = current.pop(worker)
        given.append(finished)
        back |= {finished.department, ("role", finished.role)}
        job = following(finished)
        if job is not None:
            start(worker, job)
    return given, laid_out


@pytest.mark.parametrize("seed", range(8))
def test_shared_pages_are_laid_out_once_in_a_batch(seed):
    """Each leaflet is given once, and each department's shared pages (the model, the
    Fælles page, the back) and each role's (the chain: Session._lay_out_shared) are
    laid out once on two workers, in eight random orders of finishing: every
    department's first leaflet goes out before any second, so its pages are back to
    hand on, and no two workers start on one role's pages. (A worker held up for most
    of the batch can still make the other lay pages out a second time rather than
    wait.) Given out in the plan's order, two workers start on one department and both
    lay its pages out, and on one role."""
    work = plan_jobs(BuildOptions(content=CONTENT), None, None)
    shared = {job.department for job in work} | {("role", job.role) for job in work}
    queue = Affinity(work)
    first = queue.starting(2)
    assert len({job.department for job in first}) == 2
    given, laid_out = _hand_out(work, first, queue.next, seed)
    assert sorted(given, key=repr) == sorted(work, key=repr)
    assert laid_out == dict.fromkeys(shared, 1), laid_out
    in_order = iter(work[2:])
    _, plain = _hand_out(work, work[:2], lambda _: next(in_order, None), seed)
    assert sum(plain.values()) > len(shared)


def test_a_batch_on_two_workers_hands_shared_pages_on(tmp_path, monkeypatch):
    """On two workers the batch's three departments and three roles have the shared
    pages one process lays out, handed from worker to worker: a part is laid out a
    second time only when a worker would otherwise wait for the other (at most twice
    here; eight random finishing orders above find none), and every leaflet has the
    bytes a batch in one process gives."""
    calls = tmp_path / "calls"
    calls.mkdir()
    real = Session._lay_out_part

    def recorded(self, html, job, identity, secs=(), only=None, every_page=False):
        if only is not None and not every_page:  # a shared part (runs in the workers)
            digest = hashlib.sha256(html.encode()).hexdigest()[:16]
            (calls / f"{os.getpid()}-{len(list(calls.iterdir()))}-{digest}").touch()
        return real(self, html, job, identity, secs, only, every_page)

    def laid():
        names = [path.name.split("-") for path in calls.iterdir()]
        for path in calls.iterdir():
            path.unlink()
        return collections.Counter(digest for _, _, digest in names), \
            {pid for pid, _, _ in names}

    monkeypatch.setattr(Session, "_lay_out_part", recorded)
    roles = ["medarbejder", "leder-af-medarbejder", "chef"]
    two, one = tmp_path / "two", tmp_path / "one"
    outcome = run_batch(BuildOptions(content=CONTENT), roles=roles, jobs=2, output_dir=two,
                        stream=io.StringIO())
    assert outcome.ok and len(outcome.built) == 9
    on_two, workers = laid()
    assert len(workers) == 2  # both worked
    run_batch(BuildOptions(content=CONTENT), roles=roles, jobs=1, output_dir=one,
              stream=io.StringIO())
    in_one, _ = laid()
    # 3 departments' pages, 3 roles' and Skoleafdelingen's medarbejder pages of its own:
    # the department has no note on the role's own pages, so they are shared too.
    assert len(in_one) == 7 and set(in_one.values()) == {1}, in_one
    assert set(on_two) == set(in_one)
    assert sum(on_two.values()) <= len(in_one) + 2, on_two
    for pdf in sorted(one.glob("*.pdf")):
        assert (two / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name
