"""Alert channels behind the `Notifier` port, and the dispatcher in front of them.

Channels: generic webhook (`WebhookChannel`), Slack-compatible incoming webhook
(`SlackChannel`), Telegram Bot API (`TelegramChannel`), e-mail over SMTP (`EmailChannel`).
The `AlertDispatcher` de-duplicates, rate-limits, queues and retries for all of them;
`from_event` turns bus events into alerts. Start from `build_dispatcher(AlertsConfig)`.

The names below are imported on first use: the settings model imports
`jts.adapters.notify.config` on every start of every command, and should not pay for the
HTTP client and the channels then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jts.adapters.notify.config import (
        AlertsConfig,
        ChannelConfig,
        EmailConfig,
        RateLimitConfig,
        RetryConfig,
        SlackConfig,
        TelegramConfig,
        WebhookConfig,
    )
    from jts.adapters.notify.dispatcher import AlertDispatcher, DispatcherStats
    from jts.adapters.notify.email import EmailChannel
    from jts.adapters.notify.factory import build_channels, build_dispatcher, lane_policy
    from jts.adapters.notify.formatting import (
        disconnect_alert,
        fill_alert,
        from_event,
        reconciliation_alert,
        reconnect_alert,
    )
    from jts.adapters.notify.lane import Channel, ChannelStats, LanePolicy
    from jts.adapters.notify.slack import SlackChannel
    from jts.adapters.notify.telegram import TelegramChannel
    from jts.adapters.notify.webhook import WebhookChannel

_HOME = {
    "AlertsConfig": "config",
    "ChannelConfig": "config",
    "EmailConfig": "config",
    "RateLimitConfig": "config",
    "RetryConfig": "config",
    "SlackConfig": "config",
    "TelegramConfig": "config",
    "WebhookConfig": "config",
    "AlertDispatcher": "dispatcher",
    "DispatcherStats": "dispatcher",
    "EmailChannel": "email",
    "build_channels": "factory",
    "build_dispatcher": "factory",
    "lane_policy": "factory",
    "disconnect_alert": "formatting",
    "fill_alert": "formatting",
    "from_event": "formatting",
    "reconciliation_alert": "formatting",
    "reconnect_alert": "formatting",
    "Channel": "lane",
    "ChannelStats": "lane",
    "LanePolicy": "lane",
    "SlackChannel": "slack",
    "TelegramChannel": "telegram",
    "WebhookChannel": "webhook",
}

__all__ = [
    "AlertDispatcher",
    "AlertsConfig",
    "Channel",
    "ChannelConfig",
    "ChannelStats",
    "DispatcherStats",
    "EmailChannel",
    "EmailConfig",
    "LanePolicy",
    "RateLimitConfig",
    "RetryConfig",
    "SlackChannel",
    "SlackConfig",
    "TelegramChannel",
    "TelegramConfig",
    "WebhookChannel",
    "WebhookConfig",
    "build_channels",
    "build_dispatcher",
    "disconnect_alert",
    "fill_alert",
    "from_event",
    "lane_policy",
    "reconciliation_alert",
    "reconnect_alert",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
