"""The [alerts] settings: unknown keys and incomplete channels are errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.runtime.alert_settings import AlertsSettings
from app.runtime.settings import Settings


def test_defaults_send_nowhere() -> None:
    assert Settings().alerts.channels == {}
    assert Settings().alerts.sound.levels == ["warning", "critical"]


@pytest.mark.parametrize(
    ("channel", "needle"),
    [
        ({"kind": "webhook", "url": "https://x", "colour": "red"}, "colour"),
        ({"kind": "webhook"}, "needs its url"),
        ({"kind": "telegram"}, "chat_id"),
        ({"kind": "sms", "url": "https://x"}, "kind"),
        ({"kind": "lark", "url": "ftp://x"}, "http(s)"),
        ({"kind": "lark", "levels": ["loud"]}, "levels"),
    ],
)
def test_a_bad_channel_is_refused_naming_why(channel: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        AlertsSettings.model_validate({"channels": {"ops": channel}})


def test_a_bad_summary_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="HH:MM"):
        AlertsSettings.model_validate({"daily_summary": {"time": "25:00"}})
