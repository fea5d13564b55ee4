"""The build pipeline: load → validate → render HTML → lay out → check → write."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .content import load_content
from .output import write_atomic
from .paths import BUNDLED_CONTENT, BUNDLED_FONTS
from .render import render_html, validate_layouts
from .templates import STYLESHEET, environment, find_file, layout_dirs

log = logging.getLogger("folder_builder")
T = TypeVar("T")

FONTS_STYLESHEET = BUNDLED_FONTS / "fonts.css"


@dataclass(frozen=True)
class BuildOptions:
    content: Path = BUNDLED_CONTENT
    layouts: Path | None = None
    output: Path | None = None
    product: str = "folder"

    @property
    def target(self) -> Path:
        return self.output or Path("build") / f"{self.product}.pdf"


@dataclass(frozen=True)
class BuildResult:
    path: Path
    pages: int
    #: section id -> (first page, last page), 1-based
    landings: dict[str, tuple[int, int]] = field(default_factory=dict)


def _step(name: str, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run one named pipeline step and log how long it took."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    log.info("%-9s %6.3f s", name, time.perf_counter() - started)
    return result


def validate(options: BuildOptions):
    """Load and validate content and layouts without laying anything out."""
    content = _step("load", load_content, options.content)
    env = environment(layout_dirs(options.layouts))
    _step("validate", validate_layouts, content, env)
    return content


def build(options: BuildOptions) -> BuildResult:
    """Build one product to a PDF; raise a FolderBuilderError on any problem."""
    from .checks import check_fit, check_fonts
    from .layout import export_pdf, lay_out

    content = _step("load", load_content, options.content)
    dirs = layout_dirs(options.layouts)
    env = environment(dirs)
    _step("validate", validate_layouts, content, env)
    html, sections = _step("render", render_html, content, options.product, env)
    document, fetcher = _step(
        "layout", lay_out, html,
        base_url=content.root,
        stylesheets=[FONTS_STYLESHEET, find_file(dirs, STYLESHEET)],
        roots=(content.root, *dirs, BUNDLED_FONTS),
    )
    landed = _step("check", check_fit, document, sections)
    pdf = _step("export", export_pdf, document)
    check_fonts(document, fetcher.served)
    path = _step("write", write_atomic, options.target, pdf)
    return BuildResult(
        path=path,
        pages=len(document.pages),
        landings={key: (land.first, land.last) for key, land in landed.items()},
    )
