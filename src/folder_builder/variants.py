"""The two kinds of PDF, print and screen, and everything that differs between them.

One registry, as WeasyPrint keeps its PDF variants: a ``Variant`` owns its
media type, the CSS the build adds, how content colours and department logos
are written, how the PDF is finished and which preflight it must pass. The
pipeline (session.py) asks the variant; nothing else tests for a variant's
name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .colour import cmyk_css, srgb_css
from .errors import InputError
from .logos import logo_as_is, logo_in_cmyk
from .model import Colour, PrintSettings
from .names import did_you_mean

if TYPE_CHECKING:
    import pikepdf

    from .finish import PrintFinish
    from .preflight import CheckResult, Report

#: A variant's preflight: the checks of one PDF, given its trimmed size and bleed in mm.
Checks = Callable[["pikepdf.Pdf", tuple[float, float], float], "tuple[CheckResult, ...]"]


@dataclass(frozen=True)
class Press:
    """The print settings of one session: print.yaml, overridden from the command line."""

    settings: PrintSettings
    #: the CMYK profile (--icc, print.yaml's, or the bundled FOGRA39)
    profile: Path
    #: crop marks (--no-marks, else print.yaml)
    marks: bool
    #: whether the profile came from --icc: it then names its own printing condition
    icc_given: bool = False

    @property
    def bleed_mm(self) -> float:
        return self.settings.bleed_mm

    @cached_property
    def print_finish(self) -> PrintFinish:
        """Crop marks and the output intent's names. A profile given with --icc names
        its own printing condition; otherwise print.yaml may name it."""
        from .colour import open_profile
        from .finish import PrintFinish

        described = open_profile(self.profile).profile
        name = (described.model or described.profile_description).strip()
        info = (described.profile_description or name).strip()
        if not self.icc_given:
            name = self.settings.output_condition or name
            info = self.settings.output_condition_info or info
        return PrintFinish(
            bleed_mm=self.settings.bleed_mm,
            marks=self.marks,
            output_condition=name,
            output_condition_info=info,
            registry=self.settings.registry,
            profile=self.profile.read_bytes(),
        )


@dataclass(frozen=True)
class Variant:
    """How one kind of PDF is made and checked."""

    name: str
    #: the CSS media type the layouts are laid out for
    media_type: str
    #: WeasyPrint's PDF variant and output intent
    pdf_variant: str
    output_intent: str
    #: whether the pages may be laid out in pieces and put together (parts.py): not for
    #: a tagged PDF, whose structure tree is one whole
    pieces: bool
    #: the CSS the build adds after the layouts' stylesheets
    extra_css: Callable[[Press], str]
    #: the colour() function templates get
    colour: Callable[[Press], Callable[[Colour], str]]
    #: the src of a department logo
    logo: Callable[[Path, Path], str]
    #: what finish.py does besides stable identifiers (None: nothing)
    finishing: Callable[[Press], PrintFinish | None]
    #: the checks its PDF must pass (preflight.py)
    checks: Checks
    #: whether a raster logo below print resolution is worth a warning (notices.py)
    needs_print_resolution: bool
    #: whether a delivered PDF is what goes to the printer, so the command line records
    #: what it was made from, for ``folder-builder changes`` (changes.py)
    records_delivery: bool

    def finish(self, pdf: bytes, press: Press, identity: str,
               link_titles: dict[str, str], compress: bool = True) -> bytes:
        """The finished PDF (finish.py); uncompressed for a proof kept in memory."""
        from .finish import finish

        return finish(pdf, identity=identity, print_finish=self.finishing(press),
                      link_titles=link_titles, compress=compress)

    def preflight(self, pdf: bytes, press: Press, trim_mm: tuple[float, float] | None
                  ) -> Report:
        """The checks this variant's PDF must pass (preflight.py)."""
        from .preflight import preflight

        return preflight(pdf, self, trim_mm=trim_mm, bleed_mm=press.bleed_mm)


def _bleed_css(press: Press) -> str:
    """The print variant's own rule: the bleed (the output profile is added in finish)."""
    bleed = press.bleed_mm
    return f"@page {{ bleed: {bleed:g}mm; }}\n:root {{ --bleed: {bleed:g}mm; }}\n"


def _print_checks(pdf: pikepdf.Pdf, trim_mm: tuple[float, float], bleed_mm: float
                  ) -> tuple[CheckResult, ...]:
    """preflight.print_checks, imported when a PDF is checked (not to load a command
    that checks nothing)."""
    from .preflight import print_checks

    return print_checks(pdf, trim_mm, bleed_mm)


def _screen_checks(pdf: pikepdf.Pdf, trim_mm: tuple[float, float], bleed_mm: float
                   ) -> tuple[CheckResult, ...]:
    """preflight.screen_checks, imported when a PDF is checked."""
    from .preflight import screen_checks

    return screen_checks(pdf, trim_mm, bleed_mm)


PRINT = Variant(
    name="print", media_type="print", pdf_variant="pdf/x-4", output_intent="device-cmyk",
    pieces=True, extra_css=_bleed_css, colour=lambda press: cmyk_css,
    logo=logo_in_cmyk, finishing=lambda press: press.print_finish,
    checks=_print_checks, needs_print_resolution=True, records_delivery=True)
SCREEN = Variant(
    name="screen", media_type="screen", pdf_variant="pdf/ua-1", output_intent="srgb",
    pieces=False, extra_css=lambda press: "", colour=lambda press: srgb_css(press.profile),
    logo=logo_as_is, finishing=lambda press: None,
    checks=_screen_checks, needs_print_resolution=False, records_delivery=False)

#: Every variant, by name, in the order "--variant all" makes them.
VARIANTS: dict[str, Variant] = {variant.name: variant for variant in (PRINT, SCREEN)}


def variant(name: str) -> Variant:
    """The variant called ``name``; an InputError naming the choices otherwise."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise InputError(f"unknown variant '{name}'{did_you_mean(name, VARIANTS)}; choose from "
                         f"{', '.join(VARIANTS)}") from None
