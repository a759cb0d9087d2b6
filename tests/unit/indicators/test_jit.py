from __future__ import annotations

import subprocess
import sys

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
    for kernel in (sma_kernel, wma_kernel):
        np.testing.assert_array_equal(kernel(x, 7), kernel.py_func(x, 7))


def test_uncached_compile_time_is_measurable() -> None:
    @lazy_njit
    def add(a: float, b: float) -> float:
        return a + b

    assert add.compile_uncached(1.0, 2.0) > 0.0


def test_a_kernel_can_be_called_from_other_numba_code() -> None:
    import numba

    sma = sma_kernel.dispatcher

    @numba.njit
    def spread(x: np.ndarray) -> np.ndarray:
        return sma(x, 2) - sma(x, 3)

    x = np.array([1.0, 2.0, 4.0, 8.0])
    np.testing.assert_array_equal(spread(x), sma_kernel(x, 2) - sma_kernel(x, 3))
