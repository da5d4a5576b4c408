"""The writer's lock on a results store: one batch at a time.

A batch holds an exclusive OS lock (``fcntl.flock``) on ``STORE/writer.lock`` from the moment it
opens the store (before a ``--restart`` deletes anything) until it ends. A second writer is
refused with one line naming the process that holds the lock. The kernel drops the lock when
its process dies, however it dies, so a lock left by a killed batch is never in the way: the
next batch takes it over, and notes whose it was (the file still names the dead process, since
only a clean end empties it).

The lock is taken on the store's folder itself as well as on the file, so deleting
``writer.lock`` by hand while a batch runs does not let a second writer in. The file is opened
without following a symbolic link and must be a regular file with no other name (a link to a
file elsewhere would otherwise be truncated by the next batch).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import stat
import sys
import time
from pathlib import Path
from typing import Any

from simulation.model.errors import UserError

LOCK_NAME = "writer.lock"


class StoreLockedError(UserError):
    """Another batch is writing the store."""


class StoreLock:
    """An acquired lock; :meth:`release` (or the end of the process) lets it go."""

    def __init__(self, fd: int, path: Path, previous: dict[str, Any] | None,
                 folder_fd: int | None = None):
        self._fd: int | None = fd
        self._folder_fd = folder_fd
        self.path = path
        #: the holder recorded by a batch that died without releasing the lock (else None)
        self.previous = previous

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)  # a clean end: the next writer finds no stale holder
        except OSError:
            pass  # a full disk cannot refuse a truncate to 0, but a closed fs can; unlock anyway
        os.close(self._fd)  # closing drops the flock
        self._fd = None
        if self._folder_fd is not None:
            os.close(self._folder_fd)
            self._folder_fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def acquire(store: Path) -> StoreLock:
    """Take the writer's lock of ``store`` (an existing directory), or raise
    :class:`StoreLockedError` naming the process that holds it."""
    path = store / LOCK_NAME
    try:
        folder_fd = os.open(store, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise UserError(f"{store}: cannot open the results directory ({exc.strerror})") from None
    try:
        fcntl.flock(folder_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_path(path)
        os.close(folder_fd)
        raise _locked(store, holder) from None
    try:
        fd = _open_lock_file(path)
    except BaseException:
        os.close(folder_fd)
        raise
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # a batch of a tipsim that locked the file only
        holder = _read(fd)
        os.close(fd)
        os.close(folder_fd)
        raise _locked(store, holder) from None
    previous = _read(fd) or None
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": " ".join(sys.argv)[:300]}
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
    except OSError as exc:  # a full disk, a read-only folder
        os.close(fd)
        os.close(folder_fd)
        raise UserError(f"{path}: cannot write the store's lock file ({exc.strerror or exc}); "
                        "nothing was run") from None
    return StoreLock(fd, path, previous, folder_fd)


def _open_lock_file(path: Path) -> int:
    """The lock file, opened for writing without following a link, checked to be a regular file
    with this one name (else a one-line error: nothing is truncated)."""
    allowed = ("allowed: a regular file that tipsim made (delete it and rerun: tipsim makes a "
               "new one)")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK,
                     0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError(f"{path}: is a symbolic link; tipsim follows no link in a store (it "
                            f"would write to the file it points to); {allowed}") from None
        raise UserError(f"{path}: cannot create the store's lock file ({exc.strerror}); "
                        f"{allowed}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        what = ("has other names (a hard link to a file elsewhere)" if stat.S_ISREG(info.st_mode)
                else "is not a regular file")
        raise UserError(f"{path}: {what}; tipsim would overwrite it; {allowed}")
    return fd


def _locked(store: Path, holder: dict[str, Any]) -> StoreLockedError:
    return StoreLockedError(f"{store}: another batch is writing this store ({describe(holder)}); "
                            "wait for it to end or stop it, or choose another --out")


def _read_path(path: Path) -> dict[str, Any]:
    """The holder a lock file names, read without following a link ({} if none)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}
    try:
        return _read(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else {}
    finally:
        os.close(fd)


def describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "process unknown"
    return (f"process {holder.get('pid', '?')} on {holder.get('host', '?')}, started "
            f"{holder.get('started', '?')}: {holder.get('command', '?')}")


def _read(fd: int) -> dict[str, Any]:
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data) if data else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}
