"""Tests of neuralbook.files: what writing a file may replace, and what it must refuse.

Each target here is made by the test (a FIFO with ``os.mkfifo``, a socket bound in a
temporary folder, a symbolic link); ``/dev/null`` is only ever checked, never written.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from neuralbook.files import atomic_write, check_writable


def write_text(path, text):
    with atomic_write(path, "w", encoding="utf-8") as file:
        file.write(text)


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match=r"pipe: it is a FIFO \(named pipe\), not a regular file"):
        write_text(fifo, "model")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]  # no temporary file left either


def test_a_socket_is_refused_and_stays_a_socket(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        with pytest.raises(FileExistsError, match="it is a socket"):
            write_text(path, "model")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_device_is_refused():
    # Only checked: an atomic write onto /dev/null by a program running as root would
    # replace the device node of the whole machine.
    with pytest.raises(FileExistsError, match="/dev/null: it is a character device"):
        check_writable("/dev/null")


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    real = tmp_path / "models" / "best.npz"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "current.npz"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link is still a link ...
    assert real.read_text(encoding="utf-8") == "new"  # ... and the file it points to was replaced
    assert sorted(os.listdir(real.parent)) == ["best.npz"]


def test_a_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "run-1.json")
    write_text(link, "{}")
    assert link.is_symlink() and (tmp_path / "run-1.json").read_text(encoding="utf-8") == "{}"


def test_a_link_to_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.npz"
    link.symlink_to(fifo)
    with pytest.raises(FileExistsError, match="out.npz: it is a FIFO"):
        check_writable(link)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


def test_a_folder_that_accepts_no_file_is_found_before_writing():
    # sysfs accepts no new regular file, not even from root (for whom permission bits
    # mean nothing), so this is a folder that a probe must find unwritable.
    target = Path("/sys/model.npz")
    with pytest.raises(PermissionError, match=r"cannot write to /sys/model.npz: the folder /sys does not let"):
        check_writable(target)


def test_a_folder_still_to_be_made_under_an_unwritable_one(tmp_path):
    with pytest.raises(PermissionError, match="cannot write to /sys/new/model.npz"):
        check_writable("/sys/new/model.npz")
    assert check_writable(tmp_path / "new" / "deeper" / "m.npz") == tmp_path / "new" / "deeper" / "m.npz"
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_probing_leaves_nothing_behind(tmp_path):
    check_writable(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_sigterm_during_a_write_leaves_the_old_file_and_no_temporary(tmp_path):
    """A SIGTERM in the middle of a write (under cleanup_on_termination) unwinds like an exception."""
    target = tmp_path / "model.npz"
    target.write_text("old", encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import sys, time
        from neuralbook.files import atomic_write, cleanup_on_termination
        with cleanup_on_termination():
            with atomic_write({str(target)!r}, "w", encoding="utf-8") as file:
                file.write("half")
                print("writing", flush=True)
                time.sleep(30)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "writing\n"
        assert len(os.listdir(tmp_path)) == 2  # the target and the temporary file
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=20) == 143
    finally:
        child.kill()
        child.wait()
    assert os.listdir(tmp_path) == ["model.npz"] and target.read_text(encoding="utf-8") == "old"
