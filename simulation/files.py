"""Writing result files so that each appears whole or not at all, and reading input files
with a byte limit."""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

from simulation.errors import UserError


def atomic_write(target: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` to fill a temporary file beside ``target``, flush it to disk, then
    rename it over ``target`` (``os.replace`` is atomic). A failure removes the temporary file;
    a killed process can leave one behind, named ``.NAME.PID.XXXXXXXX.tmp``, which readers
    ignore."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


class InputFileError(UserError):
    """An input file that cannot be read as one: ``reason`` says why, without the path."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")


def read_limited(path: str | os.PathLike, limit: int, what: str) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else or anything larger than
    ``limit`` bytes (:class:`InputFileError` naming the file; ``what`` says what was expected).

    The size a file reports is not trusted (``/dev/zero`` reports 0 bytes and never ends), and
    a FIFO is refused rather than waited on: the file is opened without blocking, checked to be
    a regular file, and read up to one byte past the limit. A missing file raises
    FileNotFoundError as ``open`` would."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except IsADirectoryError:
        raise InputFileError(path, f"is a directory; allowed: {what}") from None
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(2, "No such file or directory", str(path)) from None
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror}); allowed: {what}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)"
                    if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or
                    stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else
                    "not a regular file")
            raise InputFileError(path, f"is {kind}; allowed: {what}, a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise InputFileError(path, f"is larger than {limit:,} bytes; allowed: {what} of at "
                                       f"most {limit:,} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror}); allowed: {what}") from None
    finally:
        os.close(fd)


def read_toml(path: str | os.PathLike, what: str, error: type[Exception],
              limit: int = 1_000_000) -> dict:
    """The TOML document in the regular UTF-8 file at ``path`` (at most ``limit`` bytes), or one
    ``error`` naming the file and what is allowed. ``what`` is the kind of file with its
    article, as messages say it ("an experiment file")."""
    import tomllib

    try:
        data = read_limited(path, limit, f"{what} (.toml)")
    except InputFileError as exc:
        raise error(str(exc)) from None
    except FileNotFoundError:
        raise error(f"{path}: no such {what.split(' ', 1)[1]}") from None
    if b"\x00" in data:
        raise error(f"{path}: is a binary file; allowed: {what} (TOML text)")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start}); allowed: {what} (TOML text in UTF-8)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: nested too deeply to be {what}") from None
