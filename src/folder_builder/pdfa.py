"""Make the screen PDF one file that is both PDF/A-2a (archivable) and PDF/UA-1
(accessible), as the PDF Association recommends for public documents.

WeasyPrint writes one or the other, not both (its issue 2783), and its tagged
output has faults that a screen reader hears. This module, run by finish.py on
the screen PDF with pikepdf, adds what PDF/A needs and mends the structure:

- the XMP metadata declares PDF/A-2 (conformance A) and PDF/UA-1, with the
  extension schema PDF/A requires for the PDF/UA identification it does not
  know, and agrees with the document information dictionary;
- the sRGB output intent is a PDF/A one (``GTS_PDFA1``), so that DeviceRGB has a
  meaning; every annotation is printable (flag Print), as PDF/A requires;
- running heads and folios (WeasyPrint tags them as orphan content that is
  read aloud on every page) are marked as pagination artifacts;
- a link WeasyPrint wrote twice over the same rectangle (an element and its
  ``::after`` box: two keyboard stops) keeps one annotation;
- Figure bounding boxes are turned from CSS pixels measured from the top of the
  page into PDF points where the figure is drawn;
- a layout table (no header cell: the leaflet's two columns) is tagged as plain
  groups, not as a data table a screen reader would announce;
- images are not interpolated (PDF/A forbids it; WeasyPrint asks for it on PNGs).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from xml.sax.saxutils import escape

import pikepdf

#: One CSS pixel in PDF points.
PX = 0.75
#: Annotation flag "Print" (PDF 32000-1, table 165): PDF/A wants it on every annotation.
PRINT_FLAG = 4
#: What the XMP declares; the test suite checks both with an independent validator.
PDFA_PART, PDFA_CONFORMANCE, PDFUA_PART = 2, "A", 1


def make_archival(pdf: pikepdf.Pdf, identity: str) -> None:
    """Turn WeasyPrint's PDF/UA-1 output into PDF/A-2a + PDF/UA-1, in place."""
    if "/StructTreeRoot" not in pdf.Root:
        return
    parent_tree = pdf.Root.StructTreeRoot.get("/ParentTree")
    if isinstance(parent_tree, pikepdf.Dictionary) and "/Nums" in parent_tree:
        # WeasyPrint writes the parent tree flat; a tree of /Kids is left alone.
        _artifacts(pdf)
        _one_annotation_per_link(pdf)
    _figure_boxes(pdf)
    _layout_tables(pdf)
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            annot.F = PRINT_FLAG
    for intent in pdf.Root.get("/OutputIntents", []):
        intent.S = pikepdf.Name.GTS_PDFA1
    for obj in pdf.objects:
        # PDF/A forbids image interpolation (the viewer's smoothing of a logo).
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" \
                and "/Interpolate" in obj:
            del obj["/Interpolate"]
    _metadata(pdf, identity)


# --- structure ------------------------------------------------------------------


def _kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
    if isinstance(kids, pikepdf.Array):
        return list(kids)
    return [] if kids is None else [kids]


def _elements(root: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    """Every structure element reachable from the structure tree root."""
    stack = _kids(root)
    seen: set[tuple[int, int]] = set()
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        yield node
        stack.extend(_kids(node))


def _parent_tree(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    nums = pdf.Root.StructTreeRoot.ParentTree.get("/Nums", pikepdf.Array())
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}


def _set_parent_tree(pdf: pikepdf.Pdf, entries: dict[int, pikepdf.Object]) -> None:
    nums = pikepdf.Array()
    for key in sorted(entries):
        nums.append(key)
        nums.append(entries[key])
    pdf.Root.StructTreeRoot.ParentTree.Nums = nums


def _artifacts(pdf: pikepdf.Pdf) -> None:
    """Content whose structure element is not in the tree (WeasyPrint's margin
    boxes: the running title and the folio) becomes a pagination artifact, which
    assistive technology skips, instead of orphan tagged content."""
    reachable = {element.objgen for element in _elements(pdf.Root.StructTreeRoot)}
    tree = _parent_tree(pdf)
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        mapping = tree.get(int(key)) if key is not None else None
        if not isinstance(mapping, pikepdf.Array):
            continue
        orphans = {mcid for mcid, element in enumerate(mapping)
                   if isinstance(element, pikepdf.Dictionary) and element.is_indirect
                   and element.objgen not in reachable}
        if not orphans:
            continue
        instructions = pikepdf.parse_content_stream(page)
        changed = False
        for index, instruction in enumerate(instructions):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue
            operands, operator = instruction.operands, str(instruction.operator)
            if operator != "BDC" or len(operands) < 2:
                continue
            properties = operands[1]
            if not isinstance(properties, pikepdf.Dictionary) or "/MCID" not in properties:
                continue
            if int(properties.MCID) in orphans:
                instructions[index] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name.Artifact,
                     pikepdf.Dictionary(Type=pikepdf.Name.Pagination,
                                        Subtype=pikepdf.Name.Footer)],
                    pikepdf.Operator("BDC"))
                changed = True
        if changed:
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
            for mcid in orphans:
                mapping[mcid] = None


def _link_target(annot: pikepdf.Dictionary) -> str:
    action = annot.get("/A")
    if isinstance(action, pikepdf.Dictionary):
        return repr(action.get("/URI") or action.get("/D"))
    return repr(annot.get("/Dest"))


def _one_annotation_per_link(pdf: pikepdf.Pdf) -> None:
    """WeasyPrint gives a link and its generated text (``a::after``, the page
    number of a page reference) an annotation each, over the same rectangle and
    nested as Link in Link. Keep the inner one, which holds the text, and lift
    it into the outer one's place."""
    tree = _parent_tree(pdf)
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        by_place: dict[tuple[str, str], list[pikepdf.Dictionary]] = {}
        for annot in annots:
            if annot.get("/Subtype") == "/Link":
                place = (repr([round(float(v), 2) for v in annot.Rect]), _link_target(annot))
                by_place.setdefault(place, []).append(annot)
        dropped: set[tuple[int, int]] = set()
        for twins in by_place.values():
            for annot in twins[:-1]:
                if _drop_link(annot, tree):
                    dropped.add(annot.objgen)
        if dropped:
            page.obj.Annots = pikepdf.Array([a for a in annots if a.objgen not in dropped])
    _set_parent_tree(pdf, tree)


def _drop_link(annot: pikepdf.Dictionary, tree: dict[int, pikepdf.Object]) -> bool:
    """Take ``annot`` out of the structure; False if its element is not the
    outer Link of a nested pair (then it is left alone)."""
    key = annot.get("/StructParent")
    element = tree.get(int(key)) if key is not None else None
    if not isinstance(element, pikepdf.Dictionary) or element.get("/S") != "/Link":
        return False
    kids = _kids(element)
    rest = [k for k in kids if not (isinstance(k, pikepdf.Dictionary)
                                    and k.get("/Type") == "/OBJR")]
    if not rest or not all(isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Link"
                           for k in rest):
        return False
    parent = element.P
    siblings = _kids(parent)
    at = next(i for i, k in enumerate(siblings)
              if isinstance(k, pikepdf.Dictionary) and k.objgen == element.objgen)
    for kid in rest:
        kid.P = parent
    parent.K = pikepdf.Array(siblings[:at] + rest + siblings[at + 1:])
    del tree[int(key)]
    return True


#: What each part of a layout table becomes: plain grouping, read in order.
_UNTABLED = {"/Table": "/Div", "/THead": "/Div", "/TBody": "/Div", "/TFoot": "/Div",
             "/TR": "/Div", "/TD": "/Div"}


def _layout_tables(pdf: pikepdf.Pdf) -> None:
    """A table without a single header cell lays things out side by side (the
    leaflet's two-column page); tagged as Table, a screen reader announces a
    data table of one row and reads cell coordinates. Tag it as plain groups.
    (The layouts keep the HTML table: WeasyPrint paginates and lays it out
    faster and more safely than floats or columns.)"""
    for element in list(_elements(pdf.Root.StructTreeRoot)):
        if element.get("/S") != "/Table":
            continue
        parts = [element]
        stack = _kids(element)
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary) and str(node.get("/S")) in _UNTABLED:
                parts.append(node)
                stack.extend(_kids(node))
        if any(part.get("/S") == "/TH" for part in parts) or \
                any(_has_header(node) for node in parts):
            continue
        for part in parts:
            part.S = pikepdf.Name(_UNTABLED[str(part.S)])
            attributes = part.get("/A")
            if isinstance(attributes, pikepdf.Dictionary) and attributes.get("/O") == "/Table":
                del part["/A"]


def _has_header(element: pikepdf.Dictionary) -> bool:
    return any(isinstance(kid, pikepdf.Dictionary) and kid.get("/S") == "/TH"
               for kid in _kids(element))


def _figure_boxes(pdf: pikepdf.Pdf) -> None:
    """Figure BBoxes in PDF points, bottom-up, clipped to the page, as PDF wants.
    WeasyPrint writes the CSS box in pixels from the top-left corner."""
    for element in _elements(pdf.Root.StructTreeRoot):
        if element.get("/S") != "/Figure":
            continue
        attributes = element.get("/A")
        page = element.get("/Pg")
        if not isinstance(attributes, pikepdf.Dictionary) or "/BBox" not in attributes \
                or not isinstance(page, pikepdf.Dictionary):
            continue
        mx0, my0, mx1, my1 = (float(v) for v in page.MediaBox)
        x0, y0, x1, y1 = (float(v) * PX for v in attributes.BBox)
        left, right = max(mx0, mx0 + x0), min(mx1, mx0 + x1)
        top, bottom = min(my1, my1 - y0), max(my0, my1 - y1)
        attributes.BBox = pikepdf.Array([round(left, 3), round(bottom, 3),
                                         round(right, 3), round(top, 3)])


# --- metadata -------------------------------------------------------------------

_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
  xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
  xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
  xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
  xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
  xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
  xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaid:part>{pdfa_part}</pdfaid:part>
<pdfaid:conformance>{pdfa_conformance}</pdfaid:conformance>
<pdfuaid:part>{pdfua_part}</pdfuaid:part>
{described}<pdf:Producer>{producer}</pdf:Producer>
<xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>
<xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>
<pdfaExtension:schemas>
<rdf:Bag>
<rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property>
<rdf:Seq>
<rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 the document conforms to</pdfaProperty:description>
</rdf:li>
</rdf:Seq>
</pdfaSchema:property>
</rdf:li>
</rdf:Bag>
</pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>
"""


def _xmp_date(value: object) -> str:
    """A PDF date (D:20210101000000Z) as XMP writes it (2021-01-01T00:00:00Z)."""
    text = str(value).removeprefix("D:")
    stamp = f"{text[0:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}"
    zone = text[14:].replace("'", "")
    if zone in ("", "Z"):
        return stamp + "Z"
    return f"{stamp}{zone[0]}{zone[1:3]}:{zone[3:5] or '00'}"


def _metadata(pdf: pikepdf.Pdf, identity: str) -> None:
    """XMP from the document information, so the two agree (PDF/A checks it)."""
    info = pdf.docinfo
    described = []

    def alt(tag: str, value: object) -> None:
        described.append(f'<{tag}><rdf:Alt><rdf:li xml:lang="x-default">'
                         f"{escape(str(value))}</rdf:li></rdf:Alt></{tag}>\n")

    if "/Title" in info:
        alt("dc:title", info.Title)
    if "/Author" in info:
        described.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(str(info.Author))}"
                         "</rdf:li></rdf:Seq></dc:creator>\n")
    if "/Subject" in info:
        alt("dc:description", info.Subject)
    if "/Keywords" in info:
        described.append(f"<pdf:Keywords>{escape(str(info.Keywords))}</pdf:Keywords>\n")
    if "/Creator" in info:
        described.append(f"<xmp:CreatorTool>{escape(str(info.Creator))}</xmp:CreatorTool>\n")
    if "/CreationDate" in info:
        described.append(f"<xmp:CreateDate>{_xmp_date(info.CreationDate)}</xmp:CreateDate>\n")
    if "/ModDate" in info:
        modified = _xmp_date(info.ModDate)
        described.append(f"<xmp:ModifyDate>{modified}</xmp:ModifyDate>\n"
                         f"<xmp:MetadataDate>{modified}</xmp:MetadataDate>\n")
    document_id = uuid.uuid5(uuid.NAMESPACE_URL, f"folder-builder:{identity}")
    packet = _XMP.format(
        pdfa_part=PDFA_PART, pdfa_conformance=PDFA_CONFORMANCE, pdfua_part=PDFUA_PART,
        described="".join(described), producer=escape(str(info.get("/Producer", ""))),
        document_id=document_id)
    pdf.Root.Metadata = pdf.make_stream(packet.encode(),
                                        Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
