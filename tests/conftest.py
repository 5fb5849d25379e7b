"""Shared fixtures: every test runs with its own ArbDesk home, so nothing touches the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def arbdesk_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("arbdesk-home")
    monkeypatch.setenv("ARBDESK_HOME", str(home))
    return home
