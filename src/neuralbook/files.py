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
import errno
import os
import signal
import stat
import tempfile
import threading
import time
from pathlib import Path

__all__ = [
    "atomic_write", "check_writable", "check_folder_writable", "cleanup_on_termination", "remove_stale_temporaries",
    "TEMPORARY_PREFIX", "STALE_AGE_SECONDS",
]


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
    remove_stale_temporaries(path.parent)
    # The temporary file lies in the same folder (a rename across file systems is a
    # copy), under a short name of its own, which fits wherever the target's name fits.
    handle, temporary = tempfile.mkstemp(prefix=_temporary_prefix(), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, mode, encoding=encoding) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # on the disk before it takes the target's name
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        _name_the_file(error, path)
        raise
# --8<-- [end:atomic_write]


#: Every temporary file of `atomic_write` is named ``.neuralbook-<pid>-<random>.tmp``.
TEMPORARY_PREFIX = ".neuralbook-"
"""How the name of every temporary file of `atomic_write` begins: ``.neuralbook-<pid>-<random>.tmp``."""

#: A temporary file this old, whose process is gone, was left by a killed process.
STALE_AGE_SECONDS = 3600
"""A temporary file this many seconds old, whose process is gone, was left by a killed process."""


def _temporary_prefix() -> str:
    return f"{TEMPORARY_PREFIX}{os.getpid()}-"


def _name_the_file(error: BaseException, path: Path) -> None:
    """Let a full disk or a failing device say which file it was writing."""
    if isinstance(error, OSError) and error.filename is None and error.errno in _DISK_ERRORS:
        error.filename = str(path)


_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def remove_stale_temporaries(folder, *, now: float | None = None) -> list[Path]:
    """Delete the temporary files that killed writers left in ``folder``; return them.

    A ``SIGKILL`` (or a power cut) ends a process before it can remove the temporary
    file of a save, which may hold a whole model. Such a file is recognised by its name,
    which carries the writer's process id: it is removed once that process no longer
    runs here *and* the file is older than `STALE_AGE_SECONDS` (a writer on another
    machine sharing the folder may have the same number).
    """
    now = time.time() if now is None else now
    removed = []
    for candidate in Path(folder).glob(f"{TEMPORARY_PREFIX}*-*.tmp"):
        pid = candidate.name[len(TEMPORARY_PREFIX):].split("-", 1)[0]
        try:
            stale = pid.isdigit() and not _process_runs(int(pid)) and now - candidate.lstat().st_mtime > STALE_AGE_SECONDS
            if stale and candidate.is_file() and not candidate.is_symlink():
                candidate.unlink()
                removed.append(candidate)
        except OSError:  # gone already, or not ours to remove: leave it
            continue
    return removed


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def _final_target(path: Path) -> Path:
    """The file that writing ``path`` replaces: ``path`` itself, or where its links lead.

    A link is followed only where a shell's ``>`` would follow it: in a folder that
    everyone may write to and whose sticky bit is set (``/tmp``), Linux's
    ``fs.protected_symlinks`` follows a link only for the link's owner or the folder's,
    so that nobody can plant a link there that makes another user overwrite their files.
    """
    if not path.is_symlink():
        return path
    folder = path.parent.stat()
    link_owner = path.lstat().st_uid
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if shared and link_owner not in (os.geteuid(), folder.st_uid):
        raise PermissionError(
            f"cannot write to {path}: it is a symbolic link that another user (uid {link_owner}) made in the "
            f"shared folder {path.parent}; it is not followed there (as a shell's > would not follow it): "
            "name a file of your own"
        )
    return Path(os.path.realpath(path))


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
        If the folder that would hold the file does not let files be created in it; if
        ``path`` is another user's symbolic link in a shared sticky folder (such as
        ``/tmp``), which a shell's ``>`` would not follow either; or if it is another
        user's file in a sticky folder, which the final rename could not replace.

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
        _check_replaceable(path, target)
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"cannot write to {path}: {parent} is a file, not a folder")
            _probe_folder(path, parent, exists=parent == target.parent)
            break
    return path


def _check_replaceable(path: Path, target: Path) -> None:
    """Refuse a file that the final rename could not replace: another user's, in a sticky folder.

    In a folder with the sticky bit (``/tmp``), only a file's owner, the folder's owner
    or root may rename over it, however writable the file itself is.
    """
    folder = target.parent.stat()
    owner = target.stat().st_uid
    euid = os.geteuid()
    if folder.st_mode & stat.S_ISVTX and euid != 0 and euid not in (owner, folder.st_uid):
        raise PermissionError(
            f"cannot write to {path}: the file belongs to another user (uid {owner}) and its folder "
            f"{target.parent} is shared (sticky), so it cannot be replaced; name another file"
        )


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
