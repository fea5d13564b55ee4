"""Lay out the HTML with WeasyPrint, strictly.

WeasyPrint logs a missing image, font or stylesheet and carries on; in print
that is a misprint. Here every warning or error it logs fails the build, and
every resource goes through one fetcher that serves only files inside the
project's folders.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import weakref
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .errors import LayoutError, Problem
from .pageturn import MAX_ROUNDS, keep_whole, reread, words_split_at_turns

if TYPE_CHECKING:  # imported lazily: "validate" must not pay for WeasyPrint
    from weasyprint.document import Document
    from weasyprint.text.fonts import FontConfiguration

log = logging.getLogger("folder_builder")

#: The HTML each document was laid out from where words were kept whole at a page
#: turn (kept_whole_html), while the document lives.
_KEPT_WHOLE: weakref.WeakKeyDictionary[Document, str] = weakref.WeakKeyDictionary()

def weasyprint():
    """WeasyPrint, with the engine's workarounds installed (engine.py)."""
    from .engine import weasyprint as started

    return started()


def font_configuration() -> FontConfiguration:
    """A new WeasyPrint font configuration (engine.py)."""
    from .engine import font_configuration as new

    return new()


def document_source(html: str, stylesheets: list, **options: object):
    """WeasyPrint's HTML for ``html``, to lay out with ``stylesheets`` (engine.py)."""
    from .engine import document

    return document(html, stylesheets, **options)


def project_fetcher(roots: tuple[Path, ...]):
    """A URL fetcher that serves data: URLs and files inside ``roots``, nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    resolved = tuple(Path(r).resolve() for r in roots)

    class ProjectFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"))
            self.refused: list[str] = []
            self.served: dict[str, str] = {}  # sha256 of file bytes -> path

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            reason = "only files inside the project's content, layouts and fonts folders load"
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path))
                real = path.resolve()
                inside = any(real.is_relative_to(root) for root in resolved)
                if inside and real.is_file():
                    body = real.read_bytes()
                    self.served[hashlib.sha256(body).hexdigest()] = str(real)
                    ctype = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body, {"Content-Type": ctype})
                if inside:
                    reason = "no such file"
                elif path != real and any(path.is_relative_to(r) for r in resolved):
                    reason = "it is a link to a file outside the project's folders"
            self.refused.append(f"refused '{url}': {reason}")
            raise ValueError(f"refused: {reason}")

    return ProjectFetcher()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip())


@contextmanager
def _strict(logger_name: str = "weasyprint") -> Iterator[_Collect]:
    logger = logging.getLogger(logger_name)
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def lay_out(
    html: str,
    *,
    base_url: Path,
    stylesheets: list[Path],
    roots: tuple[Path, ...],
    media_type: str = "print",
    extra_css: str = "",
    font_config: FontConfiguration | None = None,
    css_cache: dict | None = None,
) -> tuple[Document, object]:
    """Lay out ``html``; return the document and the fetcher that loaded its resources.

    ``extra_css`` comes last: the build's own settings (bleed, output profile)
    for the variant being made.
    """
    wp = weasyprint()
    font_config = font_config or font_configuration()
    fetcher = project_fetcher(roots)
    # Like fonts, @color-profile rules only reach the document through a shared dict.
    profiles: dict = {}
    shared = {"url_fetcher": fetcher, "font_config": font_config, "color_profiles": profiles,
              "media_type": media_type}
    # Parsing the stylesheets costs 50 ms; a builder making many PDFs with one font
    # configuration parses them once (a stylesheet that failed never gets cached).
    key = (tuple(stylesheets), media_type, extra_css, id(font_config))
    with _strict() as collected:
        css = (css_cache or {}).get(key)
        if css is None:
            css = [wp.CSS(filename=str(path), **shared) for path in stylesheets]
            if extra_css:
                css.append(wp.CSS(string=extra_css, **shared))
            if css_cache is not None and not collected.messages and not fetcher.refused:
                css_cache[key] = css
        def render(source: object) -> Document:
            try:
                return source.render(font_config=font_config, color_profiles=profiles,
                                     stylesheets=css)
            except Exception as exc:  # WeasyPrint's own failures, e.g. an assertion
                raise LayoutError(
                    "WeasyPrint could not lay out the pages; the layouts use a combination "
                    f"it cannot handle ({type(exc).__name__}: {exc or 'no message'}). Run "
                    "with --debug to see where.",
                    [Problem(m) for m in collected.messages]) from exc

        source = document_source(html, css, base_url=str(base_url) + "/",
                                 url_fetcher=fetcher, media_type=media_type)
        document = render(source)
        # No word split across a page turn (pageturn.py): a word found so is kept
        # whole and the document laid out again, which only then costs.
        kept = False
        for _ in range(MAX_ROUNDS):
            splits = words_split_at_turns(document)
            if not [split for split in reversed(splits) if keep_whole(split)]:
                break
            reread(source)
            document, kept = render(source), True
    _fail_on(collected.messages, fetcher.refused)
    if kept:
        _KEPT_WHOLE[document] = _serialised(source)
    return document, fetcher


def kept_whole_html(document: Document) -> str | None:
    """The HTML ``document`` was laid out from as WeasyPrint last read it, with the
    spans that keep words whole at a page turn (pageturn.py); None where lay_out
    kept no word whole, and the HTML given is the HTML laid out."""
    return _KEPT_WHOLE.get(document)


def _serialised(source: object) -> str:
    import xml.etree.ElementTree as ET

    return "<!DOCTYPE html>\n" + ET.tostring(source.etree_element, encoding="unicode",
                                               method="html")


#: What WeasyPrint says of a link whose target is not among the pages it writes.
_NO_ANCHOR = re.compile(r"No anchor #(.+) for internal URI reference")


def export_pdf(document: Document, anchors_elsewhere: Collection[str] = (),
               **options: object) -> bytes:
    """Serialise the laid-out document; warnings here fail the build too. Some pages
    of a document (a warm proof's changed ones) may link to ``anchors_elsewhere``,
    on its other pages: those links are no misprint."""
    with _strict() as collected:
        pdf = document.write_pdf(**options)
    elsewhere = set(anchors_elsewhere)
    _fail_on([message for message in collected.messages
              if not ((found := _NO_ANCHOR.fullmatch(message))
                      and found.group(1) in elsewhere)], [])
    return pdf


def _fail_on(messages: list[str], refused: list[str]) -> None:
    problems = [Problem(m) for m in dict.fromkeys(refused + messages)]
    if problems:
        raise LayoutError(
            "WeasyPrint reported problems; nothing was written, since in print "
            "they would be misprints:",
            problems,
        )
