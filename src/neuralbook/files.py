"""Writing files so that a crash never leaves half a file behind.

Every file the package writes (a trained model, the book's results, the MNIST summary,
the digit widget's weights) goes through [`atomic_write`][neuralbook.files.atomic_write]. The bytes go to a
temporary file in the same folder, which is flushed to the disk and then renamed over
the target in one step. ``os.replace`` is atomic, so anyone reading the target sees the
old file or the new one, never a mixture; and if anything fails on the way, the
temporary file is removed and the old file is left exactly as it was.

(Downloads use the same idea with one more step, checking the file's SHA-256 before
the rename: see [`download_file`][neuralbook.datasets.download_file].)
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from pathlib import Path

__all__ = ["atomic_write", "check_writable", "check_folder_writable", "cleanup_on_termination"]


# --8<-- [start:atomic_write]
@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Open a file that replaces ``path`` only once it has been written completely.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; its folder is created if needed. An existing file keeps its
        permissions. A symbolic link is followed: the link stays, and the file it points
        to is replaced (as a shell's ``>`` would write through it). Anything that is
        not a regular file (a device such as ``/dev/null``, a FIFO, a socket) is refused.
    mode : str
        ``"wb"`` for bytes, ``"w"`` for text.
    encoding : str, optional
        The text encoding, for ``mode="w"``.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_write(target, "w", encoding="utf-8") as file:
    ...     _ = file.write("all or nothing")
    >>> target.read_text(encoding="utf-8")
    'all or nothing'

    Raises
    ------
    OSError
        As [`check_writable`][neuralbook.files.check_writable] says, before anything is written.
    """
    path = _final_target(check_writable(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file lies in the same folder: a rename across file systems is a copy.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, mode, encoding=encoding) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # on the disk before it takes the target's name
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
# --8<-- [end:atomic_write]


def _final_target(path: Path) -> Path:
    """The file that writing ``path`` replaces: ``path`` itself, or where its links lead."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def check_writable(path) -> Path:
    """Refuse, before any work is done, a target that no file can be written to.

    Commands call it on their output paths before a long computation, so that a typo
    or a folder without write permission costs nothing;
    [`atomic_write`][neuralbook.files.atomic_write] calls it too. A symbolic link is
    judged by what it points to. The folder that will hold the file is probed by
    creating (and at once removing) an empty temporary file in it, the same operation
    that writing will need, so a read-only disk is found as surely as a missing
    permission.

    Returns
    -------
    pathlib.Path
        ``path``, as a ``Path``.

    Raises
    ------
    IsADirectoryError
        If ``path`` is a folder (or empty, which names the current folder).
    NotADirectoryError
        If a folder on the way to ``path`` is an existing file.
    FileExistsError
        If ``path`` is not a regular file: a device, a FIFO or a socket, which a model
        written there would replace or be lost in.
    PermissionError
        If the folder that would hold the file does not let files be created in it.

    Examples
    --------
    >>> check_writable(".")
    Traceback (most recent call last):
    ...
    IsADirectoryError: cannot write to .: it is a folder; name a file in it
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write to {path}: it is a folder; name a file in it")
    target = _final_target(path)
    if target.exists():
        mode = target.stat().st_mode
        for is_kind, kind in _KINDS:
            if is_kind(mode):
                raise FileExistsError(f"cannot write to {path}: it is {kind}, not a regular file; name a file instead")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"cannot write to {path}: {parent} is a file, not a folder")
            _probe_folder(path, parent, exists=parent == target.parent)
            break
    return path


def check_folder_writable(folder) -> Path:
    """Refuse, before any work is done, a folder that files cannot be written into.

    Like [`check_writable`][neuralbook.files.check_writable], for a command that writes
    several files into one folder; a folder that does not exist yet must be creatable.

    Raises
    ------
    NotADirectoryError
        If ``folder``, or a folder on the way to it, is an existing file.
    PermissionError
        If no file (or, for a new folder, no folder) can be created there.
    """
    folder = Path(folder)
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise NotADirectoryError(f"cannot write to {folder}: {candidate} is a file, not a folder")
            _probe_folder(folder, candidate, exists=candidate == folder)
            break
    return folder


def _probe_folder(path: Path, folder: Path, exists: bool) -> None:
    """Create and remove a file in ``folder`` (or, if the file's folder is still to be made, a folder)."""
    what = "the folder" if exists else "the folder to create it under,"
    try:
        if exists:
            handle, probe = tempfile.mkstemp(prefix=".neuralbook-probe.", dir=folder)
            os.close(handle)
            remove = os.unlink
        else:
            probe, remove = tempfile.mkdtemp(prefix=".neuralbook-probe.", dir=folder), os.rmdir
    except OSError as error:
        raise PermissionError(f"cannot write to {path}: {what} {folder} does not let files be created in it "
                              f"({error.strerror or error})") from None
    with contextlib.suppress(OSError):
        remove(probe)


@contextlib.contextmanager
def cleanup_on_termination():
    """Let a ``SIGTERM`` unwind the program like an exception, so temporary files are removed.

    By default a ``SIGTERM`` (what ``kill`` and most job controllers send) ends Python at
    once, without running ``finally`` blocks, which would leave the temporary files of
    [`atomic_write`][neuralbook.files.atomic_write] and of a download behind. Inside
    this block it raises ``SystemExit(143)`` instead (143 = 128 + 15, the status a
    shell reports for a process ended by ``SIGTERM``). Where a handler is already set,
    or outside the main thread (where Python cannot set one), nothing changes.
    """
    installed = False
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_term)
            installed = True
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _exit_on_term(signum, frame):
    raise SystemExit(128 + signum)


def _file_mode(path: Path) -> int:
    """The permissions of the file being replaced, or the usual ones for a new file.

    ``mkstemp`` creates a file that only its owner may read; a model or a results file
    should be as readable as any file its owner writes.
    """
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
