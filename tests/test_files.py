"""Tests of neuralbook.files: what writing a file may replace, and what it must refuse.

Each target here is made by the test (a FIFO with ``os.mkfifo``, a socket bound in a
temporary folder, a symbolic link); ``/dev/null`` is only ever checked, never written.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from neuralbook.files import STALE_AGE_SECONDS, TEMPORARY_PREFIX, atomic_write, check_writable, remove_stale_temporaries


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


# --- What the pre-checks promise, the final write keeps -----------------------------------


def test_a_long_legal_name_is_written_its_temporary_name_fits_too(tmp_path):
    target = tmp_path / ("m" * 250 + ".npz")  # 254 bytes: legal; ".<name>.<random>.tmp" would not be
    write_text(target, "model")
    assert target.read_text(encoding="utf-8") == "model"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_name_longer_than_the_file_system_allows_is_refused_before_any_work(tmp_path):
    too_long = tmp_path / ("m" * 256 + ".npz")
    with pytest.raises(OSError, match="File name too long") as raised:
        check_writable(too_long)
    assert raised.value.filename == str(too_long)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporaries_left_by_a_killed_save_are_removed_by_the_next_save(tmp_path):
    old = time.time() - STALE_AGE_SECONDS - 60
    stale = tmp_path / f"{TEMPORARY_PREFIX}{_dead_pid()}-abc123.tmp"
    young = tmp_path / f"{TEMPORARY_PREFIX}{_dead_pid()}-def456.tmp"  # its writer may be on another machine
    alive = tmp_path / f"{TEMPORARY_PREFIX}{os.getpid()}-ghi789.tmp"  # a save in progress
    for path in (stale, young, alive):
        path.write_bytes(b"x" * 1000)
    for path in (stale, alive):
        os.utime(path, (old, old))
    write_text(tmp_path / "model.npz", "new")
    assert not stale.exists() and young.exists() and alive.exists()
    assert remove_stale_temporaries(tmp_path, now=time.time() + 2 * STALE_AGE_SECONDS) == [young]


def _shared_sticky_folder(tmp_path) -> Path:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: everyone writes, the sticky bit protects each one's files
    return shared


@pytest.mark.skipif(os.geteuid() != 0, reason="making a link owned by another user needs root (CI runs as root)")
def test_a_link_planted_by_another_user_in_a_sticky_folder_is_not_followed(tmp_path):
    shared = _shared_sticky_folder(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    link = shared / "model.npz"
    link.symlink_to(victim)
    os.lchown(link, 4242, 4242)  # another user's link, in a folder owned by root
    os.chown(shared, 4343, 4343)
    with pytest.raises(PermissionError, match="a symbolic link that another user .uid 4242. made in the shared folder"):
        write_text(link, "garbage")
    assert victim.read_text(encoding="utf-8") == "precious" and link.is_symlink()


def test_another_users_file_in_a_sticky_folder_is_refused_before_any_work(tmp_path, monkeypatch):
    shared = _shared_sticky_folder(tmp_path)
    theirs = shared / "model.npz"
    theirs.write_text("theirs", encoding="utf-8")
    os.chmod(theirs, 0o666)  # writable by all, yet the sticky bit forbids renaming over it
    owner = theirs.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1000)  # as another, unprivileged user
    with pytest.raises(PermissionError, match="belongs to another user .* shared .sticky."):
        check_writable(theirs)


def test_a_full_disk_names_the_file_it_was_writing(tmp_path):
    target = tmp_path / "model.npz"
    with pytest.raises(OSError) as raised:
        with atomic_write(target) as file:
            file.write(b"part of a model")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert raised.value.filename == str(target) and str(target) in str(raised.value)
    assert list(tmp_path.iterdir()) == []
