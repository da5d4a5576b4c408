"""Writing result files so that each appears whole or not at all, and reading input files
with a byte limit."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulation.model.errors import UserError


def digest(obj: Any) -> str:
    """A short SHA-256 (16 hex digits) of a JSON-able object, the same in every process: the
    key of an experiment's or a calibration's content."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def file_digest(path: str | os.PathLike) -> str:
    """A short SHA-256 (16 hex digits) of a file's bytes: the key of a frozen file (a backtest's
    lever file, its prediction table)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


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
    try:
        data = read_limited(path, limit, f"{what} (.toml)")
    except InputFileError as exc:
        raise error(str(exc)) from None
    except FileNotFoundError:
        raise error(f"{path}: no such {what.split(' ', 1)[1]}") from None
    try:
        return parse_toml(data)
    except TomlTextError as problem:
        raise error(f"{path}: {problem.say(what)}") from None


def read_validated_toml(path: str | os.PathLike, what: str, error: type[Exception], model: Any,
                        limit: int = 1_000_000, *, every: bool = False) -> tuple[dict, Any]:
    """``(document, validated)``: the TOML file at ``path`` (:func:`read_toml`) and the pydantic
    ``model`` made from it, or one ``error`` naming the file and the field of the first mistake
    (with ``every``, of every mistake; :func:`simulation.model.errors.explain`)."""
    from pydantic import ValidationError

    from simulation.model.errors import explain

    doc = read_toml(path, what, error, limit)
    try:
        return doc, model.model_validate(doc)
    except ValidationError as exc:
        raise error(f"{path}: {explain(exc, every=every)}") from None


class TomlTextError(ValueError):
    """Why bytes are not a TOML document tipsim reads: ``kind`` is ``binary``, ``encoding``
    (``detail``: the bad byte and its offset), ``deep`` (``detail``: where, before parsing),
    ``syntax`` (``cause``: tomllib's error, ``text``: the text), ``recursion`` or ``nesting``.
    Each reader words it for its kind of file; :meth:`say` is the common wording."""

    def __init__(self, kind: str, detail: str = "", text: str = "", cause: Exception | None = None):
        super().__init__(kind)
        self.kind, self.detail, self.text, self.cause = kind, detail, text, cause

    def say(self, what: str) -> str:
        """The message for ``what`` (a kind of file with its article), without the file name."""
        return {
            "binary": f"is a binary file; allowed: {what} (TOML text)",
            "encoding": f"is not UTF-8 text ({self.detail}); allowed: {what} (TOML text in "
                        "UTF-8)",
            "deep": f"nested too deeply ({self.detail}); allowed: {what} nested at most "
                    f"{MAX_DEPTH} levels",
            "syntax": f"not valid TOML: {self.cause}",
            "recursion": f"nested too deeply to be {what}",
            "nesting": f"nested more than {MAX_DEPTH} levels deep; allowed: {what} nested at "
                       f"most {MAX_DEPTH} levels",
        }[self.kind]


def parse_toml(data: bytes) -> dict:
    """The TOML document in ``data`` (UTF-8, a byte-order mark allowed), or
    :class:`TomlTextError`: the one TOML reader of every file tipsim reads. Nesting is checked
    before parsing (a long dotted key takes tomllib minutes) and after (:data:`MAX_DEPTH`)."""
    import tomllib

    if b"\x00" in data:
        raise TomlTextError("binary")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise TomlTextError("encoding", f"byte 0x{data[exc.start]:02x} at offset "
                                        f"{exc.start}") from None
    deep = toml_too_deep(text)
    if deep:
        raise TomlTextError("deep", deep, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlTextError("syntax", text=text, cause=exc) from None
    except RecursionError:
        raise TomlTextError("recursion", text=text) from None
    if depth(doc) > MAX_DEPTH:
        raise TomlTextError("nesting", text=text)
    return doc


# -- depth: what every file tipsim reads may nest ----------------------------------------------

MAX_DEPTH = 32
"""How deeply a document tipsim reads (TOML or JSON) may nest tables and lists. tipsim's own
files nest at most 6 levels (a scenario's policy entry's list of forms); the limit keeps every
recursive step after parsing (merging, validation, hashing) far from Python's recursion limit."""

_KEY_DOTS = re.compile(r"""^\s*\[*\s*((?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*'|\s*\.\s*)+)""")


def toml_too_deep(text: str) -> str:
    """Why TOML ``text`` nests too deeply ("" when it does not), found before parsing it:
    ``tomllib`` takes time that grows with the square of a dotted key's length (a 100 KB key
    took 73 s) and recurses once per level of brackets."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.count(".") <= MAX_DEPTH and line.count("[") + line.count("{") <= MAX_DEPTH:
            continue  # the common case, at the cost of a count
        key = _KEY_DOTS.match(line)
        dots = key[1].count(".") - sum(q.count(".") for q in re.findall(r"\"[^\"]*\"|'[^']*'",
                                                                        key[1])) if key else 0
        if dots >= MAX_DEPTH:
            return f"line {number}: a dotted key of {dots + 1} levels"
        brackets = nesting(line)
        if brackets > MAX_DEPTH:
            return f"line {number}: {brackets} levels of brackets"
    return ""


def nesting(text: str) -> int:
    """The deepest nesting of brackets and braces in ``text``, outside quoted strings."""
    deepest = level = 0
    quote = ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level -= 1
    return deepest


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply ``value`` nests dicts and lists (counted without recursion; stops counting
    past ``limit`` + 1)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest


class JSONFileError(UserError, ValueError):
    """A JSON file tipsim reads that is not what it should be: ``reason`` says why, without the
    path."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")


def read_json(path: str | os.PathLike, limit: int, what: str, model: Any = None) -> Any:
    """The JSON document in the regular file at ``path``: at most ``limit`` bytes, nested at
    most :data:`MAX_DEPTH` levels, and, given a pydantic ``model``, valid for it (its fields'
    types and bounds; unknown fields are kept). Anything else is one :class:`JSONFileError`
    naming the file, the field and what is allowed (``what``: "a results manifest"). A missing
    file raises FileNotFoundError."""
    try:
        data = read_limited(path, limit, what)
    except InputFileError as exc:
        raise JSONFileError(path, exc.reason) from None
    if nesting(data[:limit].decode("utf-8", "replace")) > MAX_DEPTH:
        raise JSONFileError(path, f"nested more than {MAX_DEPTH} levels deep; allowed: {what}")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise JSONFileError(path, f"not valid JSON ({exc}); allowed: {what}") from None
    if model is None:
        return doc
    from pydantic import ValidationError

    try:
        model.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        got = first.get("input")
        shown = json.dumps(got, default=str)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise JSONFileError(path, f"{where}: got {shown}: {first['msg']}; allowed: {what} as "
                                  "tipsim writes it") from None
    return doc
