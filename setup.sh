#!/bin/sh
# Set up folder-builder in ./.venv (idempotent; fast when nothing changed).
#
#   ./setup.sh         the tool itself
#   ./setup.sh --dev   the tool plus what the tests need
#
# WeasyPrint draws text with Pango and subsets fonts with HarfBuzz; both are
# system libraries, not Python packages. When one is missing this script says
# which and installs it with apt-get if it runs as root on Debian/Ubuntu,
# otherwise it prints the command to run.
set -eu
cd "$(dirname "$0")"

extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"

say() { printf 'setup: %s\n' "$*" >&2; }

# 1. Python 3.11 or newer.
py=""
for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
        "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    say "Python 3.11 or newer is needed. On Debian: apt-get install python3 python3-venv"
    exit 1
fi

# 2. System libraries WeasyPrint loads at run time.
missing_pkgs=""
need_lib() {  # $1 = shared object, $2 = Debian package
    if ! "$py" -c "import ctypes.util, sys; sys.exit(ctypes.util.find_library('$1') is None)"; then
        say "missing system library lib$1 (Debian package $2)"
        missing_pkgs="$missing_pkgs $2"
    fi
}
need_lib pango-1.0 libpango-1.0-0
need_lib pangoft2-1.0 libpangoft2-1.0-0
need_lib harfbuzz-subset libharfbuzz-subset0
if ! "$py" -c 'import ensurepip, venv' 2>/dev/null; then
    say "missing Python's venv module (Debian package python3-venv)"
    missing_pkgs="$missing_pkgs python3-venv"
fi
# The browser tests (tests/test_browser.py) drive Debian's chromium through
# Playwright's executable_path; Playwright never downloads a browser of its own.
if [ -n "$extras" ] && ! command -v chromium >/dev/null 2>&1; then
    say "missing chromium (Debian package chromium), needed by the browser tests"
    missing_pkgs="$missing_pkgs chromium"
fi
if [ -n "$missing_pkgs" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing:$missing_pkgs"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing_pkgs >/dev/null
    else
        say "install them and run ./setup.sh again:"
        say "  sudo apt-get install$missing_pkgs"
        exit 1
    fi
fi

# 3. The virtual environment, reinstalled only when pyproject.toml changed.
if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    "$py" -m venv .venv
fi
stamp=".venv/.folder-builder-installed$(echo "$extras" | tr -d '[]')"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing folder-builder$extras into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --editable ".$extras"
    touch "$stamp"
fi
# Compiled modules, so that a run does not compile them again (an editable install
# leaves that to the first import, which cannot write them where
# PYTHONDONTWRITEBYTECODE is set). Stale ones are ignored by Python.
.venv/bin/python -m compileall -q src/folder_builder >/dev/null
say "ready: .venv/bin/folder-builder"
