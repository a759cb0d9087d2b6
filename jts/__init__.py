"""JTS: an automated trading platform for Korean equities (KRX) and crypto."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jts")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
