"""vcdoctor in a process of its own, with its wall time and its own peak memory (for the hostile-input bounds)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Dict


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    #: the child's own peak RSS; Linux also counts the test process's pages at fork time, far below the bounds
    peak_mb: float


def run_vcdoctor(*args: str) -> Measured:
    """``python -m vcdoctor ARGS``. wait4 gives this child's own usage, where RUSAGE_CHILDREN would give the
    largest of every child the test process ever had (communicate() would reap the child before wait4)."""
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "vcdoctor", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    errors: Dict[str, str] = {}
    reader = threading.Thread(target=lambda: errors.setdefault("text", child.stderr.read() if child.stderr else ""))
    reader.start()
    stdout = child.stdout.read() if child.stdout is not None else ""
    reader.join()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    measured = Measured(child.returncode, stdout, errors.get("text", ""), time.monotonic() - started,
                        usage.ru_maxrss / 1024)
    # the figures docs/security.md quotes: `pytest -s tests/test_hostile_server.py tests/test_hostile_snapshot.py`
    print(f"\nmeasured: vcdoctor {' '.join(args)[:80]}: exit {measured.returncode}, {measured.seconds:.2f} s, "
          f"peak {measured.peak_mb:.0f} MB")
    return measured
