"""colour.py: CMYK to sRGB through the output profile, and profiles that fork safely."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from folder_builder import colour, logos
from folder_builder.content import icc_problem, load_content
from folder_builder.model import Colour
from folder_builder.paths import BUNDLED_CONTENT, DEFAULT_PROFILE
from folder_builder.variants import Press


def _open_files() -> set[Path]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone
            found.add(Path(os.readlink(f"/proc/self/fd/{fd}")))
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_no_profile_stays_open_as_a_file(tmp_path):
    """A profile held open as a file would be shared by forked batch workers, which
    then read each other's bytes; every profile folder-builder keeps is in memory."""
    profile = tmp_path / "press.icc"
    profile.write_bytes(DEFAULT_PROFILE.read_bytes())
    logos._to_cmyk(str(profile))
    assert colour.to_srgb(Colour(0, 0, 0, 100), profile) < (60, 60, 60)
    assert icc_problem(profile) is None
    settings = load_content(BUNDLED_CONTENT).print_settings
    assert Press(settings, profile, marks=True, icc_given=True).print_finish.output_condition
    assert profile not in _open_files()


def test_a_profile_that_is_not_one_is_named(tmp_path):
    fake = tmp_path / "fake.icc"
    fake.write_bytes(b"not a profile at all" * 10)
    assert icc_problem(fake) == "fake.icc is not an ICC profile"
    with pytest.raises(OSError):
        colour.open_profile(fake)
