"""Finish the PDF WeasyPrint wrote, with pikepdf: what CSS cannot express.

Print: exact page boxes (BleedBox = trim + bleed), crop marks drawn in
registration colour (all four plates) outside the bleed (WeasyPrint's own
marks are RGB and sit inside the bleed), no interactive annotations, and the
output intent named as a print shop expects (condition, registry). Screen:
PDF/A-2a on top of PDF/UA-1, and the structure mended (pdfa.py). Both
variants: identifiers derived from the content, so the same content always
gives the same bytes.
"""

from __future__ import annotations

import functools
import re
import uuid
import zlib
from dataclasses import dataclass
from io import BytesIO

import pikepdf

from .pdfa import make_archival

MM = 72 / 25.4

#: Crop marks: how far outside the trim they start, how long they are, how
#: thick, and the white margin kept around them on the sheet.
MARK_OFFSET_MM = 3.0
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.25
MARK_MARGIN_MM = 2.0
#: The page resource name of the registration colour the marks are drawn in.
REGISTRATION_NAME = "/Registration"


@dataclass(frozen=True)
class PrintFinish:
    bleed_mm: float
    marks: bool
    output_condition: str
    output_condition_info: str
    registry: str
    #: The CMYK ICC profile embedded as the output intent, as its file's bytes.
    profile: bytes = b""


def finish(pdf_bytes: bytes, *, identity: str, print_finish: PrintFinish | None,
           link_titles: dict[str, str] | None = None, compress: bool = True) -> bytes:
    """Return the finished PDF; ``identity`` is a digest of everything that made it.

    ``link_titles`` names the destination of each internal link: WeasyPrint gives a
    link's /Contents (what a screen reader says) the raw anchor id. ``compress=False``
    leaves the streams as they are (a proof kept in memory: the same pages, sooner).
    """
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages if link_titles else ():
            for annot in page.obj.get("/Annots", []):
                dest = annot.get("/Dest")
                if isinstance(dest, pikepdf.String) and str(dest) in link_titles:
                    annot.Contents = pikepdf.String(link_titles[str(dest)])
        if print_finish is not None:
            registration = _registration(pdf)
            for page in pdf.pages:
                _boxes_and_marks(pdf, page, print_finish, registration)
                if "/Annots" in page.obj:
                    del page.obj["/Annots"]
            _output_intent(pdf, print_finish, deflated=compress)
            _stable_document_id(pdf, identity)
        else:
            make_archival(pdf, identity)
        return _saved(pdf) if compress else _written(
            pdf, pikepdf.ObjectStreamMode.disable, compress=False)


def _saved(pdf: pikepdf.Pdf) -> bytes:
    """The PDF's bytes, with no stream whose data ends in a carriage return.

    qpdf writes a line feed before ``endstream``, as PDF/A asks; but when a stream's
    encoded data happens to end in byte 0x0D (zlib ends with a checksum, so about
    one stream in 256), a checker reads CR LF as the end-of-line and finds /Length
    one byte too long (PDFA2A-STREAM-LENGTH-001 in page-validation). Such a stream
    is hex-encoded on top (the data then ends in ``>``), and object streams are
    left out if one of them is hit. The choice depends only on the content, so the
    same content still gives the same file.
    """
    data = _written(pdf, pikepdf.ObjectStreamMode.generate)
    for _ in range(3):
        hit = _ending_in_cr(data)
        if not hit:
            break
        with pikepdf.open(BytesIO(data)) as again:
            mode = pikepdf.ObjectStreamMode.preserve
            for number in hit:
                stream = again.get_object(number, 0)
                if not isinstance(stream, pikepdf.Stream):
                    continue  # the scan read "N 0 obj" inside binary data
                if stream.get("/Type") == pikepdf.Name.ObjStm:
                    mode = pikepdf.ObjectStreamMode.disable
                else:
                    _hex_on_top(stream)
            # Every stream is compressed by now; compressing "again" would make qpdf
            # drop the hex layer.
            data = _written(again, mode, compress=False)
    return data


def _written(pdf: pikepdf.Pdf, mode: pikepdf.ObjectStreamMode, compress: bool = True) -> bytes:
    out = BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=compress,
             stream_decode_level=pikepdf.StreamDecodeLevel.none, object_stream_mode=mode)
    return out.getvalue()


def _hex_on_top(stream: pikepdf.Stream) -> None:
    """Add ASCIIHexDecode in front of a stream's filters, keeping its encoded bytes."""
    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    filters = [] if filters is None else (
        list(filters) if isinstance(filters, pikepdf.Array) else [filters])
    parms = stream.get("/DecodeParms")
    parms = [None] * len(filters) if parms is None else (
        list(parms) if isinstance(parms, pikepdf.Array) else [parms])
    stream.write(raw.hex().encode() + b">", filter=[pikepdf.Name.ASCIIHexDecode, *filters],
                 decode_parms=[None, *parms] if any(p is not None for p in parms) else None)


_OBJECT = re.compile(rb"(\d+) 0 obj\b")


def _ending_in_cr(data: bytes) -> list[int]:
    """The objects whose stream data ends in CR right before the EOL of ``endstream``."""
    hit = []
    end = data.find(b"\r\nendstream")
    while end != -1:
        start = data.rfind(b" 0 obj\n", 0, end)
        line = data.rfind(b"\n", 0, start) + 1
        found = _OBJECT.match(data, line)
        if found is not None:
            hit.append(int(found.group(1)))
        end = data.find(b"\r\nendstream", end + 1)
    return hit


def _boxes_and_marks(pdf: pikepdf.Pdf, page: pikepdf.Page, spec: PrintFinish,
                     registration: pikepdf.Object) -> None:
    x0, y0, x1, y1 = (float(v) for v in page.obj.get("/TrimBox", page.mediabox))
    bleed = spec.bleed_mm * MM
    page.obj["/BleedBox"] = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
    if not spec.marks:
        page.obj["/MediaBox"] = page.obj["/BleedBox"]
        return
    offset = max(MARK_OFFSET_MM * MM, bleed)
    length = MARK_LENGTH_MM * MM
    reach = offset + length + MARK_MARGIN_MM * MM
    page.obj["/MediaBox"] = pikepdf.Array([x0 - reach, y0 - reach, x1 + reach, y1 + reach])
    lines = []
    for x, sx in ((x0, -1), (x1, 1)):
        for y, sy in ((y0, -1), (y1, 1)):
            lines.append((x + sx * offset, y, x + sx * (offset + length), y))  # horizontal
            lines.append((x, y + sy * offset, x, y + sy * (offset + length)))  # vertical
    page.add_resource(registration, pikepdf.Name.ColorSpace, pikepdf.Name(REGISTRATION_NAME),
                      replace_existing=True)
    ops = [f"{MARK_WIDTH_PT} w 0 J {REGISTRATION_NAME} CS 1 SCN"]
    ops += [f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S" for a, b, c, d in lines]
    # Whatever the page content leaves in the graphics state must not move the marks.
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, ("\nQ\nq " + " ".join(ops) + " Q\n").encode()))


def _registration(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The registration colour: a Separation named /All, which a RIP puts on every
    plate at the given tint. Its alternate (for a proof or a screen) is 100 % of
    each of the four process inks. One object per PDF, shared by every page."""
    tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0],
                              C1=[1, 1, 1, 1], N=1)
    return pdf.make_indirect(pikepdf.Array(
        [pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceCMYK, tint]))


def _output_intent(pdf: pikepdf.Pdf, spec: PrintFinish, deflated: bool = True) -> None:
    """Embed the CMYK profile as the PDF/X output intent, named as print shops expect,
    and put every transparency group in that colour space.

    WeasyPrint could embed the profile itself, but it re-serialises it at twice
    its size and deflates it twice at level 9, which took a third of a second
    per PDF; the file's own bytes, deflated once a process (_deflated), are the same
    profile. Not ``deflated`` (a proof, kept uncompressed), they go in as they are.
    """
    profile = pikepdf.Stream(pdf, b"" if deflated else spec.profile)
    if deflated:
        profile.write(_deflated(spec.profile), filter=pikepdf.Name.FlateDecode)
    profile.N = 4
    profile.Alternate = pikepdf.Name.DeviceCMYK
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(spec.output_condition),
        OutputCondition=pikepdf.String(spec.output_condition_info),
        Info=pikepdf.String(spec.output_condition_info),
        RegistryName=pikepdf.String(spec.registry),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([intent])
    cmyk = pikepdf.Array([pikepdf.Name.ICCBased, profile])
    for obj in pdf.objects:
        group = obj.get("/Group") if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) \
            else None
        if isinstance(group, pikepdf.Dictionary) and group.get("/S") == "/Transparency":
            group.CS = cmyk


@functools.lru_cache(maxsize=4)
def _deflated(data: bytes) -> bytes:
    """``data`` deflated, once a process: the 200 KB profile goes into every print PDF
    and deflating it was 12 ms of each one's 28 ms of finishing (a batch of 15
    leaflets, a session's every save)."""
    return zlib.compress(data)


_RANDOM_ID = re.compile(rb"(xmp\.[di]id:)[0-9a-fA-F-]{36}")


def _stable_document_id(pdf: pikepdf.Pdf, identity: str) -> None:
    """WeasyPrint writes a random XMP DocumentID for PDF/X-4; derive it from the content."""
    meta = pdf.Root.get("/Metadata")
    if meta is None:
        return
    stable = str(uuid.uuid5(uuid.NAMESPACE_URL, f"folder-builder:{identity}")).encode()
    data = meta.read_bytes()
    fixed = _RANDOM_ID.sub(lambda m: m.group(1) + stable, data)
    if fixed != data:
        meta.write(fixed)
