"""The KIS adapter's exception tree, documented in one place.

Callers act on the kind of failure, never on message text:

- `KisTransportError` (`KisTimeoutError`): the request may or may not have reached KIS.
  ``reached`` is False only when the connection was never made (safe to re-send anything).
- `KisApiError`: KIS answered with an error code (``msg_cd`` or ``error_code``):
  `KisRateLimitError` (EGW00201, wait and retry), `KisTokenError` (expired or invalid token,
  renew once and retry), `KisTokenIssueRateError` (EGW00133: a token was issued less than a
  minute ago), `KisAuthError` (bad app key/secret, wrong credentials type), `KisServerError`
  (5xx without a business meaning, retried for queries), and `KisRejectedError`, the business
  rejections that come with HTTP 200 and ``rt_cd`` != "0": `KisMarketClosedError`,
  `KisUnknownSymbolError`, `KisInvalidRequestError` (input checks), and the rest as is.
- `KisSubscriptionError`: a WebSocket control reply refused a (un)subscription
  (`KisSubscriptionLimitError` OPSP0008, `KisKeyInUseError` OPSP8996).
- `KisProtocolError` / `KisFrameError`: a reply or frame that does not have the documented
  shape; a bad frame is dropped and counted, the stream lives on.
- `KisOrderStateUnknownError`: an order submission whose fate could not be learned.

`error_for_code` maps a code to its class; unknown codes become the generic class for their
status (5xx -> `KisServerError`, else `KisRejectedError`), so a new code is handled sensibly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from jts.core.errors import InvalidInputError, JtsError, UnknownInstrumentError

__all__ = [
    "CODE_CLASSES",
    "KisApiError",
    "KisAuthError",
    "KisError",
    "KisFrameError",
    "KisInvalidRequestError",
    "KisKeyInUseError",
    "KisMarketClosedError",
    "KisOrderStateUnknownError",
    "KisProtocolError",
    "KisRateLimitError",
    "KisRejectedError",
    "KisServerError",
    "KisSubscriptionError",
    "KisSubscriptionLimitError",
    "KisTimeoutError",
    "KisTokenError",
    "KisTokenIssueRateError",
    "KisTransportError",
    "KisUnknownSymbolError",
    "KisUnsupportedError",
    "error_for_code",
]


class KisError(JtsError):
    """Root of every error the KIS adapter raises."""


class KisUnsupportedError(KisError):
    """An operation KIS does not offer here (e.g. a real-only inquiry on the paper host, an
    order type KRX has no ``ORD_DVSN`` for)."""


class KisTransportError(KisError):
    """The HTTP or WebSocket exchange failed below the API level.

    ``reached`` is False when the request certainly never left (connection refused); True or
    None mean it may have been processed, which matters for orders.
    """

    def __init__(self, message: str, *, reached: bool | None = None) -> None:
        super().__init__(message)
        self.reached = reached


class KisTimeoutError(KisTransportError):
    """No answer in time; the request may have been processed."""


class KisProtocolError(KisError, InvalidInputError):
    """A reply that does not have the documented shape (not JSON, a required field missing)."""


class KisFrameError(KisProtocolError):
    """A WebSocket data frame that cannot be parsed (too few fields, bad count, bad cipher)."""


class KisApiError(KisError):
    """KIS answered with an error code. ``msg_cd`` and ``msg1`` are the broker's own words."""

    def __init__(self, msg_cd: str, msg1: str, *, status: int = 200, tr_id: str = "") -> None:
        self.msg_cd = msg_cd
        self.msg1 = msg1
        self.status = status
        self.tr_id = tr_id
        where = f" (tr_id {tr_id}, HTTP {status})" if tr_id else f" (HTTP {status})"
        super().__init__(f"KIS {msg_cd}: {msg1}{where}")

    @property
    def reason(self) -> str:
        """``"APBK0919 장운영일자가 주문일과 상이합니다"``: what an order rejection carries."""
        return f"{self.msg_cd} {self.msg1}".strip()


class KisRateLimitError(KisApiError):
    """EGW00201: more requests per second than the app key may send."""


class KisTokenError(KisApiError):
    """The access token expired (EGW00123) or is not valid (EGW00121): renew and retry once."""


class KisTokenIssueRateError(KisApiError):
    """EGW00133: a token was already issued to this app key within the last minute."""


class KisAuthError(KisApiError):
    """The app key, secret or credentials type is wrong; retrying will not help."""


class KisServerError(KisApiError):
    """A 5xx answer without a business meaning (gateway or server failure)."""


class KisRejectedError(KisApiError):
    """A business rejection (HTTP 200, ``rt_cd`` not "0"): the request was understood and
    refused. For an order this becomes `OrderRejected` with the broker's message."""


class KisMarketClosedError(KisRejectedError):
    """APBK0919 / APBK1664: the market is not open for this order."""


class KisUnknownSymbolError(KisRejectedError, UnknownInstrumentError):
    """APBK0656: the broker does not know the symbol."""

    __str__ = KisApiError.__str__


class KisInvalidRequestError(KisRejectedError):
    """OPSQ2000/OPSQ2001 and OPSQ0002: a field or tr_id KIS's input checks refused."""


class KisSubscriptionError(KisApiError):
    """A WebSocket subscribe/unsubscribe reply with an error code."""


class KisSubscriptionLimitError(KisSubscriptionError):
    """OPSP0008: the session holds as many registrations as it may."""


class KisKeyInUseError(KisSubscriptionError):
    """OPSP8996: the app key already has a live WebSocket session."""


class KisOrderStateUnknownError(KisError):
    """A submission timed out and repeated look-ups could not tell whether it reached KIS."""


#: msg_cd / error_code -> exception class [S: brokers.md §1.2, §1.4, §2; M where marked there].
CODE_CLASSES: Final[Mapping[str, type[KisApiError]]] = {
    "EGW00201": KisRateLimitError,
    "EGW00123": KisTokenError,
    "EGW00121": KisTokenError,
    "EGW00133": KisTokenIssueRateError,
    "EGW00103": KisAuthError,
    "EGW00105": KisAuthError,
    "EGW00205": KisAuthError,
    "EGW00002": KisServerError,
    "APBK0919": KisMarketClosedError,
    "APBK1664": KisMarketClosedError,
    "APBK0656": KisUnknownSymbolError,
    "OPSQ0002": KisInvalidRequestError,
    "OPSQ2000": KisInvalidRequestError,
    "OPSQ2001": KisInvalidRequestError,
    "OPSP0008": KisSubscriptionLimitError,
    "OPSP8996": KisKeyInUseError,
}


def error_for_code(
    msg_cd: str,
    msg1: str,
    *,
    status: int = 200,
    tr_id: str = "",
    extra: Mapping[str, type[KisApiError]] | None = None,
) -> KisApiError:
    """The typed error for a KIS answer; ``extra`` adds or overrides codes (configuration)."""
    code = msg_cd.strip()
    cls = (extra or {}).get(code) or CODE_CLASSES.get(code)
    if cls is None:
        cls = KisServerError if status >= 500 else KisRejectedError
    return cls(code, msg1.strip(), status=status, tr_id=tr_id)
