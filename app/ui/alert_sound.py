"""A short sound per alert severity, played by the window (the engine never makes a sound).

The sounds are tiny WAV files in ``resources/sounds/``, made by ``build_sounds`` from the tones
below (``python -m app.ui.alert_sound`` writes them again; a test keeps the files equal to it).
QtMultimedia is not part of PySide6-Essentials, so it is used when installed; otherwise the
platform's own player plays the file (``winsound`` on Windows, ``afplay`` on macOS, ``paplay`` or
``aplay`` on Linux, started without waiting for it), and where there is none the system beep
stands in. At most one sound a second: a storm of alerts is not a siren.
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

from app.core.events import Alert
from app.resources import resource_path

log = logging.getLogger(__name__)

RATE = 8_000
#: severity -> (frequency Hz, duration ms, beeps)
TONES = {"info": (660, 90, 1), "warning": (880, 140, 2), "critical": (1_320, 160, 3)}
MIN_GAP_S = 1.0


def tone_wav(frequency: int, duration_ms: int, beeps: int) -> bytes:
    """Mono 8-bit PCM: ``beeps`` tones with a gap as long as one, faded in and out (no click)."""
    samples = bytearray()
    n = RATE * duration_ms // 1000
    fade = max(1, n // 10)
    for beep in range(beeps):
        for i in range(n):
            envelope = min(1.0, i / fade, (n - i) / fade)
            value = math.sin(2 * math.pi * frequency * i / RATE) * envelope * 0.6
            samples.append(int(128 + 127 * value))
        if beep < beeps - 1:
            samples.extend(b"\x80" * n)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(RATE)
        wav.writeframes(bytes(samples))
    return out.getvalue()


def sound_file(level: str) -> Path:
    return resource_path("sounds", f"alert-{level}.wav")


def build_sounds() -> list[Path]:
    """Write the bundled WAV files from ``TONES``."""
    written = []
    for level, tone in TONES.items():
        path = sound_file(level)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tone_wav(*tone))
        written.append(path)
    return written


def system_player() -> tuple[str, Callable[[Path], None]] | None:
    """The platform's way to play a WAV file without blocking, or None."""
    if sys.platform == "win32":
        import winsound

        def play_windows(path: Path) -> None:
            flags = winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT
            winsound.PlaySound(str(path), flags)

        return "winsound", play_windows
    for command in ("afplay", "paplay", "aplay"):
        found = shutil.which(command)
        if found is not None:
            argv = [found, "-q"] if command == "aplay" else [found]

            def play_with(path: Path, argv: list[str] = argv) -> None:
                subprocess.Popen(  # noqa: S603 - a fixed player on a bundled file
                    [*argv, str(path)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )

            return command, play_with
    return None


def _sound_effect_class() -> Any:
    try:
        from PySide6.QtMultimedia import QSoundEffect  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return QSoundEffect


class AlertSound(QObject):
    """Plays the sound of an alert's severity when the settings ask for it."""

    def __init__(self, enabled: bool, levels: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._enabled = enabled
        self._levels = set(levels)
        self._last = 0.0
        self.played: list[str] = []  # what was played, newest last (the window's tests read it)
        effect = _sound_effect_class()
        self._effects: dict[str, Any] = {}
        self._player = None if effect is not None else system_player()
        if effect is not None:
            for level in TONES:
                sound = effect(self)
                sound.setSource(QUrl.fromLocalFile(str(sound_file(level))))
                self._effects[level] = sound

    @property
    def backend(self) -> str:
        if self._effects:
            return "QtMultimedia"
        return self._player[0] if self._player is not None else "beep"

    def on_alert(self, alert: Alert) -> None:
        level = alert.level.value
        if not self._enabled or level not in self._levels:
            return
        now = time.monotonic()
        if now - self._last < MIN_GAP_S:
            return
        self._last = now
        self.played.append(level)
        effect = self._effects.get(level)
        if effect is not None:
            effect.play()
            return
        if self._player is not None:
            try:
                self._player[1](sound_file(level))
                return
            except OSError as exc:
                log.info("alert sound not played (%s): the beep instead", exc)
        QApplication.beep()


if __name__ == "__main__":
    for written in build_sounds():
        print(written)
