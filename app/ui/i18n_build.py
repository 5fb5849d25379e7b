"""The window's translations: ``.ts`` sources under ``resources/i18n/`` compiled to ``.qm``.

The ``.ts`` files are the committed sources (``pyside6-lupdate`` over ``app/ui`` keeps them up to
date: ``python -m app.ui.i18n_build --update``); the ``.qm`` files are build products, never
committed. ``build.spec`` runs this module before PyInstaller collects ``resources/``, and the
window runs ``compile_stale`` at start, so a source checkout works without a build step.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from pathlib import Path

from app.resources import resource_path

log = logging.getLogger(__name__)

I18N_DIR = resource_path("i18n")
SOURCES = Path(__file__).resolve().parent  # app/ui: what lupdate reads
LANGUAGES = ("zh_CN",)  # translated languages; English is the source


def ts_file(language: str) -> Path:
    return I18N_DIR / f"arbdesk_{language}.ts"


def qm_file(language: str) -> Path:
    return I18N_DIR / f"arbdesk_{language}.qm"


def qt_tool(name: str) -> Path | None:
    """Qt's ``lrelease``/``lupdate`` as shipped inside the PySide6 wheel (None when frozen)."""
    try:
        import PySide6
    except ImportError:  # pragma: no cover - PySide6 is a dependency
        return None
    folder = Path(PySide6.__file__).resolve().parent
    for candidate in (folder / name, folder / f"{name}.exe", folder / "Qt" / "bin" / name):
        if candidate.is_file():
            return candidate
    return None


def stale(language: str) -> bool:
    ts, qm = ts_file(language), qm_file(language)
    return ts.exists() and (not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime)


def compile_ts(language: str) -> Path:
    """``arbdesk_<language>.qm`` from its ``.ts``; raises when lrelease is missing or fails."""
    tool = qt_tool("lrelease")
    if tool is None:
        raise FileNotFoundError("lrelease (from the PySide6 wheel) is not installed")
    subprocess.run(  # noqa: S603 - Qt's own tool, our own files
        [str(tool), "-silent", str(ts_file(language)), "-qm", str(qm_file(language))],
        check=True,
        capture_output=True,
    )
    return qm_file(language)


def compile_stale() -> None:
    """Compile every ``.qm`` that is missing or older than its ``.ts``; never raises (a window
    with no translation is still a window)."""
    if getattr(sys, "frozen", False):
        return  # a packaged app ships its .qm files (build.spec compiles them) and no lrelease
    for language in LANGUAGES:
        if stale(language):
            try:
                compile_ts(language)
            except (OSError, subprocess.CalledProcessError) as exc:
                log.warning("translation %s could not be compiled: %s", language, exc)


def update_ts(targets: list[Path], sources: Path = SOURCES) -> None:
    """Run ``lupdate`` over ``sources`` into ``targets`` (obsolete entries dropped)."""
    tool = qt_tool("lupdate")
    if tool is None:
        raise FileNotFoundError("lupdate (from the PySide6 wheel) is not installed")
    files = sorted(str(p) for p in sources.rglob("*.py") if "__pycache__" not in p.parts)
    subprocess.run(  # noqa: S603 - Qt's own tool, our own files
        [
            str(tool),
            "-silent",
            "-no-obsolete",
            "-locations",
            "none",
            *files,
            "-ts",
            *map(str, targets),
        ],
        check=True,
        capture_output=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ui.i18n_build", description=__doc__)
    parser.add_argument(
        "--update", action="store_true", help="first refresh the .ts sources with lupdate"
    )
    args = parser.parse_args(argv)
    if args.update:
        update_ts([ts_file(language) for language in LANGUAGES])
    for language in LANGUAGES:
        print(compile_ts(language))
    return 0


if __name__ == "__main__":
    sys.exit(main())
