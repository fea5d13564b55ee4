"""The command line: parse arguments, call the pipeline, report.

This is the only place that turns a FolderBuilderError into a message and an
exit code; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from . import __version__
from .build import VARIANTS, BuildOptions, build, validate
from .errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, FolderBuilderError, InputError


def _positive(text: str) -> int:
    """A whole number of at least 1 (for --jobs)."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return number


def _size(text: str) -> tuple[float, float]:
    """A trimmed page size written WxH in millimetres (for --trim), e.g. 210x297."""
    try:
        width, height = (float(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        width = height = 0.0
    if width <= 0 or height <= 0:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a size in millimetres written WIDTHxHEIGHT, e.g. 148x210")
    return (width, height)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="folder-builder",
        description="Render the folder, and leaflets cut from it, from content files and "
        "HTML/CSS layouts to print-ready PDF.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log each build step and how long it took")
    parser.add_argument("--debug", action="store_true",
                        help="show a Python traceback when something fails")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser, *, makes_pdfs: bool = True) -> None:
        sub.add_argument("--content", type=Path, metavar="DIR",
                         help="content folder (default: the bundled content/)")
        sub.add_argument("--layouts", type=Path, metavar="DIR",
                         help="layouts folder searched before the bundled layouts/")
        if not makes_pdfs:
            return
        sub.add_argument("--variant", choices=(*VARIANTS, "all"), default="print",
                         help="which PDF to make: print (default), screen or all")
        sub.add_argument("--no-marks", dest="marks", action="store_false", default=None,
                         help="leave out the crop marks of the print PDF")
        sub.add_argument("--icc", type=Path, metavar="FILE",
                         help="the print shop's CMYK ICC profile, embedded as the output "
                         "intent (default: print.yaml's, else the bundled FOGRA39)")
        sub.add_argument("--jobs", "-j", type=_positive, metavar="N",
                         help="processes to work in (default: one per CPU core); the PDFs "
                         "are the same whatever the number")
        sub.add_argument("--keep-html", action="store_true",
                         help="also write the HTML beside each PDF (stylesheets linked), to "
                         "inspect it or lay it out with plain WeasyPrint")

    build_cmd = commands.add_parser(
        "build", help="build the folder to PDF (print, screen or both)",
        description="Build the folder PDF from the content and layouts: the print PDF "
        "(PDF/X-4, CMYK, 3 mm bleed, crop marks) for the print shop, the screen PDF "
        "(PDF/UA-1, sRGB, tagged, bookmarks) for the web, or both. Each is preflighted "
        "before it is written. Stops with a message, and writes nothing, if the content is "
        "invalid, a section outgrows its pages or the preflight fails.")
    common(build_cmd)
    build_cmd.add_argument("-o", "--output", type=Path, metavar="FILE",
                           help="PDF to write (default: build/folder-VARIANT.pdf); with "
                           "--variant all, -print and -screen are added to its name")
    leaflet_cmd = commands.add_parser(
        "leaflet", help="build the leaflet for one role, optionally for one department",
        description="Build an A5 leaflet for one role (8 pages, or more in whole sheets of "
        "four when the content needs it): the role's statements, the shared statements, the "
        "model, the role's neighbours in the chain and a page for reflection; with "
        "--department, the department's name, logo, introduction, notes and questions.")
    common(leaflet_cmd)
    leaflet_cmd.add_argument("--role", required=True, metavar="ROLE",
                             help="role id (e.g. leder-af-medarbejder) or display name")
    leaflet_cmd.add_argument("--department", metavar="DEPT",
                             help="department file name in content/departments/ (without "
                             ".yaml) or the department's name")
    leaflet_cmd.add_argument("-o", "--output", type=Path, metavar="FILE",
                             help="PDF to write (default: build/leaflets/ROLE[--DEPT]-"
                             "VARIANT.pdf)")
    leaflet_cmd.add_argument("--imposed", choices=("a4",), metavar="SHEET",
                             help="instead, write the office-printer edition: the pages two "
                             "to a side of an A4 sheet in fold order, to print on both sides "
                             "(flip on the short edge), fold and staple (default output: "
                             "build/leaflets/ROLE[--DEPT]-a4.pdf)")
    batch_cmd = commands.add_parser(
        "batch", help="build many leaflets at once, in parallel",
        description="Build the leaflet of every requested role for every requested "
        "department, and each role without a department, into build/leaflets/ (or --output-dir), "
        "in parallel. One failing leaflet does not stop the others; the failures are listed "
        "at the end and the exit code is 1 if there were any.")
    common(batch_cmd)
    batch_cmd.add_argument("--roles", nargs="+", metavar="ROLE",
                           help="roles to build (default: every role that is not shared)")
    batch_cmd.add_argument("--departments", nargs="+", metavar="DEPT",
                           help="departments to build for (default: all in content/departments/)")
    batch_cmd.add_argument("--no-plain", dest="plain", action="store_false",
                           help="skip the leaflets without a department")
    batch_cmd.add_argument("--output-dir", type=Path, metavar="DIR",
                           help="where to write (default: build/leaflets)")
    check_cmd = commands.add_parser(
        "check", help="preflight a PDF",
        description="Check any PDF for print (PDF/X, CMYK only, trim and bleed boxes, fonts "
        "embedded, output intent, page count a multiple of 4) or for the screen (PDF/UA "
        "tagging, language, title, outline, sRGB). One line per check; exit 0 when all "
        "pass, 1 when any fails.")
    check_cmd.add_argument("pdf", type=Path, metavar="FILE.pdf", help="the PDF to check")
    check_cmd.add_argument("--variant", choices=VARIANTS, default="print",
                           help="what the PDF is for (default: print)")
    check_cmd.add_argument("--bleed", type=float, default=3.0, metavar="MM",
                           help="the bleed a print PDF must have (default: 3)")
    check_cmd.add_argument("--trim", type=_size, metavar="WxH",
                           help="the trimmed page size in mm, e.g. 148x210 for A5 (default: "
                           "every page must have the first page's size)")
    validate_cmd = commands.add_parser(
        "validate", help="check the content and page plan only (fast)",
        description="Load and check every content file, every department file and the page "
        "plan, and report every problem with file, line and field. Then lay out the few "
        "leaflet pages that show statements, to warn of a statement that fits the folder "
        "but would break the leaflets (--quick skips this and lays nothing out).")
    common(validate_cmd, makes_pdfs=False)
    validate_cmd.add_argument("--quick", action="store_true",
                              help="lay nothing out: skip the check that the leaflet pages "
                              "showing statements still fit them (a fraction of a second)")
    changes_cmd = commands.add_parser(
        "changes", help="list what changed since the edition at the printer",
        description="List every text changed, added or removed since the print PDF that "
        "went to the printer (its manifest, written beside it by every print build), with "
        "the old and new wording (removed words [-like this-], added words {+like this+}) "
        "and the pages it is on now; a colour or layout change is listed as such.")
    common(changes_cmd, makes_pdfs=False)
    changes_cmd.add_argument("--since", type=Path, metavar="MANIFEST",
                             help="the manifest of the printed edition (default: "
                             "build/folder-print.manifest.json)")
    serve_cmd = commands.add_parser(
        "serve", help="show a live proof of the folder and every leaflet in the browser",
        description="Start a local web server that shows the folder and each leaflet as "
        "spreads, rebuilds as soon as a content, layout or font file is saved, and lists "
        "any problem in the page, and runs the department studio (/departments), where a "
        "department makes its leaflet in a form beside its proof. It binds to this machine "
        "only (127.0.0.1) unless --host says otherwise. Stop it with Ctrl-C.")
    common(serve_cmd, makes_pdfs=False)
    serve_cmd.add_argument("--host", default="127.0.0.1", metavar="HOST",
                           help="address to listen on (default: 127.0.0.1, this machine "
                           "only); any other address, e.g. 0.0.0.0 for the intranet, serves "
                           "nothing without a key and prints the editor's link (see 'link')")
    serve_cmd.add_argument("--port", type=int, default=8000, metavar="PORT",
                           help="port to listen on (default: 8000; 0 picks a free one)")
    serve_cmd.add_argument("--open", dest="open_browser", action="store_true",
                           help="open the proof in the default browser")
    serve_cmd.add_argument("--workers", type=_workers, default=None, metavar="N",
                           help="how many processes build the studio's proofs and downloads, "
                           "each keeping its own warm session (default: one per CPU core; "
                           "0: build them in the server process)")
    link_cmd = commands.add_parser(
        "link", help="print the studio link that opens one department (or the editor)",
        description="Print a link to the department studio, for a studio served on the "
        "intranet (serve --host). A department's link opens that department's editor and "
        "nothing else; --editor prints the editor's link, which opens everything. The "
        "links are signed with a secret kept in your user's config folder. --revoke "
        "withdraws every link given so far for that department (or the editor) and prints "
        "the new one.")
    link_cmd.add_argument("department", nargs="?", metavar="DEPARTMENT",
                          help="department file name in content/departments/ (without "
                          ".yaml) or the department's name")
    link_cmd.add_argument("--editor", action="store_true",
                          help="the editor's link instead of a department's")
    link_cmd.add_argument("--revoke", action="store_true",
                          help="withdraw the links given so far, then print the new one")
    link_cmd.add_argument("--base-url", metavar="URL",
                          help="the address the studio is served at (default: "
                          "http://THIS-HOST:8000)")
    link_cmd.add_argument("--content", type=Path, metavar="DIR",
                          help="content folder (default: the bundled content/)")
    return parser


def _workers(text: str) -> int:
    """--workers: a whole number from 0 to 64."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 64:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes from 0 to 64")
    return value


def _link(args: argparse.Namespace) -> int:
    """folder-builder link: print (and optionally renew) a studio link."""
    import socket

    from .content import load_content
    from .paths import BUNDLED_CONTENT
    from .web.access import EDITOR, Keys

    if args.editor == bool(args.department):
        raise InputError("give either a DEPARTMENT or --editor")
    content_dir = args.content or BUNDLED_CONTENT
    keys = Keys(content=content_dir)
    department = None
    if args.department:
        department = load_content(content_dir).find_department(args.department).stem
    if args.revoke:
        keys.revoke(department or EDITOR)
    base = args.base_url or f"http://{socket.getfqdn()}:8000"
    print(keys.link(base, department))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    logging.basicConfig(format="%(name)s: %(message)s", stream=sys.stderr,
                        level=logging.WARNING)
    if args.verbose:
        logging.getLogger("folder_builder").setLevel(logging.INFO)
    try:
        if args.command == "link":
            return _link(args)
        if args.command == "check":
            from .preflight import preflight

            report = preflight(args.pdf, args.variant, bleed_mm=args.bleed,
                               trim_mm=args.trim)
            print(f"{args.pdf} ({args.variant}):")
            print(report.format())
            return EXIT_OK if report.passed else EXIT_FAILED
        options = BuildOptions(
            **{k: v for k, v in (("content", args.content), ("layouts", args.layouts)) if v}
        )
        if args.command == "changes":
            from .changes import changes_command

            print(changes_command(options.content, options.layouts, args.since))
            return EXIT_OK
        if args.command == "serve":
            from .web.server import serve

            return serve(args.content, args.layouts, host=args.host, port=args.port,
                         open_browser=args.open_browser, workers=args.workers)
        if args.command == "validate":
            from .notices import Notices

            notices = Notices()
            content = validate(options, notices, leaflets=not args.quick)
            from .content import department_files

            print(f"{content.root}: content is valid — {len(content.statements)} statements, "
                  f"{len(content.roles)} roles, {len(content.perspectives)} perspectives; "
                  f"plans: {', '.join(content.plans)}")
            departments = department_files(content)
            print(f"checked {len(departments)} department file"
                  f"{'' if len(departments) == 1 else 's'}"
                  + (": " + ", ".join(p.name for p in departments) if departments else ""))
            if notices:
                print(f"{len(notices.items)} warning{'s' if len(notices.items) != 1 else ''}")
            for warning in notices.items:
                print(f"warning: {warning}", file=sys.stderr)
            return EXIT_OK
        variants = VARIANTS if args.variant == "all" else (args.variant,)
        if args.command == "batch":
            from .batch import run_batch

            outcome = run_batch(replace(options, variants=variants, marks=args.marks,
                                        icc=args.icc, keep_html=args.keep_html),
                                roles=args.roles,
                                departments=args.departments, plain=args.plain,
                                jobs=args.jobs, output_dir=args.output_dir)
            return EXIT_OK if outcome.ok else EXIT_FAILED
        options = replace(options, output=args.output, variants=variants, marks=args.marks,
                          icc=args.icc, keep_html=args.keep_html, jobs=args.jobs,
                          role=getattr(args, "role", None),
                          department=getattr(args, "department", None))
        if getattr(args, "imposed", None):
            from .impose import INSTRUCTION, build_imposed

            path, sheets = build_imposed(options, args.imposed)
            print(f"wrote {path} ({sheets} {'sheet' if sheets == 1 else 'sheets'} of "
                  f"{args.imposed.upper()}: {INSTRUCTION})")
            return EXIT_OK
        results = build(options)
        warnings = list(dict.fromkeys(w for result in results for w in result.warnings))
        for result in results:
            noted = f", {len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''}" \
                if result.warnings else ""
            print(f"wrote {result.path} ({result.pages} pages, {result.variant}, "
                  f"preflight passed{noted})")
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return EXIT_OK
    except FolderBuilderError as exc:
        if args.debug:
            raise
        print(f"folder-builder: {exc.report()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("folder-builder: interrupted; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    except Exception:  # a bug in folder-builder itself, not a user error
        if args.debug:
            raise
        import traceback

        print("folder-builder: internal error — please report it with this output:",
              file=sys.stderr)
        traceback.print_exc()
        return EXIT_BAD_INPUT + 1


def run() -> NoReturn:
    """The ``folder-builder`` command: ``main``, then end the process without tearing
    down, object by object, everything the build made (WeasyPrint's boxes, fonts and
    documents; 0.13 s of a folder build, 0.2 s of a batch). What a normal exit does
    that matters is done first: WeasyPrint's font folders removed, the exit handlers
    run (logging's among them), the output flushed. Where that cannot be done (no
    way to run the exit handlers, another thread still running) it ends normally."""
    end(main())


def end(code: int) -> NoReturn:
    """End the process with ``code``, skipping Python's teardown where it is safe."""
    import atexit
    import contextlib
    import os
    import threading

    from .engine import remove_font_folders

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None or threading.active_count() > 1:
        sys.exit(code)
    remove_font_folders()
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (| head) or a closed stream: nothing more to say.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
