"""The whole test suite, as CI and the README run it.

Two processes: the engine suite, then the Qt suite (``tests/ui``). The Qt tests run on a qasync
loop in an offscreen QApplication; a hung Qt loop cannot be interrupted by pytest-timeout from
inside the process, so the UI process gets a hard wall-clock limit and a hang counts as a failure
instead of stalling CI. Extra arguments go to both pytest runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_SUITE_TIMEOUT_S = 600


def main() -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    pytest = [sys.executable, "-m", "pytest", *sys.argv[1:]]
    failed: list[str] = []
    if subprocess.call([*pytest, "--ignore=tests/ui"], cwd=ROOT, env=env) != 0:
        failed.append("engine suite")
    try:
        code = subprocess.call([*pytest, "tests/ui"], cwd=ROOT, env=env, timeout=UI_SUITE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print(f"tests/ui: timed out after {UI_SUITE_TIMEOUT_S} s", flush=True)
        code = 1
    if code != 0:
        failed.append("UI suite (tests/ui)")
    print(f"test suites: {2 - len(failed)} passed, {len(failed)} failed")
    for name in failed:
        print(f"  failed: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
