"""The whole test suite, as CI and the README run it.

Two pytest processes, one after the other: the engine suite, then the Qt suite (``tests/ui``).
Side by side (one per core) they took no less time than the engine suite alone, and two tests
that wait on a pseudo-terminal or a market-time deadline failed only then: so, one at a time.
Each process's output is printed whole when it ends.

The Qt tests run on a qasync loop in an offscreen QApplication; a hung Qt loop cannot be
interrupted by pytest-timeout from inside the process, so each process has a hard wall-clock
limit and a hang counts as a failure instead of stalling CI. Extra arguments go to both runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
SUITE_TIMEOUT_S = 900.0
POLL_S = 0.5


@dataclass
class Suite:
    name: str
    log: IO[bytes]
    process: subprocess.Popen[bytes]
    started: float

    @classmethod
    def start(cls, name: str, args: list[str], env: dict[str, str]) -> Suite:
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by report(), when the suite ends
        command = [sys.executable, "-m", "pytest", *args]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        return cls(name, log, process, time.monotonic())

    def verdict(self) -> str | None:
        """None while running; past its limit the process is killed and the verdict says so."""
        code = self.process.poll()
        if code is None and time.monotonic() - self.started > SUITE_TIMEOUT_S:
            self.process.kill()
            self.process.wait()
            return f"timed out after {SUITE_TIMEOUT_S:.0f} s"
        if code is None:
            return None
        return "passed" if code == 0 else f"failed (exit {code})"

    def report(self, verdict: str) -> None:
        self.log.seek(0)
        elapsed = time.monotonic() - self.started
        print(f"===== {self.name}: {verdict} after {elapsed:.0f} s", flush=True)
        sys.stdout.buffer.write(self.log.read())
        sys.stdout.flush()
        self.log.close()


def main() -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    extra = sys.argv[1:]
    suites = [
        ("engine suite", [*extra, "--ignore=tests/ui"]),
        ("UI suite (tests/ui)", [*extra, "tests/ui"]),
    ]
    total = len(suites)
    failed: list[str] = []
    for name, args in suites:
        suite = Suite.start(name, args, env)
        while (verdict := suite.verdict()) is None:
            time.sleep(POLL_S)
        suite.report(verdict)
        if verdict != "passed":
            failed.append(suite.name)
    print(f"test suites: {total - len(failed)} passed, {len(failed)} failed")
    for name in failed:
        print(f"  failed: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
