"""cli.py: commands, exit codes and messages as a user sees them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_content, edit, line_of, overlong_content
from folder_builder import __version__
from folder_builder.cli import main
from folder_builder.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK


def test_build_writes_the_folder(tmp_path, capsys):
    target = tmp_path / "f.pdf"
    assert main(["build", "-o", str(target)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out.strip() == f"wrote {target} (28 pages, print, preflight passed)"
    assert err == ""
    assert target.read_bytes().startswith(b"%PDF-")


def test_validate_is_fast_and_summarises_the_content(capsys):
    started = time.perf_counter()
    assert main(["validate", "--quick"]) == EXIT_OK
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert "content is valid" in out
    assert "84 statements, 6 roles, 4 perspectives" in out
    assert "plans: folder" in out
    assert err == ""
    assert elapsed < 2.0, f"validate took {elapsed:.2f} s"


def test_validate_does_not_import_weasyprint():
    code = ("import sys; from folder_builder.cli import main; rc = main(['validate', "
            "'--quick']); "
            "sys.exit(rc if 'weasyprint' not in sys.modules else 99)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("command", ["validate", "build"])
def test_broken_content_exits_2_naming_file_and_line(tmp_path, capsys, command):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    edit(path, "chef-compliance-2: Jeg", "chef-compliance-2: Bemærk: Jeg")
    target = tmp_path / "f.pdf"
    argv = [command, "--content", str(root)]
    if command == "build":
        argv += ["-o", str(target)]
    assert main(argv) == EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("folder-builder: the content has 1 problem:")
    assert f"chef.yaml:{line_of(path, 'Bemærk:')}:" in err
    assert "YAML syntax error" in err
    assert "Traceback" not in out + err
    assert not target.exists()


def test_all_problems_are_listed_one_per_line(tmp_path, capsys):
    root = copy_content(tmp_path)
    edit(root / "perspectives.yaml", "    heading: Sammen skaber", "    heding: Sammen skaber")
    edit(root / "plan.yaml", "role: faelles\n    pages: 2", "role: faeles\n    pages: 2")
    assert main(["validate", "--content", str(root)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "folder-builder: the content has 2 problems:"
    assert len(lines) == 3
    heding = line_of(root / "perspectives.yaml", "heding:")
    role = line_of(root / "plan.yaml", "role: faeles")
    assert f"perspectives.yaml:{heding}: perspectives[emergens].heding: unknown field" in lines[1]
    assert f"plan.yaml:{role}: folder[faelles].role: unknown role 'faeles'" in lines[2]


def test_fit_failure_exits_1_and_writes_nothing(tmp_path, capsys):
    root = overlong_content(tmp_path, small=True)
    target = tmp_path / "out" / "f.pdf"
    assert main(["build", "--content", str(root), "-o", str(target)]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert out == ""
    assert "does not fit the page plan" in err
    assert "'roles-leder-af-leder'" in err
    assert "plan.yaml:" in err
    assert "Traceback" not in err
    assert not target.exists()


def test_missing_layouts_folder_exits_2(tmp_path, capsys):
    assert main(["validate", "--layouts", str(tmp_path / "nope")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "the layouts folder does not exist" in err
    assert "Traceback" not in err


def test_unknown_command_exits_2(capsys):
    assert main(["print"]) == EXIT_BAD_INPUT
    assert "invalid choice" in capsys.readouterr().err


def test_no_command_exits_2(capsys):
    assert main([]) == EXIT_BAD_INPUT
    assert "COMMAND" in capsys.readouterr().err


def test_top_level_help(capsys):
    assert main(["--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("usage: folder-builder")
    assert "print-ready PDF" in out
    assert "build" in out and "validate" in out
    assert "--debug" in out and "--verbose" in out


@pytest.mark.parametrize(
    ("command", "words", "options"),
    [
        ("build", "Build the folder PDF", ["--content", "--layouts", "--output"]),
        ("validate", "Load and check every content file", ["--content", "--layouts"]),
    ],
)
def test_command_help(capsys, command, words, options):
    assert main([command, "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"usage: folder-builder {command}")
    assert words in out
    for option in options:
        assert option in out


def test_version(capsys):
    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"folder-builder {__version__}"


def test_python_dash_m_help():
    run = subprocess.run([sys.executable, "-m", "folder_builder", "--help"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage: folder-builder")
    assert "validate" in run.stdout


def test_python_dash_m_reports_bad_content_with_exit_2(tmp_path):
    root = copy_content(tmp_path)
    (root / "synthesis.yaml").write_text("", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "folder_builder", "validate", "--content",
                          str(root)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == EXIT_BAD_INPUT
    assert "synthesis.yaml: the file is empty" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_jobs_must_be_a_whole_number_of_at_least_one(jobs, capsys):
    assert main(["build", "--jobs", jobs]) == EXIT_BAD_INPUT
    assert f"'{jobs}' is not a whole number of at least 1" in capsys.readouterr().err


def test_build_in_one_process(tmp_path, capsys):
    target = tmp_path / "one.pdf"
    assert main(["build", "--jobs", "1", "-o", str(target)]) == EXIT_OK
    assert "28 pages, print, preflight passed" in capsys.readouterr().out


def _command(*args: str, tmp: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"TMPDIR": str(tmp)} if tmp else {})}
    return subprocess.run([sys.executable, "-m", "folder_builder", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env=env, **kwargs)


def test_the_commands_leave_no_font_folders_behind(tmp_path):
    """WeasyPrint copies the layouts' fonts into a folder of its own in the temporary
    folder and removes it when its font configuration is collected, which never
    happens in a process multiprocessing forked (it ends with os._exit), nor in the
    command itself, which ends without collecting: a leaflet's part laid out beside
    it and each worker of a batch left one behind."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    leaflet = _command("leaflet", "--role", "chef", "-o", str(tmp_path / "chef.pdf"),
                       tmp=temporary)
    assert leaflet.returncode == EXIT_OK, leaflet.stderr
    batch = _command("batch", "--jobs", "2", "--roles", "chef", "leder-af-leder",
                     "--departments", "eksempel-dagtilbud-nord", "--no-plain",
                     "--output-dir", str(tmp_path / "leaflets"), tmp=temporary)
    assert batch.returncode == EXIT_OK, batch.stderr
    assert "built 2 leaflets" in batch.stderr + batch.stdout
    assert sorted((tmp_path / "leaflets").glob("*.pdf"))
    assert sorted(p.name for p in temporary.glob("weasyprint-*")) == []


END = """
import atexit, sys, threading
from folder_builder.cli import end
atexit.register(lambda: print("exit handler ran"))
print("written before the end", end="")
sys.stderr.write("and to stderr")
end(int(sys.argv[1]))
"""


def test_the_command_ends_with_its_code_its_output_and_its_exit_handlers():
    """The command ends without Python's teardown (cli.end), but not without what a
    normal exit does: buffered output written, exit handlers run, the exit code."""
    for code in (0, 2):
        run = subprocess.run([sys.executable, "-c", END, str(code)], capture_output=True,
                             text=True, cwd=ROOT, timeout=60)
        assert run.returncode == code
        assert run.stdout == "written before the endexit handler ran\n"
        assert run.stderr == "and to stderr"


def test_the_command_ends_normally_while_another_thread_runs():
    """A thread still running (the server's, say) is not cut off: end() exits as
    Python does, which waits for it."""
    from folder_builder.cli import end

    release = threading.Event()
    waiting = threading.Thread(target=release.wait, daemon=True)
    waiting.start()
    try:
        with pytest.raises(SystemExit) as ended:
            end(3)
        assert ended.value.code == 3
    finally:
        release.set()
        waiting.join()


def test_verbose_step_timings_reach_the_terminal():
    run = _command("-v", "validate", "--quick")
    assert run.returncode == EXIT_OK, run.stderr
    assert "content is valid" in run.stdout
    assert "folder_builder: " in run.stderr
