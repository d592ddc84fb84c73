"""Writing files without losing any: the package's one write-to-a-temporary-file-then-rename helper.

A write goes to a temporary file in the destination's own folder and is renamed over the destination
only once it is complete, so a failed or interrupted write leaves the old file as it was (and no
temporary file behind). Only regular files are ever replaced: a device, a pipe, a folder or a socket
in the way is an error, never silently turned into a regular file. ``check_output`` lets a command
refuse a bad output path before it spends time on work whose result it could not save.

Standard library only, and no import of the rest of the package: ``build.py`` (which must run
without numpy) loads this file directly.
"""

import os
import secrets
import stat


class OutputError(ValueError):
    """An output path that cannot or must not be written (an existing file without force, a
    device, a missing folder); the message names the path."""


def _existing_kind(path):
    """None when nothing is at ``path``; else 'file' for a regular file (through symlinks) or a word
    naming what else is there."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return "a dangling symbolic link"
        return None
    except NotADirectoryError:
        return "a path through a file"
    if stat.S_ISREG(mode):
        return "file"
    for test, word in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return word
    return "not a regular file"


def check_output(path, *, force=False, what="output"):
    """Raise OutputError unless ``path`` can be written by ``write_atomically``: its folder exists and
    is writable, and nothing is there — or, with ``force``, a regular file is there."""
    path = os.fspath(path)
    kind = _existing_kind(path)
    if kind == "file" and not force:
        raise OutputError(f"{what} {path} already exists; pass --force to overwrite it")
    if kind not in (None, "file"):
        raise OutputError(f"{what} {path} is {kind}; only a regular file can be written or replaced")
    folder = os.path.dirname(os.path.realpath(path)) or "."
    if not os.path.isdir(folder):
        raise OutputError(f"{what} {path}: folder {os.path.dirname(path) or '.'} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{what} {path}: folder {folder} is not writable")


def write_atomically(path, data):
    """Write ``data`` (str as UTF-8, bytes, or a function given a binary file object) to ``path``.

    The old file, if any, is untouched until the new one is complete. Raises OutputError when a
    non-regular file is in the way, OSError naming ``path`` (never the temporary file) when the write
    fails. A symbolic link to a regular file has its target replaced, not the link.
    """
    path = os.path.realpath(os.fspath(path)) if os.path.islink(os.fspath(path)) else os.fspath(path)
    kind = _existing_kind(path)
    if kind not in (None, "file"):
        raise OutputError(f"{path} is {kind}; only a regular file can be written or replaced")
    folder, name = os.path.split(os.path.abspath(path))
    try:
        fd, tmp = _create_temporary(folder, name)
    except OSError as e:
        raise _naming(e, path) from None
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                if callable(data):
                    data(f)
                else:
                    f.write(data.encode("utf-8") if isinstance(data, str) else data)
            if kind == "file":  # keep the old file's permissions
                os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
            os.replace(tmp, path)
        except OSError as e:
            raise _naming(e, path) from None
    except BaseException:
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _create_temporary(folder, name):
    """A new file ``.NAME.RANDOM.tmp`` beside the destination, created with the usual permissions
    (0666 less the umask; mkstemp's 0600 would make a saved model unreadable to others)."""
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {name} in {folder}")


def _naming(e, path):
    """The same kind of OSError, its message naming the destination instead of the temporary file."""
    reason = e.strerror or str(e)
    return type(e)(f"cannot write {path}: {reason}")  # one argument: str() is just the message
