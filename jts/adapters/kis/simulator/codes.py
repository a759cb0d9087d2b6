"""The KIS answer codes the simulator sends: ``msg_cd``, ``msg1`` text, ``rt_cd`` and HTTP status.

One table, so the wire behaviour of every error is visible in one place and a correction (when
someone sees the real service answer differently) is a one-line change. Certainty follows
brokers.md: [S] seen in a cited source, [M] from memory or inferred. Client code should key on
``msg_cd`` and on the documented facts (business rejections come with HTTP 200 and ``rt_cd``
not "0"; the rate-limit error with a non-2xx status).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from jts.core.errors import InvalidInputError

__all__ = ["Codes", "KisCode", "KisRequestError", "invalid_input"]


@dataclass(frozen=True, slots=True)
class KisCode:
    """One answer: ``rt_cd`` ("0" success), ``msg_cd``, ``msg1`` and the HTTP status."""

    msg_cd: str
    msg1: str
    rt_cd: str = "1"
    status: int = 200

    def with_text(self, msg1: str) -> KisCode:
        """The same code with a more specific message (e.g. naming the bad value)."""
        return KisCode(self.msg_cd, msg1, self.rt_cd, self.status)


class Codes:
    """Namespace of the codes in use; attribute names say what happened."""

    # ---- success ------------------------------------------------------------------------------
    #: [S msg_cd, M text]
    ORDER_OK: Final = KisCode("APBK0013", "주문 전송 완료 되었습니다.", rt_cd="0")
    INQUIRY_OK: Final = KisCode("MCA00000", "정상처리 되었습니다.", rt_cd="0")  # [M]
    INQUIRY_EMPTY: Final = KisCode("KIOK0560", "조회할 내용이 없습니다", rt_cd="0")  # [M]
    #: rt_cd 7 = no data, as python-kis expects from search-info [S rt_cd: PK; M msg_cd, text]
    NO_DATA: Final = KisCode("KIOK0500", "조회할 자료가 없습니다", rt_cd="7")
    # ---- gateway: auth, tr_id, rate (non-2xx) -------------------------------------------------
    RATE_LIMIT: Final = KisCode("EGW00201", "초당 거래건수를 초과하였습니다.", status=500)  # [S]
    TOKEN_INVALID: Final = KisCode("EGW00121", "유효하지 않은 token 입니다.", status=500)  # [M]
    #: [S code, M status]
    TOKEN_EXPIRED: Final = KisCode("EGW00123", "기간이 만료된 token 입니다.", status=500)
    APPKEY_INVALID: Final = KisCode("EGW00103", "유효하지 않은 AppKey입니다.", status=500)  # [M]
    APPSECRET_INVALID: Final = KisCode(
        "EGW00105", "유효하지 않은 AppSecret입니다.", status=500
    )  # [M]
    #: A real-env trading tr_id sent to the paper host [S: a public client's notes].
    CREDENTIALS_TYPE: Final = KisCode(
        "EGW00205", "credentials_type이 유효하지 않습니다.(Bearer)", status=500
    )
    NO_SERVICE: Final = KisCode("OPSQ0002", "없는 서비스 코드 입니다", status=500)  # [S code]
    SERVER_ERROR: Final = KisCode("EGW00002", "서버 에러가 발생했습니다.", status=500)  # [M]
    # ---- input validation (HTTP 200, rt_cd 2 as seen for OPSQ2001) -------------------------------
    INPUT_ACCOUNT: Final = KisCode("OPSQ2000", "ERROR : INPUT INVALID_CHECK_ACNO", rt_cd="2")  # [M]
    INPUT_FIELD: Final = KisCode("OPSQ2001", "ERROR : INPUT INVALID_CHECK_", rt_cd="2")  # [S]
    # ---- business rejections (HTTP 200, rt_cd 1) ----------------------------------------------
    MARKET_CLOSED: Final = KisCode("APBK0919", "장운영일자가 주문일과 상이합니다")  # [S code]
    UNKNOWN_SYMBOL: Final = KisCode("APBK0656", "해당종목정보가 없습니다.")  # [S code]
    OFF_TICK: Final = KisCode("APBK0507", "주문단가가 호가단위에 맞지 않습니다.")  # [M]
    PRICE_LIMIT: Final = KisCode("APBK0506", "주문가격이 상하한가를 벗어났습니다.")  # [M]
    NO_CASH: Final = KisCode("APBK0952", "주문가능금액을 초과 했습니다")  # [M]
    NO_SHARES: Final = KisCode("APBK0400", "주문 가능한 수량을 초과했습니다.")  # [M]
    BAD_QTY: Final = KisCode("APBK0510", "주문수량이 올바르지 않습니다.")  # [M]
    PAPER_UNSUPPORTED: Final = KisCode(
        "40070000", "모의투자에서는 해당업무가 제공되지 않습니다."
    )  # [M]
    ORDER_NOT_FOUND: Final = KisCode("APBK0904", "원주문번호가 존재하지 않습니다.")  # [M]
    NOTHING_TO_CANCEL: Final = KisCode("APBK0415", "정정/취소할 수량이 없습니다.")  # [M]
    # ---- oauth (non-envelope bodies, see rest_auth) -------------------------------------------
    TOKEN_RATE: Final = KisCode(
        "EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)", status=403
    )  # [S code and text; M status]
    # ---- websocket control replies --------------------------------------------------------------
    WS_SUBSCRIBED: Final = KisCode("OPSP0000", "SUBSCRIBE SUCCESS", rt_cd="0")  # [S]
    WS_UNSUBSCRIBED: Final = KisCode("OPSP0001", "UNSUBSCRIBE SUCCESS", rt_cd="0")  # [S]
    WS_ALREADY: Final = KisCode("OPSP0002", "ALREADY IN SUBSCRIBE")  # [S code]
    WS_NOT_SUBSCRIBED: Final = KisCode("OPSP0003", "UNSUBSCRIBE ERROR(not found!)")  # [S code]
    WS_INTERNAL: Final = KisCode("OPSP0007", "SUBSCRIBE INTERNAL ERROR")  # [S code]
    WS_MAX: Final = KisCode("OPSP0008", "MAX SUBSCRIBE OVER")  # [M]
    WS_BAD_TR: Final = KisCode("OPSP0009", "SUBSCRIBE ERROR : invalid tr_id")  # [M]
    WS_BAD_APPROVAL: Final = KisCode("OPSP0011", "invalid approval : NOT FOUND")  # [M]
    WS_KEY_IN_USE: Final = KisCode("OPSP8996", "ALREADY IN USE appkey")  # [S code]
    WS_BAD_REQUEST: Final = KisCode("OPSP9999", "JSON PARSING ERROR : invalid request")  # [M]


class KisRequestError(InvalidInputError):
    """A request the simulator refuses; ``code`` says how it goes out on the wire."""

    def __init__(self, code: KisCode, detail: str | None = None) -> None:
        self.code = code if detail is None else code.with_text(detail)
        super().__init__(f"{self.code.msg_cd}: {self.code.msg1}")


def invalid_input(field: str) -> KisRequestError:
    """The broker's input-check error naming the field (``ERROR : INPUT INVALID_CHECK_X``)."""
    return KisRequestError(Codes.INPUT_FIELD, f"ERROR : INPUT INVALID_CHECK_{field.upper()}")
