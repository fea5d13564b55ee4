"""Warm-session benchmarks, run by benchmarks/run.py in a process of their own.

    .venv/bin/python benchmarks/warm.py folder-edit|leaflet-edit [--edits 5] [--jobs N]

Makes a Session over a copy of the bundled content, builds the product once
(the cold start is not what is measured), then edits one file and builds again,
``--edits`` times; prints one JSON line: the wall and CPU seconds of each
refresh + build after an edit (CPU: with any process the session forked and
waited for), and the pages each build changed.

- folder-edit: one statement of the chef spread, alternately lengthened by a
  word and put back → the print folder (a proof: ``deliver=False``).
- leaflet-edit: one note of a department → that department's print leaflet for
  the chef.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from folder_builder import Session  # noqa: E402
from folder_builder.paths import BUNDLED_CONTENT  # noqa: E402

EDITS = {
    # file, text, the edited text, build arguments
    "folder-edit": ("statements/chef.yaml", "Jeg bidrager til sammenhængskraften",
                    "Jeg bidrager altid til sammenhængskraften", ("folder",), {}),
    "leaflet-edit": ("departments/eksempel-dagtilbud-nord.yaml", "hvert kvartal",
                     "hver eneste måned", ("leaflet",),
                     {"role": "chef", "department": "eksempel-dagtilbud-nord"}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(EDITS))
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None,
                        help="the session's processes (default: one per core, as a Session)")
    args = parser.parse_args()
    name, old, new, build_args, build_kwargs = EDITS[args.scenario]
    with tempfile.TemporaryDirectory(prefix="folder-builder-warm-") as folder:
        content = Path(folder) / "content"
        shutil.copytree(BUNDLED_CONTENT, content)
        path = content / name
        session = Session(content, jobs=args.jobs)
        session.build(*build_args, **build_kwargs)
        wall, cpu, changed = [], [], []
        for edit in range(args.edits):
            text = path.read_text(encoding="utf-8")
            before, after = (old, new) if edit % 2 == 0 else (new, old)
            path.write_text(text.replace(before, after, 1), encoding="utf-8")
            started, started_cpu = time.perf_counter(), _cpu()
            session.refresh()
            result = session.build(*build_args, **build_kwargs)
            wall.append(time.perf_counter() - started)
            cpu.append(_cpu() - started_cpu)
            changed.append(sorted(result.changed_pages))
    print(json.dumps({"wall": wall, "cpu": cpu, "changed": changed}))


def _cpu() -> float:
    """CPU seconds of this process and of the processes it forked and waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


if __name__ == "__main__":
    main()
