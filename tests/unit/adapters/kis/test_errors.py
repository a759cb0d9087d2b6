from __future__ import annotations

import pytest

from jts.adapters.kis.errors import (
    KisApiError,
    KisAuthError,
    KisInvalidRequestError,
    KisKeyInUseError,
    KisMarketClosedError,
    KisRateLimitError,
    KisRejectedError,
    KisServerError,
    KisSubscriptionLimitError,
    KisTokenError,
    KisTokenIssueRateError,
    KisUnknownSymbolError,
    error_for_code,
)
from jts.core.errors import JtsError, UnknownInstrumentError


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("EGW00201", 500, KisRateLimitError),
        ("EGW00123", 500, KisTokenError),
        ("EGW00121", 500, KisTokenError),
        ("EGW00133", 403, KisTokenIssueRateError),
        ("EGW00103", 500, KisAuthError),
        ("EGW00205", 500, KisAuthError),
        ("APBK0919", 200, KisMarketClosedError),
        ("APBK1664", 200, KisMarketClosedError),
        ("APBK0656", 200, KisUnknownSymbolError),
        ("OPSQ2001", 200, KisInvalidRequestError),
        ("OPSP0008", 200, KisSubscriptionLimitError),
        ("OPSP8996", 200, KisKeyInUseError),
        ("APBK0952", 200, KisRejectedError),  # unknown business code
        ("ZZZZ0000", 502, KisServerError),  # unknown code with a 5xx
    ],
)
def test_codes_map_to_their_class(code, status, cls):
    error = error_for_code(code, " message ", status=status, tr_id="VTTC0012U")
    assert type(error) is cls
    assert error.msg_cd == code
    assert error.msg1 == "message"
    assert error.status == status
    assert code in str(error)
    assert "VTTC0012U" in str(error)


def test_reason_is_code_and_broker_text():
    error = error_for_code("APBK0919", "장운영일자가 주문일과 상이합니다")
    assert error.reason == "APBK0919 장운영일자가 주문일과 상이합니다"


def test_extra_codes_override_the_table():
    error = error_for_code("APBK0952", "no cash", extra={"APBK0952": KisMarketClosedError})
    assert isinstance(error, KisMarketClosedError)


def test_unknown_symbol_is_also_the_core_unknown_instrument_error():
    error = error_for_code("APBK0656", "해당종목정보가 없습니다.")
    assert isinstance(error, UnknownInstrumentError)
    assert isinstance(error, KisApiError)
    assert isinstance(error, JtsError)
    assert str(error).startswith("KIS APBK0656")
