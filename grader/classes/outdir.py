"""OUTDIR, the output folder of a class run: checking it, locking it, and switching a new set of
outputs in so that it only ever shows one complete set.

Layout::

    OUTDIR/results.json  -> .grader/current/results.json     (likewise gradebook.csv, junit.xml,
    OUTDIR/feedback/     -> .grader/current/feedback/          report.html, gradescope/)
    OUTDIR/.grader/gradebook.sqlite    the system of record (grader.classes.gradebook)
    OUTDIR/.grader/lock                one run at a time (flock; holds "pid start-time")
    OUTDIR/.grader/current             -> sets/<name>: the complete set being shown
    OUTDIR/.grader/sets/<name>/        a set; MANIFEST (written last) lists the files that are ours

Why links: a set is many files, and renaming many files is never atomic. Every name the
grader shows in OUTDIR is a link through ``current``, and ``current`` is replaced with one
rename, so a reader (or a kill at any instant) sees the old set or the new one, never a mix.
Durability comes from one ``syncfs`` before that rename, not from one fsync per file.

Files that are not ours are never deleted: a TA's ``feedback/NOTES.md`` lands in the set the
link points to, and is moved into each new set (anything not in the old set's MANIFEST is
theirs).
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import time
from pathlib import Path
from typing import Callable, Iterable, Optional

from grader.errors import GraderError, os_reason
from grader.formats.lms import EXPORTS
from grader.classes.reuse import INDEX, SPARE_INDEX

LMS_FILES = tuple(EXPORTS)        # canvas.csv, gradescope-scores.csv, moodle.csv

__all__ = ["Outdir", "OutdirError", "Manifest", "OWNED", "STATE_DIR", "no_space"]

OWNED = ("results.json", "gradebook.csv", "junit.xml", "report.html", "feedback", "gradescope", *LMS_FILES)
STATE_DIR = ".grader"
MANIFEST = "MANIFEST"
_BYTES_PER_STUDENT = 64_000       # one set (measured: ~46 KB a student) and its gradebook rows, with margin


class OutdirError(GraderError):
    """OUTDIR cannot be used; the message says why, in words, for the person running the grader."""


def no_space(out: Path) -> OutdirError:
    return OutdirError(f"no space left on the device of {out}; the previous outputs were kept")


def _user(uid: int) -> str:
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"user id {uid}"


def _not_writable(out: Path, p: Path) -> OutdirError:
    """Why `p` (OUTDIR or a file of the grader's in it) cannot be written, and what to do."""
    owner = os.lstat(p).st_uid
    if owner == os.geteuid():
        return OutdirError(f"cannot write into the output folder {out}: {p} cannot be written (permission denied); "
                           f"give yourself write permission on it (chmod u+w) and run again")
    whole = out if p == out else out / STATE_DIR
    return OutdirError(f"cannot write into the output folder {out}: {p} belongs to another user "
                       f"({_user(owner)}), probably from a run with sudo; give it back to yourself with "
                       f"`sudo chown -R {_user(os.geteuid())} {whole}` and run again")


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _is_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _syncfs(path: Path) -> None:
    """Make everything written under `path`'s file system durable, in one call."""
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.syncfs(fd) == 0:
                return
        except (OSError, AttributeError):
            pass
        os.sync()
    finally:
        os.close(fd)


class Manifest:
    """The list of files a set holds that are ours, written as the set is."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._fh = open(folder / (MANIFEST + ".partial"), "w", encoding="utf-8", errors="surrogateescape")

    def add(self, rel: str) -> None:
        self._fh.write(rel + "\n")

    def abandon(self) -> None:
        self._fh.close()

    def close(self) -> None:
        self._fh.close()
        os.replace(self.folder / (MANIFEST + ".partial"), self.folder / MANIFEST)


def _read_manifest(folder: Path) -> Optional[set[str]]:
    try:
        with open(folder / MANIFEST, encoding="utf-8", errors="surrogateescape") as fh:
            return {line.rstrip("\n") for line in fh}
    except FileNotFoundError:
        return None


class Outdir:
    """One OUTDIR. `prepare` checks it before any grading; `lock` keeps other runs out;
    `new_set` / `switch_to` write and show a set."""

    def __init__(self, out: Path | str):
        self.out = Path(out)
        self.state = self.out / STATE_DIR
        self.sets = self.state / "sets"
        self.current = self.state / "current"
        self._lock_fd: Optional[int] = None

    # --- before grading ------------------------------------------------------------------

    def prepare(self, students: int) -> None:
        """Refuse, in words, an OUTDIR that cannot take the outputs: not a folder, not
        writable, a name of ours that is a link somewhere else, too little free space."""
        out = self.out
        if out.is_symlink() and not out.is_dir():
            raise OutdirError(f"{out} is a symbolic link that does not point to a folder")
        if out.exists() and not out.is_dir():
            raise OutdirError(f"{out} exists and is not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutdirError(f"cannot create the output folder {out}: {os_reason(exc)}") from None
        if _read_only(out):
            raise OutdirError(f"cannot write into the output folder {out}: it is on a read-only file system")
        for p in self._ours_to_write():
            if not os.access(p, os.W_OK | (os.X_OK if p.is_dir() else 0)):
                raise _not_writable(out, p)
        for name in OWNED:
            p = out / name
            if p.is_symlink() and os.readlink(p) != self._link_target(name):
                raise OutdirError(f"{p} is a symbolic link that the grader did not make; "
                                  f"refusing to write through it")
        for p in (self.state, self.sets, self.current):
            if p.is_symlink() and p != self.current:
                raise OutdirError(f"{p} is a symbolic link; refusing to write through it")
        try:
            self.sets.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if _is_full(exc):
                raise no_space(out) from None
            raise OutdirError(f"cannot write into the output folder {out}: {os_reason(exc)}") from None
        need = _BYTES_PER_STUDENT * max(1, students) + (1 << 20)
        free = shutil.disk_usage(out).free
        if free < need:
            raise OutdirError(f"not enough free space in {out}: the outputs need about "
                              f"{need / 1e6:,.1f} MB, {free / 1e6:,.1f} MB are free")

    def _ours_to_write(self) -> Iterable[Path]:
        """OUTDIR and what a run writes or replaces in it, as far as they exist already: after
        one `sudo grader grade` they all belong to root, and the next run would fail on the first
        (the lock) with nothing but "permission denied". Only these few names are looked at, not
        the set's thousands of files, so the check costs the same for any class."""
        yield self.out
        names = [self.state, self.state / "lock", self.sets]
        names += [self.state / f"gradebook.sqlite{extra}" for extra in ("", "-wal", "-shm")]
        current = self.current_set()
        if current is not None:
            names += [current, current / "feedback", current / "gradescope"]
        for p in names:
            if p.exists() and not p.is_symlink():
                yield p

    # --- one run at a time ---------------------------------------------------------------

    def lock(self, started: str) -> int:
        """Take the OUTDIR lock or raise OutdirError naming the run that holds it. A lock left
        by a dead process is free (the kernel drops a dead process's flock). Returns the
        lock's file descriptor (the workers must not inherit it)."""
        path = self.state / "lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
            os.close(fd)
            pid = holder[0] if holder else "unknown"
            when = holder[1] if len(holder) > 1 else "at an unknown time"
            raise OutdirError(f"another grading run (pid {pid}, started {when}) is writing to "
                              f"{self.out}; wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {started}\n".encode(), 0)
        self._lock_fd = fd
        return fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            try:
                os.ftruncate(self._lock_fd, 0)
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- sets ----------------------------------------------------------------------------

    def new_set(self, recycle: Callable[[Path], bool] = lambda index: False) -> tuple[Path, bool]:
        """A folder for a new set, and whether it is the spare recycled (`grader.classes.reuse`):
        the set shown before the current one, when `recycle(its INDEX)` accepts it. The spare
        loses its MANIFEST first (killed from then on, it is a set that never finished, which
        the next run deletes), its INDEX goes to SPARE_INDEX for the writers to read, its
        class-wide files go (they are written anew)."""
        folder = self.sets / f"set-{time.time_ns()}-{os.getpid()}"
        spare = self._spare()
        if spare is not None and recycle(spare / INDEX):
            os.unlink(spare / MANIFEST)
            os.replace(spare / INDEX, spare / SPARE_INDEX)
            os.rename(spare, folder)
            for name in OWNED:
                if not (folder / name).is_dir():
                    try:
                        os.unlink(folder / name)
                    except FileNotFoundError:
                        pass
            return folder, True
        folder.mkdir()
        return folder, False

    def _spare(self) -> Optional[Path]:
        """A finished set with an INDEX that is not the current one (the newest if several)."""
        current = self.current_set()
        try:
            names = sorted(os.listdir(self.sets), reverse=True)
        except FileNotFoundError:
            return None
        for name in names:
            folder = self.sets / name
            if current is not None and folder.resolve() == current.resolve():
                continue
            if (folder / MANIFEST).is_file() and (folder / INDEX).is_file():
                return folder
        return None

    def discard(self, folder: Path) -> None:
        _remove_tree(folder)

    def current_set(self) -> Optional[Path]:
        try:
            target = os.readlink(self.current)
        except OSError:
            return None
        return self.state / target

    @staticmethod
    def _link_target(name: str) -> str:
        return f"{STATE_DIR}/current/{name}"

    def switch_to(self, folder: Path) -> None:
        """Show `folder` (a complete set with its MANIFEST): the links in OUTDIR first, then one
        sync and one rename. The links point through `current`, so before the rename they show
        the previous set, or nothing at all on a first run (they lead nowhere yet): a run killed
        at any instant of its first switch-in leaves no name showing a file, not some of the
        names. The old sets are removed afterwards, by `tidy`."""
        self._link_names(folder)
        _syncfs(folder)
        tmp = self.state / "current.new"
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        os.symlink(os.path.relpath(folder, self.state), tmp)
        os.replace(tmp, self.current)

    def shows(self, folder: Path) -> bool:
        """True once `folder` is the set OUTDIR shows (it must then never be discarded)."""
        current = self.current_set()
        return current is not None and current.resolve() == folder.resolve()

    def _link_names(self, folder: Path) -> None:
        for name in OWNED:
            p = self.out / name
            target = self._link_target(name)
            if p.is_symlink():
                if os.readlink(p) == target:
                    continue
                raise OutdirError(f"{p} is a symbolic link that the grader did not make")
            if p.is_dir():            # a grader from before the gradebook: keep what it held
                self._carry(p, folder / name, ours=None)
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()            # one of our own file names, written by an older grader
            os.symlink(target, p)     # created whole or not at all: no temporary name to leave behind
        for name in OWNED:            # the temporary names older versions used, left by a kill
            stray = self.out / f".{name}.link"
            if stray.is_symlink():
                stray.unlink()

    def tidy(self, spare: Optional[Path] = None) -> None:
        """Sets other than the current one go; the files in them that are not ours (not in
        their MANIFEST) move to the current set first. A set without a MANIFEST is a run that
        never finished writing: all of it is ours. `spare` (the set shown before the current
        one), once holding only its own files, is kept for the next run to recycle."""
        current = self.current_set()
        try:
            names = sorted(os.listdir(self.sets))
        except FileNotFoundError:
            return
        for name in names:
            folder = self.sets / name
            if current is not None and folder.resolve() == current.resolve():
                continue
            ours = _read_manifest(folder)
            if ours is not None and current is not None:
                self._carry(folder, current, ours)
            if ours is not None and spare is not None and folder.resolve() == spare.resolve() \
                    and (folder / INDEX).is_file():
                continue
            _remove_tree(folder)

    @staticmethod
    def _carry(src: Path, dst: Path, ours: Optional[set[str]]) -> None:
        """Move every file under `src` that is not in `ours` to the same place under `dst`
        (`ours` None: every file not already present in `dst`)."""
        for root, dirs, files in os.walk(src):
            rel_root = os.path.relpath(root, src)
            for f in files:
                rel = f if rel_root == "." else os.path.join(rel_root, f)
                if rel in (MANIFEST, MANIFEST + ".partial"):
                    continue
                if ours is not None and rel in ours:
                    continue
                target = dst / rel
                if ours is None and (target.exists() or target.is_symlink()):
                    continue
                if ours is not None and (target.exists() or target.is_symlink()):
                    target = target.with_name(target.name + ".kept")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(os.path.join(root, f), target)


def _remove_tree(folder: Path) -> None:
    """rmtree with the unlinks overlapped in a few threads (each waits on the disk)."""
    from concurrent.futures import ThreadPoolExecutor

    def unlink(path: str) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass

    dirs = []
    with ThreadPoolExecutor(8, thread_name_prefix="grader-remove") as pool:
        for root, subdirs, files in os.walk(folder):
            dirs.append(root)
            for f in files:
                pool.submit(unlink, os.path.join(root, f))
    for d in reversed(dirs):
        try:
            os.rmdir(d)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)      # whatever is left (a race with a TA's editor)


def skip_names(src: Path, out: Path) -> Iterable[str]:
    """The entry of the class folder that holds OUTDIR, when OUTDIR sits inside it."""
    try:
        rel = out.resolve().relative_to(src.resolve())
    except ValueError:
        return ()
    return (rel.parts[0],) if rel.parts else ()
