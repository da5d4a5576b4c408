"""The writer's lock on a results store: one batch at a time.

A batch holds an exclusive OS lock (``fcntl.flock``) on ``STORE/writer.lock`` from the moment it
opens the store (before a ``--restart`` deletes anything) until it ends. A second writer is
refused with one line naming the process that holds the lock. The kernel drops the lock when
its process dies, however it dies, so a lock left by a killed batch is never in the way: the
next batch takes it over, and notes whose it was (the file still names the dead process, since
only a clean end empties it).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from simulation.errors import UserError

LOCK_NAME = "writer.lock"


class StoreLockedError(UserError):
    """Another batch is writing the store."""


class StoreLock:
    """An acquired lock; :meth:`release` (or the end of the process) lets it go."""

    def __init__(self, fd: int, path: Path, previous: dict[str, Any] | None):
        self._fd: int | None = fd
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

    @property
    def held(self) -> bool:
        return self._fd is not None


def acquire(store: Path) -> StoreLock:
    """Take the writer's lock of ``store`` (an existing directory), or raise
    :class:`StoreLockedError` naming the process that holds it."""
    path = store / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UserError(f"{path}: cannot create the store's lock file ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(fd)
        os.close(fd)
        raise StoreLockedError(f"{store}: another batch is writing this store ({describe(holder)}"
                               "); wait for it to end or stop it, or choose another --out"
                               ) from None
    previous = _read(fd) or None
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": " ".join(sys.argv)[:300]}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(me).encode(), 0)
    return StoreLock(fd, path, previous)


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
