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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .errors import FolderBuilderError, LayoutError, Problem

if TYPE_CHECKING:  # imported lazily: "validate" must not pay for WeasyPrint
    from weasyprint.document import Document
    from weasyprint.text.fonts import FontConfiguration

log = logging.getLogger("folder_builder")

MISSING_LIBRARY = (
    "WeasyPrint cannot load a system library it needs ({error}).\n"
    "On Debian or Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
    "libharfbuzz-subset0 (or run ./setup.sh, which says what is missing)."
)


def weasyprint():
    """Import WeasyPrint, turning a missing system library into a clear message.
    Every use of WeasyPrint starts here (see cache.remembered_library_lookups)."""
    from .cache import remembered_library_lookups

    try:
        with remembered_library_lookups():
            import weasyprint as wp
            from weasyprint.text.ffi import ffi
    except OSError as exc:
        raise FolderBuilderError(MISSING_LIBRARY.format(error=exc)) from exc
    _known_types_without_parsing(ffi)
    return wp


def font_configuration() -> FontConfiguration:
    """A new WeasyPrint font configuration: the fonts a builder loads once."""
    weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


_SIMPLE_TYPE = re.compile(
    r"(?P<base>[A-Za-z_][A-Za-z0-9_]*(?: [A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?P<stars> ?\*+)?(?:\[(?P<length>[0-9]*)\])?")


class _TypeSpellings(dict):
    """cffi's cache of C types by their spelling, which also knows the simple
    spellings WeasyPrint asks for ("PangoRectangle *", "FcChar8 **", "char[]",
    "hb_codepoint_t[66]") without asking pycparser.

    cffi parses every spelling it has not seen with pycparser, 5 ms apiece, because
    it declares every known type name again before the spelling. WeasyPrint asks for
    a dozen in each process, and for a new "T[N]" for every font subset it writes: a
    tenth of a second per PDF, in every process that lays out a part. A pointer or
    array of a declared or primitive type is built here by cffi's own backend from
    the declared type; cffi keeps one object per type, so it is the very object the
    parser would give. Any other spelling goes to cffi as before.
    """

    def __init__(self, ffi, known: dict) -> None:
        super().__init__(known)
        self._ffi = ffi

    def __missing__(self, spelling):
        match = _SIMPLE_TYPE.fullmatch(spelling) if isinstance(spelling, str) else None
        if match is None or not (match["stars"] or match["length"] is not None):
            raise KeyError(spelling)
        ffi = self._ffi
        with ffi._lock:
            ctype = self._declared(match["base"])
            for _ in (match["stars"] or "").strip():
                ctype = ffi._backend.new_pointer_type(ctype)
            if match["length"] is not None:
                ctype = ffi._backend.new_array_type(
                    ffi._backend.new_pointer_type(ctype),
                    int(match["length"]) if match["length"] else None)
        self[spelling] = (ctype, False)
        return self[spelling]

    def _declared(self, name: str):
        """The C type of a name the declarations give, or of a primitive type."""
        from cffi import model

        declared = self._ffi._parser._declarations.get("typedef " + name)
        if declared is not None and not isinstance(declared[0], model.RawFunctionType):
            return self._ffi._get_cached_btype(declared[0])
        if name in model.PrimitiveType.ALL_PRIMITIVE_TYPES:
            return self._ffi._get_cached_btype(model.PrimitiveType(name))
        raise KeyError(name)


def _known_types_without_parsing(ffi) -> None:
    """Install _TypeSpellings, once, where cffi keeps what it has parsed (if it still
    does so the way this was written against: otherwise leave cffi alone)."""
    if (type(getattr(ffi, "_parsed_types", None)) is dict and hasattr(ffi, "_backend")
            and hasattr(ffi, "_lock") and hasattr(getattr(ffi, "_parser", None),
                                                  "_declarations")):
        ffi._parsed_types = _TypeSpellings(ffi, ffi._parsed_types)


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
        try:
            document = wp.HTML(
                string=html, base_url=str(base_url) + "/", url_fetcher=fetcher,
                media_type=media_type,
            ).render(font_config=font_config, color_profiles=profiles, stylesheets=css)
        except Exception as exc:  # WeasyPrint's own failures, e.g. an internal assertion
            raise LayoutError(
                "WeasyPrint could not lay out the pages; the layouts use a combination it "
                f"cannot handle ({type(exc).__name__}: {exc or 'no message'}). Run with --debug "
                "to see where.", [Problem(m) for m in collected.messages]) from exc
    _fail_on(collected.messages, fetcher.refused)
    return document, fetcher


def export_pdf(document: Document, **options: object) -> bytes:
    """Serialise the laid-out document; warnings here fail the build too."""
    with _strict() as collected:
        pdf = document.write_pdf(**options)
    _fail_on(collected.messages, [])
    return pdf


def _fail_on(messages: list[str], refused: list[str]) -> None:
    problems = [Problem(m) for m in dict.fromkeys(refused + messages)]
    if problems:
        raise LayoutError(
            "WeasyPrint reported problems; nothing was written, since in print "
            "they would be misprints:",
            problems,
        )
