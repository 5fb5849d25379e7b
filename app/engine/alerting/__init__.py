"""Alerts that reach the trader away from the screen: webhook, Telegram, Lark, DingTalk.

``AlertingService`` is wired by the engine (subscribed to ``Alert`` and ``TradingStateChanged``,
its worker under the supervisor); the window sees ``ChannelStatus`` and ``DeliveryResult`` only.
"""

from app.engine.alerting.model import ChannelStatus, DeliveryResult, Message
from app.engine.alerting.service import AlertingService

__all__ = ["AlertingService", "ChannelStatus", "DeliveryResult", "Message"]
