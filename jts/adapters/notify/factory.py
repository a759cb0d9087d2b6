"""Build the dispatcher and its channels from the ``[alerts]`` settings."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from jts.adapters.notify.config import AlertsConfig, ChannelConfig
from jts.adapters.notify.dispatcher import AlertDispatcher
from jts.adapters.notify.email import EmailChannel
from jts.adapters.notify.formatting import from_event
from jts.adapters.notify.lane import Channel, LanePolicy
from jts.adapters.notify.slack import SlackChannel
from jts.adapters.notify.telegram import TelegramChannel
from jts.adapters.notify.webhook import WebhookChannel
from jts.domain.messages import Message
from jts.ports.notifier import Alert

__all__ = ["build_channels", "build_dispatcher", "lane_policy"]

_log = logging.getLogger("jts.adapters.notify")


def lane_policy(section: ChannelConfig) -> LanePolicy:
    return LanePolicy(
        min_severity=section.min_severity,
        kinds=frozenset(section.kinds),
        rate_count=section.rate_limit.count,
        rate_period_s=section.rate_limit.period_s,
    )


def build_channels(
    config: AlertsConfig,
    *,
    source: str = "jts",
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[tuple[Channel, LanePolicy]]:
    """Every configured channel with its policy; ``transport`` replaces the HTTP channels'
    own (tests hand in a mock; the caller then closes it)."""
    channels: list[tuple[Channel, LanePolicy]] = []
    if config.webhook.configured:
        channels.append(
            (
                WebhookChannel(config.webhook, source=source, transport=transport),
                lane_policy(config.webhook),
            )
        )
    if config.slack.configured:
        channels.append(
            (
                SlackChannel(config.slack, source=source, transport=transport),
                lane_policy(config.slack),
            )
        )
    if config.telegram.configured:
        channels.append(
            (
                TelegramChannel(config.telegram, source=source, transport=transport),
                lane_policy(config.telegram),
            )
        )
    if config.email.configured:
        channels.append((EmailChannel(config.email, source=source), lane_policy(config.email)))
    return channels


def build_dispatcher(
    config: AlertsConfig,
    *,
    source: str = "jts",
    transport: httpx.AsyncBaseTransport | None = None,
    mapper: Callable[[Message], Alert | None] = from_event,
) -> AlertDispatcher:
    """The node's dispatcher; with ``enabled = false`` or no channel configured it accepts
    alerts and sends nothing. ``source`` names the node in every alert (its trader id)."""
    dispatcher = AlertDispatcher.from_config(config, mapper=mapper)
    if not config.enabled:
        _log.info("alerts are disabled")
        return dispatcher
    for channel, policy in build_channels(config, source=source, transport=transport):
        dispatcher.add_channel(channel, policy)
    _log.info("alert channels: %s", ", ".join(dispatcher.channel_names) or "none configured")
    return dispatcher
