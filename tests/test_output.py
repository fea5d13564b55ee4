"""output.py: a PDF is written whole or not at all."""

from __future__ import annotations

import pytest

from folder_builder.errors import FolderBuilderError, InputError
from folder_builder.output import write_atomic


def test_writes_the_bytes_and_creates_the_folder(tmp_path):
    target = tmp_path / "a" / "b" / "out.pdf"
    assert write_atomic(target, b"%PDF-new") == target
    assert target.read_bytes() == b"%PDF-new"
    assert [p.name for p in target.parent.iterdir()] == ["out.pdf"]


def test_replaces_an_existing_file(tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_a_folder_as_target_is_an_input_error(tmp_path):
    (tmp_path / "out.pdf").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        write_atomic(tmp_path / "out.pdf", b"x")
    assert list((tmp_path / "out.pdf").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_failure_while_writing_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("folder_builder.output.os.replace", broken_replace)
    with pytest.raises(FolderBuilderError, match="No space left on device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr("folder_builder.output.os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_output_folder_that_cannot_be_made_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot create the output folder"):
        write_atomic(blocker / "sub" / "out.pdf", b"x")
