"""Settings of the alerts that reach the trader away from the screen (``[alerts]``).

Only what is not secret lives here: a channel's kind, base URL, chat id and rules. Its secrets
(a webhook's signing secret, a bot token, a robot's access token and signing secret) are kept in
the OS keychain or the encrypted vault under the channel's name, never in a settings file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Level = Literal["info", "warning", "critical"]
ChannelKind = Literal["webhook", "telegram", "lark", "dingtalk"]
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _serious() -> list[Level]:
    return ["warning", "critical"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertChannelSettings(_Section):
    """One destination and its rules."""

    kind: ChannelKind
    enabled: bool = True
    url: str = Field(
        default="",
        description="webhook: its URL (required); others: the service's base URL (empty: its own)",
    )
    chat_id: str = Field(default="", description="telegram: the chat to write to")
    levels: list[Level] = Field(default_factory=_serious, min_length=1)
    sources: list[str] = Field(
        default_factory=list, description="alert sources sent (risk, oms, halt, …); empty: all"
    )
    max_per_minute: int = Field(default=6, ge=1, le=600)
    daily_summary: bool = True
    markdown: bool = Field(default=False, description="dingtalk: markdown instead of text")
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    retries: int = Field(default=3, ge=0, le=10)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value


class DailySummarySettings(_Section):
    enabled: bool = False
    time: str = Field(default="18:00", description="local time HH:MM")

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f"not a time HH:MM: {value!r}")
        return value


class SoundSettings(_Section):
    enabled: bool = True
    levels: list[Level] = Field(default_factory=_serious)


class AlertsSettings(_Section):
    queue_size: int = Field(default=256, ge=8, le=100_000)
    dedup_window_s: float = Field(default=60.0, ge=0, le=86_400)
    failures_before_warning: int = Field(default=3, ge=1, le=100)
    sound: SoundSettings = SoundSettings()
    daily_summary: DailySummarySettings = DailySummarySettings()
    channels: dict[str, AlertChannelSettings] = Field(default_factory=dict)

    @field_validator("channels")
    @classmethod
    def _names(cls, value: dict[str, AlertChannelSettings]) -> dict[str, AlertChannelSettings]:
        for name, channel in value.items():
            if not _NAME.match(name):
                raise ValueError(f"channel name {name!r}: lower-case letters, digits, - and _")
            if channel.kind == "webhook" and not channel.url:
                raise ValueError(f"channel {name!r}: a webhook needs its url")
            if channel.kind == "telegram" and not channel.chat_id:
                raise ValueError(f"channel {name!r}: telegram needs chat_id")
        return value
