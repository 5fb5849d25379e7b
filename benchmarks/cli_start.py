"""Shell commands from process start to exit: the kill switch must answer in a blink.

- ``version_s``: ``arbdesk --version``, start to exit.
- ``panic_s``: ``arbdesk panic --json`` against a running ``arbdesk headless --market sim`` (in a
  throwaway ``ARBDESK_HOME``), start to exit; the report must come from the instance and leave it
  ``HALTED``. ``panic_instance_ms`` is the instance's own panic inside it (the report's
  ``elapsed_ms``): the rest is the shell's start-up, the round trip and the teardown.
- ``resume_s``: ``arbdesk resume --yes --json`` after it, start to exit (it puts the instance
  back to ``ACTIVE`` for the next run; its reconciliation is inside the figure).
- ``*_cpu_s``: the same commands' CPU time (user + system, from ``getrusage``): what the start
  costs whatever else runs on the machine, where the wall figure grows with the load.
- ``modules``: how many modules ``python -X importtime`` sees imported by ``panic`` (against the
  same instance) and by ``--version``, and whether any of the heavy libraries is among them.

The app's bytecode is compiled first (``compileall``), as an installed or frozen app has it: with
``PYTHONDONTWRITEBYTECODE`` set, a changed module would be compiled again on every start.
Runs alternate the commands; medians over ``--runs``. The instance shares the 2 cores (its
simulated market keeps one busy part of the time), as on a trader's machine. The 1-minute load
average before and after is in the JSON: compare figures taken in the same minutes.

    python benchmarks/cli_start.py [--runs 5] [--command "dist/arbdesk/arbdesk"] [--out FILE]

``--command`` measures another ``arbdesk`` (the frozen one); the module counts are taken with this
Python either way.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PANIC_MAX_S = 0.300
VERSION_MAX_S = 0.150
TARGETS = {"panic_s": f"< {PANIC_MAX_S:g}", "version_s": f"< {VERSION_MAX_S:g}"}
HEAVY = ("sqlalchemy", "alembic", "pydantic", "ccxt", "PySide6", "pyqtgraph", "numpy", "app.engine")
START_TIMEOUT_S = 60.0


def default_command() -> list[str]:
    """The console script beside this Python (what a user types), else ``python -m app``."""
    script = Path(sys.executable).with_name("arbdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "app"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(
    argv: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds of one command, start to exit, and what it printed."""
    cpu0, t0 = cpu_of_children(), time.perf_counter()
    done = subprocess.run(
        argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - t0, cpu_of_children() - cpu0, done


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"{done.args}: no output (exit {done.returncode}): {done.stderr}")
    data: dict[str, Any] = json.loads(lines[-1])
    return data


class Instance:
    """``arbdesk headless --market sim`` in its own home, until closed."""

    def __init__(self, command: list[str], env: dict[str, str], home: Path) -> None:
        self.endpoint = home / "run" / "control.json"
        self.log = (home / "headless.out").open("w")
        self.proc = subprocess.Popen(
            [*command, "headless", "--market", "sim", "--json"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.endpoint.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"headless ended with {self.proc.returncode}: see {self.log.name}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"no control endpoint within {START_TIMEOUT_S:g} s")
            time.sleep(0.1)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def imported(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Modules ``-X importtime`` reports for ``arbdesk ARGV`` run by this Python."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", *argv],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    names = [
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and not line.rstrip().endswith("imported package")
    ]
    heavy = sorted({h for h in HEAVY for n in names if n == h or n.startswith(h + ".")})
    return {"count": len(names), "heavy": heavy, "exit": done.returncode}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--command", help="the arbdesk to run (default: this venv's)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    command = shlex.split(args.command) if args.command else default_command()

    compileall.compile_dir(ROOT / "app", quiet=1)
    load_before = os.getloadavg()[0]
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="arbdesk-cli-start-") as tmp:
        home = Path(tmp)
        pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "ARBDESK_HOME": str(home), "PYTHONPATH": pythonpath}
        instance = Instance(command, env, home)
        try:
            ping = last_json(
                subprocess.run(
                    [*command, "status", "--json"],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )
            )
            if ping.get("source") != "instance":
                raise RuntimeError(f"status did not come from the instance: {ping}")
            for _ in range(args.runs):
                version_s, version_cpu_s, done = timed([*command, "--version"], env)
                if done.returncode != 0 or "arbdesk" not in done.stdout:
                    raise RuntimeError(f"--version failed: {done.stdout} {done.stderr}")
                panic_s, panic_cpu_s, done = timed([*command, "panic", "--json"], env)
                report = last_json(done)
                if report.get("source") != "instance" or report.get("trading_state") != "HALTED":
                    raise RuntimeError(f"the panic was not the instance's: {report} {done.stderr}")
                resume_s, resume_cpu_s, done = timed([*command, "resume", "--yes", "--json"], env)
                if last_json(done).get("resumed") is not True:
                    raise RuntimeError(f"resume refused: {done.stdout} {done.stderr}")
                runs.append(
                    {
                        "version_s": round(version_s, 4),
                        "panic_s": round(panic_s, 4),
                        "panic_instance_ms": float(report["elapsed_ms"]),
                        "resume_s": round(resume_s, 4),
                        "version_cpu_s": round(version_cpu_s, 4),
                        "panic_cpu_s": round(panic_cpu_s, 4),
                        "resume_cpu_s": round(resume_cpu_s, 4),
                    }
                )
            modules = {
                "panic": imported(["panic", "--json"], env),
                "version": imported(["--version"], env),
            }
        finally:
            instance.close()

    medians = {k: round(statistics.median(r[k] for r in runs), 4) for k in runs[0]}
    result = {
        "benchmark": "cli_start",
        "commit": commit(),
        "command": command,
        "runs": runs,
        "median": medians,
        "modules": modules,
        "targets": TARGETS,
        "meets_targets": {
            "panic_s": medians["panic_s"] < PANIC_MAX_S,
            "version_s": medians["version_s"] < VERSION_MAX_S,
        },
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
