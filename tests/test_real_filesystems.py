"""OUTDIR on a real small or read-only file system (issue 15, "errors up front and in words"):
no injected errors here. Each scenario runs in its own mount namespace (`unshare`), on a tmpfs
mounted there, so nothing is left mounted whatever happens; the kernel itself says "no space
left" or "read-only file system", through every path the grader writes by (its threads, its
helper process, SQLite)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The scenario's common part: a class of 40 students graded into OUTDIR on the tmpfs, with the
# fake checker of test_batch; `files(out)` is what OUTDIR shows.
PRELUDE = """
import json, os, subprocess, sys
sys.path[:0] = [{root!r}, {tests!r}]
import test_batch as t
from grader.classes.classrun import BatchError, grade_class
src, out = {src!r}, os.path.join({mnt!r}, "out")
report = {{}}

def grade(**kw):
    try:
        run = grade_class(src, out, t.make_bank(), check=t.fake_check, jobs=2, log=lambda line: None,
                          generated_at="2026-01-01T00:00:00Z", **kw)
        return {{"exit": run.exit_code}}
    except BatchError as exc:
        return {{"error": str(exc)}}

def files():
    return {{k: v.hex() for k, v in t.all_files(__import__("pathlib").Path(out)).items()}}
"""


def scenario(tmp_path: Path, body: str, size: str = "16m") -> dict:
    """Run `body` (after PRELUDE) as root in a private mount namespace with a tmpfs of `size`
    at tmp_path/mnt; returns the `report` dict it prints."""
    src = tmp_path / "class"
    for i in range(40):
        path = src / f"s{i:03d}" / "answers.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(f"relu:\n  derivative-positive: {i % 3}\n  derivative-negative: 0\n"
                        f"sigmoid:\n  derivative: e^(-z)/(1+e^(-z))^{i % 4}\n", encoding="utf-8")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    code = PRELUDE.format(root=str(ROOT), tests=str(ROOT / "tests"), src=str(src), mnt=str(mnt)) + body + \
        "\nprint(json.dumps(report))\n"
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                        f'mount -t tmpfs -o size={size} tmpfs "$0" && exec "$1" -c "$2"',
                        str(mnt), sys.executable, code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_a_disk_that_fills_up_while_the_set_is_written(tmp_path):
    report = scenario(tmp_path, """
report["first"] = grade()
before = files()
from grader.classes import outputs
real_writing = outputs.SetWriting

class FillThenWrite(real_writing):      # the disk fills up as the new set is started
    def __init__(self, *args, **kw):
        with open(os.path.join({mnt!r}, "filler"), "wb") as fh:
            try:
                while True:
                    fh.write(b"x" * (1 << 16))
                    fh.flush()
            except OSError as exc:
                report["filler"] = exc.errno
        super().__init__(*args, **kw)

outputs.SetWriting = FillThenWrite
report["full"] = grade()
report["kept"] = files() == before
report["sets"] = len(os.listdir(os.path.join(out, ".grader", "sets")))
outputs.SetWriting = real_writing
os.remove(os.path.join({mnt!r}, "filler"))
report["after"] = grade()
report["same"] = files() == before
""".replace("{mnt!r}", repr(str(tmp_path / "mnt"))))
    out = tmp_path / "mnt" / "out"
    assert report["first"] == {"exit": 0}
    assert report["filler"] == 28                              # ENOSPC, from the kernel
    assert report["full"] == {"error": f"no space left on the device of {out}; the previous outputs were kept"}
    assert report["kept"] is True and report["sets"] == 1      # the old set whole, the new one gone
    assert report["after"] == report["first"] and report["same"] is True


def test_a_read_only_outdir_is_refused_before_grading(tmp_path):
    report = scenario(tmp_path, """
report["first"] = grade()
before = files()
subprocess.run(["mount", "-o", "remount,ro", {mnt!r}], check=True)
log = os.path.join({tmp!r}, "calls.log")
os.environ["FAKE_CHECK_LOG"] = log
t.write(__import__("pathlib").Path(src) / "s000" / "answers.yaml", "relu:\\n  derivative-positive: 9\\n")
report["ro"] = grade()
report["checked"] = os.path.exists(log)
report["kept"] = files() == before
""".replace("{mnt!r}", repr(str(tmp_path / "mnt"))).replace("{tmp!r}", repr(str(tmp_path))))
    out = tmp_path / "mnt" / "out"
    assert report["ro"] == {"error": f"cannot write into the output folder {out}: it is on a read-only file system"}
    assert report["checked"] is False                          # refused before any answer was checked
    assert report["kept"] is True
