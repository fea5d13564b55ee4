"""The build pipeline: load → validate → render HTML → lay out → check → write.

One build makes one or more variants of a product: ``print`` (PDF/X-4, CMYK,
bleed and crop marks, for the print shop) and ``screen`` (PDF/UA-1, sRGB,
tagged, for the web). Each variant is checked by the same preflight that
``folder-builder check`` runs, and is written only if it passes.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .content import icc_problem, load_content
from .errors import InputError, PreflightError, Problem
from .model import Content, PrintSettings
from .output import write_atomic
from .paths import BUNDLED_CONTENT, BUNDLED_FONTS, DEFAULT_PROFILE
from .render import render_html, validate_layouts
from .templates import STYLESHEET, environment, find_file, layout_dirs

if TYPE_CHECKING:
    import jinja2
    from weasyprint.text.fonts import FontConfiguration

    from .finish import PrintFinish

log = logging.getLogger("folder_builder")
T = TypeVar("T")

FONTS_STYLESHEET = BUNDLED_FONTS / "fonts.css"
VARIANTS = ("print", "screen")


@dataclass(frozen=True)
class Variant:
    """How WeasyPrint is asked to make one kind of PDF."""

    name: str
    media_type: str
    pdf_variant: str
    output_intent: str


PRINT = Variant("print", "print", "pdf/x-4", "device-cmyk")
SCREEN = Variant("screen", "screen", "pdf/ua-1", "srgb")
_BY_NAME = {"print": PRINT, "screen": SCREEN}


@dataclass(frozen=True)
class BuildOptions:
    content: Path = BUNDLED_CONTENT
    layouts: Path | None = None
    #: The PDF to write; with several variants, "-<variant>" is added to its name.
    output: Path | None = None
    product: str = "folder"
    variants: tuple[str, ...] = ("print",)
    #: None: as print.yaml says (default on).
    marks: bool | None = None
    #: The print shop's CMYK profile; overrides print.yaml.
    icc: Path | None = None

    def target(self, variant: str) -> Path:
        if self.output is None:
            return Path("build") / f"{self.product}-{variant}.pdf"
        if len(self.variants) == 1:
            return self.output
        return self.output.with_name(f"{self.output.stem}-{variant}{self.output.suffix}")


@dataclass(frozen=True)
class BuildResult:
    path: Path
    pages: int
    variant: str = "print"
    #: section id -> (first page, last page), 1-based
    landings: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: the preflight report the PDF passed
    report: str = ""


def _step(name: str, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run one named pipeline step and log how long it took."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    log.info("%-9s %6.3f s", name, time.perf_counter() - started)
    return result


def validate(options: BuildOptions) -> Content:
    """Load and validate content and layouts without laying anything out."""
    content = _step("load", load_content, options.content)
    env = environment(layout_dirs(options.layouts))
    _step("validate", validate_layouts, content, env)
    return content


def build(options: BuildOptions) -> list[BuildResult]:
    """Build every requested variant of one product; raise a FolderBuilderError on any
    problem. Variants already written stay written if a later one fails."""
    from weasyprint.text.fonts import FontConfiguration

    for name in options.variants:
        if name not in _BY_NAME:
            raise InputError(f"unknown variant '{name}'; choose from {', '.join(VARIANTS)}")
    content = _step("load", load_content, options.content)
    dirs = layout_dirs(options.layouts)
    env = environment(dirs)
    _step("validate", validate_layouts, content, env)
    profile = _output_profile(content, options)
    # Fonts are loaded once per build, so the files the first variant's fetcher
    # served are the project fonts every variant may embed.
    font_config = FontConfiguration()
    served_fonts: dict[str, str] = {}
    return [
        _build_variant(content, env, dirs, _BY_NAME[name], options, profile, font_config,
                       served_fonts)
        for name in options.variants
    ]


def _build_variant(
    content: Content,
    env: jinja2.Environment,
    dirs: tuple[Path, ...],
    variant: Variant,
    options: BuildOptions,
    profile: Path,
    font_config: FontConfiguration,
    served_fonts: dict[str, str],
) -> BuildResult:
    from .checks import check_fit, check_fonts
    from .finish import finish
    from .layout import export_pdf, lay_out
    from .preflight import preflight

    log.info("variant   %s", variant.name)
    settings = content.print_settings
    is_print = variant is PRINT
    date = _build_date(content)
    html, sections = _step("render", render_html, content, options.product, env,
                           variant=variant.name, profile=profile, build_date=date)
    document, fetcher = _step(
        "layout", lay_out, html,
        base_url=content.root,
        stylesheets=[FONTS_STYLESHEET, find_file(dirs, STYLESHEET)],
        roots=(content.root, *dirs, BUNDLED_FONTS, profile.parent),
        media_type=variant.media_type,
        extra_css=_print_css(settings.bleed_mm, profile) if is_print else "",
        font_config=font_config,
    )
    landed = _step("check", check_fit, document, sections)
    # Everything that decides the bytes, so that identifiers are stable across builds.
    identity = hashlib.sha256(
        "\0".join([html, variant.name, str(settings), profile.name]).encode()
    ).hexdigest()
    pdf = _step("export", export_pdf, document, pdf_variant=variant.pdf_variant,
                output_intent=variant.output_intent, pdf_identifier=identity[:32].encode())
    served_fonts.update(fetcher.served)
    check_fonts(document, served_fonts)
    pdf = _step("finish", finish, pdf, identity=identity,
                print_finish=_print_finish(settings, options, profile) if is_print else None)
    report = _step("preflight", preflight, pdf, variant.name, bleed_mm=settings.bleed_mm)
    if not report.passed:
        raise PreflightError(
            f"the {variant.name} PDF fails its preflight; it was not written:",
            [Problem(f"{r.name}: {r.detail}") for r in report.failures])
    path = _step("write", write_atomic, options.target(variant.name), pdf)
    return BuildResult(
        path=path,
        pages=len(document.pages),
        variant=variant.name,
        landings={key: (land.first, land.last) for key, land in landed.items()},
        report=report.format(),
    )


def _output_profile(content: Content, options: BuildOptions) -> Path:
    """The CMYK profile: --icc, else print.yaml's, else the bundled FOGRA39."""
    if options.icc is not None:
        problem = icc_problem(options.icc.resolve())
        if problem:
            raise InputError(f"--icc {options.icc}: {problem}")
        return options.icc.resolve()
    return content.print_settings.profile or DEFAULT_PROFILE


def _print_css(bleed_mm: float, profile: Path) -> str:
    """The print variant's own rules: bleed, and the profile its colours are meant for."""
    return (
        f"@page {{ bleed: {bleed_mm:g}mm; }}\n"
        f":root {{ --bleed: {bleed_mm:g}mm; }}\n"
        f'@color-profile device-cmyk {{ src: url("{profile.as_uri()}"); '
        "components: c, m, y, k; }\n"
    )


def _print_finish(settings: PrintSettings, options: BuildOptions, profile: Path) -> PrintFinish:
    """Crop marks and the output intent's names. A profile given with --icc names its
    own printing condition; otherwise print.yaml may name it."""
    from PIL import ImageCms

    from .finish import PrintFinish

    described = ImageCms.getOpenProfile(str(profile)).profile
    name = (described.model or described.profile_description).strip()
    info = (described.profile_description or name).strip()
    if options.icc is None:
        name = settings.output_condition or name
        info = settings.output_condition_info or info
    return PrintFinish(
        bleed_mm=settings.bleed_mm,
        marks=settings.marks if options.marks is None else options.marks,
        output_condition=name,
        output_condition_info=info,
        registry=settings.registry,
    )


def _build_date(content: Content) -> str:
    """The date written into the PDF: SOURCE_DATE_EPOCH if set, else the content's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            stamp = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        except (ValueError, OverflowError, OSError) as exc:
            raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time") from exc
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{content.publication.date}T00:00:00Z"
