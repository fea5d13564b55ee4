"""The command line: parse arguments, call the pipeline, report.

This is the only place that turns a FolderBuilderError into a message and an
exit code; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import BuildOptions, build, validate
from .errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, FolderBuilderError


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

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--content", type=Path, metavar="DIR",
                         help="content folder (default: the bundled content/)")
        sub.add_argument("--layouts", type=Path, metavar="DIR",
                         help="layouts folder searched before the bundled layouts/")

    build_cmd = commands.add_parser(
        "build", help="build the folder to PDF",
        description="Build the folder PDF from the content and layouts. Stops with a message, "
        "and writes nothing, if the content is invalid or a section outgrows its pages.")
    common(build_cmd)
    build_cmd.add_argument("-o", "--output", type=Path, metavar="FILE",
                           help="PDF to write (default: build/folder.pdf)")
    validate_cmd = commands.add_parser(
        "validate", help="check the content and page plan only (fast)",
        description="Load and check every content file and the page plan, and report every "
        "problem with file, line and field. Lays nothing out.")
    common(validate_cmd)
    return parser


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
    options = BuildOptions(
        **{k: v for k, v in (("content", args.content), ("layouts", args.layouts)) if v}
    )
    try:
        if args.command == "validate":
            content = validate(options)
            print(f"{content.root}: content is valid — {len(content.statements)} statements, "
                  f"{len(content.roles)} roles, {len(content.perspectives)} perspectives; "
                  f"plans: {', '.join(content.plans)}")
            return EXIT_OK
        if args.output:
            options = BuildOptions(**{**vars(options), "output": args.output})
        result = build(options)
        print(f"wrote {result.path} ({result.pages} pages)")
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


if __name__ == "__main__":
    sys.exit(main())
