"""The network generator: reference data, the geometric plan, the emitters and the generator
that walks the plan. It uses the FTTH domain and the core; nothing in either imports it."""
from .generator import build_world
from .reference import SIZES

__all__ = ["build_world", "SIZES"]
