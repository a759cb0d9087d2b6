"""tr_cont / ctx_area paging: F/M/E/D, stable continuation keys, 100-character padding."""

from __future__ import annotations

from jts.adapters.kis.simulator.paging import paginate


def page(rows, tr_cont="", nk="", size=3):
    return paginate(rows, key=str, size=size, request_tr_cont=tr_cont, request_nk=nk, fk="F^")


def test_walks_all_pages_with_first_middle_and_last_markers():
    rows = list(range(10, 18))
    seen, markers = [], []
    result = page(rows)
    while True:
        seen += result.rows
        markers.append(result.tr_cont)
        if result.tr_cont in ("D", "E"):
            break
        result = page(rows, "N", result.nk)
    assert seen == rows
    assert markers == ["F", "M", "E"]


def test_single_page_is_d_and_empty_is_d():
    assert page([1, 2]).tr_cont == "D"
    empty = page([])
    assert (empty.rows, empty.tr_cont) == ([], "D")


def test_keys_are_padded_to_100_characters_and_accepted_stripped():
    first = page(list(range(10)))
    assert len(first.fk) == 100
    assert len(first.nk) == 100
    assert first.nk.strip() == "3"
    assert page(list(range(10)), "N", first.nk.strip()).rows == [3, 4, 5]


def test_rows_added_between_pages_do_not_repeat_or_skip():
    rows = [50, 40, 30, 20, 10]  # newest first
    first = page(rows, size=2)
    grown = [60, *rows]  # a new order arrives before the client asks for page two
    second = page(grown, "N", first.nk, size=2)
    assert first.rows + second.rows == [50, 40, 30, 20]


def test_continuation_needs_tr_cont_n_and_a_stale_key_restarts():
    rows = list(range(6))
    first = page(rows)
    assert page(rows, "", first.nk).rows == [0, 1, 2]  # no tr_cont N: first page again
    assert page(rows, "N", "999").rows == [0, 1, 2]
    assert page(rows, "n".upper(), first.nk).rows == [3, 4, 5]
