"""Account inquiries of one KIS account, and the reconciliation reports built from them.

- `order_status_reports`: today's orders from ``inquire-daily-ccld`` (KRX orders live a day);
  cancel-request rows are not orders and are left out.
- `fill_reports`: KIS lists fills aggregated per order, so each report is one order's fills:
  total quantity, exact average price, and the trade id of its last fill (the id the execution
  client gave that fill, see `parse.fill_trade_id`). Ranges older than ``recent_fills_days`` use
  the older-orders tr_id [S: brokers.md §1.6].
- `position_reports` and `account_state`: ``inquire-balance`` (``output1`` holdings,
  ``output2`` cash), every page.
- `cancellable_orders` (``inquire-psbl-rvsecncl``, real only [S]; today's open daily orders on
  paper) and `buying_power` (``inquire-psbl-order``).

Nothing here changes anything at KIS or in the tracker: reports only describe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Final

from jts.adapters.kis.config import KisAccount, KisClientConfig
from jts.adapters.kis.endpoints import ENDPOINTS, Operation
from jts.adapters.kis.errors import KisProtocolError
from jts.adapters.kis.http import KisRestClient
from jts.adapters.kis.parse import (
    BuyingPower,
    CancellableOrder,
    account_state,
    buying_power,
    cancellable_from_daily,
    cancellable_order,
    fill_report,
    order_status_report,
    position_report,
)
from jts.adapters.kis.parse_stream import StreamParser, normalize_odno
from jts.adapters.kis.schemas import (
    BalanceReply,
    DailyCcldReply,
    DailyCcldRow,
    PsblOrderReply,
    PsblRvsecnclReply,
)
from jts.adapters.kis.tracker import OrderTracker, kst_date, kst_today
from jts.core.time import NANOS_PER_DAY
from jts.domain.events_account import AccountState
from jts.domain.identifiers import ClientOrderId, InstrumentId
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import KRW, Money, Price

__all__ = ["KisAccountInquiries"]

_ZERO_KRW: Final = Money.zero(KRW)


class KisAccountInquiries:
    def __init__(
        self,
        config: KisClientConfig,
        account: KisAccount,
        rest: KisRestClient,
        parser: StreamParser,
        tracker: OrderTracker,
        *,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._config = config
        self._account = account
        self._account_id = account.account_id
        self._rest = rest
        self._parser = parser
        self._tracker = tracker
        self._now = clock_ns

    def _account_params(self) -> dict[str, str]:
        return {"CANO": self._account.cano, "ACNT_PRDT_CD": self._account.product}

    def _instrument(self, symbol: str) -> InstrumentId:
        return self._parser.instrument_id(symbol.strip())

    async def daily_rows(
        self,
        start: str,
        end: str,
        *,
        symbol: str = "",
        side: str = "00",
        open_only: bool = False,
        operation: Operation = Operation.DAILY_CCLD,
    ) -> list[DailyCcldRow]:
        """Every row of ``inquire-daily-ccld`` between two KST dates (YYYYMMDD), oldest first."""
        params = {
            **self._account_params(),
            "INQR_STRT_DT": start,
            "INQR_END_DT": end,
            "SLL_BUY_DVSN_CD": side,
            "INQR_DVSN": "01",
            "PDNO": symbol,
            "CCLD_DVSN": "02" if open_only else "00",
            "ORD_GNO_BRNO": "",
            "ODNO": "",
            "INQR_DVSN_3": "00",
            "INQR_DVSN_1": "",
            "EXCG_ID_DVSN_CD": self._config.exchange,
        }
        rows: list[DailyCcldRow] = []
        async for page in self._rest.pages(ENDPOINTS[operation], DailyCcldReply, params):
            rows.extend(page.body.output1)
        return rows

    async def order_status_reports(
        self, *, open_only: bool = True, instrument_id: InstrumentId | None = None
    ) -> Sequence[OrderStatusReport]:
        today = kst_today(self._now())
        symbol = str(instrument_id.symbol) if instrument_id is not None else ""
        rows = await self.daily_rows(today, today, symbol=symbol, open_only=open_only)
        ts = self._now()
        reports = []
        for index, row in enumerate(rows):
            report = order_status_report(
                row,
                instrument_id=self._instrument(row.pdno),
                account_id=self._account_id,
                report_id=f"{self._account_id}-orders-{ts}-{index}",
                ts=ts,
                client_order_id=self._tracker.client_id_of(row.odno),
                stop_limit_code=self._config.stop_limit_ord_dvsn,
            )
            if report is not None and (not open_only or report.order_status.is_open):
                reports.append(report)
        return reports

    async def fill_reports(
        self, *, since_ns: int | None = None, client_order_id: ClientOrderId | None = None
    ) -> Sequence[FillReport]:
        now = self._now()
        today = kst_date(now)
        start = kst_date(since_ns) if since_ns is not None else today
        rows: list[DailyCcldRow] = []
        boundary = kst_date(now - self._config.recent_fills_days * NANOS_PER_DAY)
        if start < boundary:
            rows += await self.daily_rows(
                start.strftime("%Y%m%d"),
                boundary.strftime("%Y%m%d"),
                operation=Operation.DAILY_CCLD_OLD,
            )
            start = boundary
        rows += await self.daily_rows(start.strftime("%Y%m%d"), today.strftime("%Y%m%d"))
        ts = self._now()
        reports: list[FillReport] = []
        seen: set[str] = set()
        for index, row in enumerate(rows):
            key = f"{row.ord_dt}-{normalize_odno(row.odno)}"
            if key in seen:  # the boundary day is in both ranges
                continue
            seen.add(key)
            owner = self._tracker.client_id_of(row.odno)
            if client_order_id is not None and owner != client_order_id:
                continue
            report = self._fill_report(row, owner, f"{self._account_id}-fills-{ts}-{index}", ts)
            if report is not None and (since_ns is None or report.ts_event >= since_ns):
                reports.append(report)
        return reports

    def _fill_report(
        self, row: DailyCcldRow, owner: ClientOrderId | None, report_id: str, ts: int
    ) -> FillReport | None:
        instrument_id = self._instrument(row.pdno)

        def build(commission: Money, tax: Money) -> FillReport | None:
            return fill_report(
                row,
                instrument_id=instrument_id,
                account_id=self._account_id,
                report_id=report_id,
                ts=ts,
                commission=commission,
                tax=tax,
                client_order_id=owner,
            )

        probe = build(_ZERO_KRW, _ZERO_KRW)
        if probe is None:
            return None
        commission, tax = self._tracker.costs(
            probe.order_side, probe.last_px, probe.last_qty, instrument_id, kst_date(probe.ts_event)
        )
        return build(commission, tax)

    async def _balance_pages(self) -> list[BalanceReply]:
        params = {
            **self._account_params(),
            "AFHR_FLPR_YN": "N",
            "OFL_YN": "",
            "INQR_DVSN": "01",
            "UNPR_DVSN": "01",
            "FUND_STTL_ICLD_YN": "N",
            "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00",
        }
        return [
            page.body
            async for page in self._rest.pages(ENDPOINTS[Operation.BALANCE], BalanceReply, params)
        ]

    async def position_reports(self) -> Sequence[PositionReport]:
        pages = await self._balance_pages()
        ts = self._now()
        reports: list[PositionReport] = []
        for page in pages:
            for row in page.output1:
                reports.append(
                    position_report(
                        row,
                        instrument_id=self._instrument(row.pdno),
                        account_id=self._account_id,
                        report_id=f"{self._account_id}-positions-{ts}-{len(reports)}",
                        ts=ts,
                    )
                )
        return reports

    async def account_state(self) -> AccountState | None:
        for page in await self._balance_pages():
            if page.output2:
                return account_state(page.output2[0], account_id=self._account_id, ts=self._now())
        return None

    async def cancellable_orders(self) -> list[CancellableOrder]:
        """Orders with an open remainder: ``inquire-psbl-rvsecncl`` on real accounts (or on
        paper when configured), else today's open daily orders, which says the same."""
        if self._config.is_paper and not self._config.psbl_rvsecncl_on_paper:
            today = kst_today(self._now())
            rows = await self.daily_rows(today, today, open_only=True)
            found = (
                cancellable_from_daily(r, instrument_id=self._instrument(r.pdno)) for r in rows
            )
            return [c for c in found if c is not None]
        params = {**self._account_params(), "INQR_DVSN_1": "0", "INQR_DVSN_2": "0"}
        out: list[CancellableOrder] = []
        endpoint = ENDPOINTS[Operation.PSBL_RVSECNCL]
        async for page in self._rest.pages(endpoint, PsblRvsecnclReply, params):
            out += [
                cancellable_order(r, instrument_id=self._instrument(r.pdno))
                for r in page.body.output
            ]
        return out

    async def buying_power(
        self, instrument_id: InstrumentId | None = None, price: Price | None = None
    ) -> BuyingPower:
        """``inquire-psbl-order``: cash for orders and the largest buy of ``instrument_id`` at
        ``price`` (at the market, which KIS prices at the upper limit, when None)."""
        params = {
            **self._account_params(),
            "PDNO": str(instrument_id.symbol) if instrument_id is not None else "",
            "ORD_UNPR": str(price) if price is not None else "0",
            "ORD_DVSN": "00" if price is not None else "01",
            "CMA_EVLU_AMT_ICLD_YN": "N",
            "OVRS_ICLD_YN": "N",
        }
        reply = await self._rest.request(
            ENDPOINTS[Operation.PSBL_ORDER], PsblOrderReply, params=params
        )
        if reply.body.output is None:
            raise KisProtocolError("KIS inquire-psbl-order returned no output")
        return buying_power(reply.body.output, instrument_id=instrument_id)
