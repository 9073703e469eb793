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
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "check_writable"]


# --8<-- [start:atomic_write]
@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Open a file that replaces ``path`` only once it has been written completely.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; its folder is created if needed. An existing file keeps its
        permissions.
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
    IsADirectoryError, NotADirectoryError
        As [`check_writable`][neuralbook.files.check_writable] says, before anything is written.
    """
    path = check_writable(path)
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


def check_writable(path) -> Path:
    """Refuse, before any work is done, a target that no file can be written to.

    Commands call it on their output paths before a long computation, so that a typo
    costs nothing; [`atomic_write`][neuralbook.files.atomic_write] calls it too.

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
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"cannot write to {path}: {parent} is a file, not a folder")
            break
    return path


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
