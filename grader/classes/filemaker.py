"""Many small files made from other threads (a set's per-student files)."""
from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Callable, Optional

__all__ = ["Files"]


class Files:
    """Creates many small files from other threads. Creating a file is kernel time (here as
    much as the Python that makes its text: ext4 on a virtual disk); the threads release the
    GIL while they wait, so the creations overlap with the texts made in the calling thread,
    on the second core. Files are handed over in batches (one hand-over per file cost more
    than it saved); at most `window` batches wait in memory."""

    batch = 64          # files a hand-over

    def __init__(self, threads: int = 2, window: int = 8):
        self.queue: queue.Queue = queue.Queue(maxsize=window)
        self.pending: list[tuple[Path, bytes, Optional[Path]]] = []
        self.error: Optional[BaseException] = None
        self.stop = False
        self.threads = [threading.Thread(target=self._run, name="grader-write", daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def write(self, path: Path, data: bytes, folder: Optional[Path] = None, replace: bool = False) -> None:
        """`path` with `data`, in a new `folder` first when given (`replace`: a recycled set's
        file and folder may be there already)."""
        self._put((_write, path, data, folder, replace))

    def link(self, source: Path, path: Path, folder: Optional[Path] = None, replace: bool = False,
             otherwise: Callable[[], bytes] = bytes) -> None:
        """`path` as a hard link to `source` (the same file, nothing rendered or copied), or
        with `otherwise()` when `source` cannot be linked (gone, another file system)."""
        self._put((_link, path, (source, otherwise), folder, replace))

    def _put(self, op: tuple) -> None:
        if self.error is not None:
            raise self.error
        self.pending.append(op)
        if len(self.pending) >= self.batch:
            self.queue.put(self.pending)
            self.pending = []

    def _run(self) -> None:
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            for make, path, what, folder, replace in batch:
                if self.stop or self.error is not None:
                    break
                try:
                    if folder is not None:
                        try:
                            os.mkdir(folder)
                        except FileExistsError:
                            if not replace:
                                raise
                    if replace:
                        try:
                            os.unlink(path)
                        except FileNotFoundError:
                            pass
                    make(path, what)
                except BaseException as exc:   # noqa: BLE001 - handed to the calling thread
                    self.error = exc

    def _join(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()

    def close(self) -> None:
        if self.pending:
            self.queue.put(self.pending)
            self.pending = []
        self._join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        """No more files: the set is being thrown away (and must not grow while it is)."""
        self.stop = True
        while True:        # make room for the stop marks
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        self._join()


def _write(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:     # O_EXCL: two rows can never share a file
        fh.write(data)


def _link(path: Path, source: tuple[Path, Callable[[], bytes]]) -> None:
    try:
        os.link(source[0], path)
    except OSError:
        _write(path, source[1]())
