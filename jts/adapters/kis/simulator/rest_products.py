"""Product master data: ``search-info`` (상품기본조회, ``CTPF1604R``).

python-kis looks every symbol up here before anything else (``kis.stock("005930")``), with
``PRDT_TYPE_CD`` 300 (domestic stock) on the real-domain host; a client of the simulator that
uses python-kis cannot quote or trade without it. Field names follow the KIS portal's output
table; the ISIN (``std_pdno``) is the symbol's KR7 code with its check digit. An unknown symbol
or another product type answers ``rt_cd`` 7 (no data), which python-kis treats as "try the next
product type" [M: the code python-kis expects; the real ``msg_cd`` is unverified].
"""

from __future__ import annotations

from jts.adapters.kis.simulator.codes import Codes, KisRequestError
from jts.adapters.kis.simulator.envelope import envelope
from jts.adapters.kis.simulator.gateway import ApiCall, ApiResult
from jts.adapters.kis.simulator.trids import Op
from jts.domain.tick_rules import InstrumentKind

__all__ = ["SEARCH_INFO_OPS", "isin", "search_info"]

SEARCH_INFO_OPS = frozenset({Op.SEARCH_INFO})
#: PRDT_TYPE_CD of domestic stocks, ETFs and ETNs (the simulator lists nothing else)
_DOMESTIC_STOCK = "300"


def isin(symbol: str) -> str:
    """``KR7<symbol>00<check>``: the ISO 6166 check digit over the letters-as-numbers string."""
    body = f"KR7{symbol}00"
    digits = "".join(str(int(char, 36)) for char in body)
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return f"{body}{(10 - total % 10) % 10}"


def search_info(call: ApiCall) -> ApiResult:
    symbol = call.required("PDNO")
    product_type = call.param("PRDT_TYPE_CD", _DOMESTIC_STOCK)
    market = call.ctx.market
    if product_type != _DOMESTIC_STOCK or not market.has(symbol):
        raise KisRequestError(Codes.NO_DATA)
    state = market.state(symbol)
    stock = state.instrument.kind is InstrumentKind.STOCK
    name = state.name
    output = {
        "pdno": isin(symbol),
        "prdt_type_cd": _DOMESTIC_STOCK,
        "prdt_name": name,
        "prdt_name120": name,
        "prdt_abrv_name": name,
        "prdt_eng_name": symbol,
        "prdt_eng_name120": symbol,
        "prdt_eng_abrv_name": symbol,
        "std_pdno": isin(symbol),
        "shtn_pdno": symbol,
        "prdt_sale_stat_cd": "",
        "prdt_risk_grad_cd": "",
        "prdt_clsf_cd": "101210" if stock else "101220",  # [M] classification codes
        "prdt_clsf_name": "주권" if stock else state.instrument.kind.value,
        "sale_strt_dt": "",
        "sale_end_dt": "",
        "wrap_asst_type_cd": "",
        "ivst_prdt_type_cd": "",
        "ivst_prdt_type_cd_name": "",
        "frst_erlm_dt": "",
    }
    return ApiResult(envelope(Codes.INQUIRY_OK, output=output))
