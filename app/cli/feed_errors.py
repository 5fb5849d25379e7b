"""A replay's file error met while it played: the commands that replay report it after their
figures (a replay streams its file, so a bad row far in stops the feed there, not at the start)."""

from __future__ import annotations

from app.engine.api import Engine
from app.venues.replay_file import ReplayFileError


def replay_error(engine: Engine) -> str:
    """The message of the replay file's error that stopped the engine's feed, else ""."""
    prefix = f"{ReplayFileError.__name__}: "
    for task in engine.task_health():
        if task.name == "feed" and task.state == "failed" and task.last_error.startswith(prefix):
            return task.last_error.removeprefix(prefix)
    return ""
