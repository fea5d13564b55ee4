#!/bin/sh
# Regenerate layouts/colour/FOGRA39-folder-builder.icc, the default CMYK output
# profile of the print PDF, from licence-clean sources in Debian main:
#   - icc-profiles-free: FOGRA39L.ti3, the FOGRA39 characterisation data
#     (Kai-Uwe Behrmann, zlib licence)
#   - argyll: colprof, which builds an ICC profile from measurement data
# Run as root on Debian (installs both), or install them yourself first.
set -eu
cd "$(dirname "$0")/.."
out=layouts/colour/FOGRA39-folder-builder.icc
data=/usr/share/color/icc/FOGRA39L.ti3

if ! command -v colprof >/dev/null 2>&1 || [ ! -f "$data" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq argyll icc-profiles-free >/dev/null
    else
        echo "needs: sudo apt-get install argyll icc-profiles-free" >&2
        exit 1
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$data" "$work/FOGRA39L.ti3"
# -qm: medium quality; -bl: low-quality B2A tables are enough for an output
# intent; -kr: black generation as in typical offset separations.
(cd "$work" && colprof -qm -bl -kr \
    -D "Coated FOGRA39 (folder-builder, from FOGRA39L.ti3)" \
    -C "No copyright. Made by ArgyllCMS colprof from FOGRA39L.ti3 (icc-profiles-free, zlib licence)" \
    -A "folder-builder" -M "FOGRA39" \
    FOGRA39L >/dev/null)
mkdir -p "$(dirname "$out")"
cp "$work/FOGRA39L.icc" "$out"
echo "wrote $out"
