from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np

from jts.indicators.jit import lazy_njit
from jts.indicators.moving_averages import sma_kernel, wma_kernel


def test_importing_the_library_does_not_import_numba() -> None:
    code = "import sys, jts.indicators; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_kernel_compiles_on_first_call_and_agrees_with_its_python_source() -> None:
    @lazy_njit
    def double(x: np.ndarray) -> np.ndarray:
        return x * 2.0

    assert not double.is_compiled
    np.testing.assert_array_equal(double(np.arange(3.0)), [0.0, 2.0, 4.0])
    assert double.is_compiled
    x = np.random.default_rng(0).normal(size=200) + 50
    np.testing.assert_array_equal(wma_kernel(x, 7), wma_kernel.py_func(x, 7))
    # garbage in the output arrays: the kernel must write every element, NaN head included
    compiled, python = np.full(200, 7.0), np.full(200, 7.0)
    sma_kernel(x, 7, compiled)
    sma_kernel.py_func(x, 7, python)
    np.testing.assert_array_equal(compiled, python)
    assert np.isnan(compiled[:6]).all()
    assert not np.isnan(compiled[6:]).any()


def test_the_sma_kernel_allocates_nothing_in_compiled_code() -> None:
    # an allocation would make numba compile its allocator on a machine's first run (issue 4)
    import numba

    fresh: Any = numba.njit(sma_kernel.py_func)  # uncached, so its LLVM IR is at hand
    x = np.arange(20.0)
    fresh(x, 3, np.empty(20))
    ir = "\n".join(fresh.inspect_llvm().values())
    assert "NRT_MemInfo_alloc" not in ir
    short = np.full(2, 7.0)
    sma_kernel(x[:2], 5, short)  # shorter than the window: all unknown, nothing written past it
    assert np.isnan(short).all()


def test_uncached_compile_time_is_measurable() -> None:
    @lazy_njit
    def add(a: float, b: float) -> float:
        return a + b

    assert add.compile_uncached(1.0, 2.0) > 0.0


def test_a_kernel_can_be_called_from_other_numba_code() -> None:
    import numba

    sma = sma_kernel.dispatcher

    @numba.njit
    def spread(x: np.ndarray, fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
        sma(x, 2, fast)
        sma(x, 3, slow)
        return fast - slow

    x = np.array([1.0, 2.0, 4.0, 8.0])
    fast, slow = np.empty(4), np.empty(4)
    sma_kernel(x, 2, fast)
    sma_kernel(x, 3, slow)
    np.testing.assert_array_equal(spread(x, np.empty(4), np.empty(4)), fast - slow)
