"""Units: simulated times ("150ns", "2us", "2ms", "1s" or int cycles) and sizes ("32KiB").

Times convert to core cycles with the core clock: at 2 GHz, "150ns" is 300 cycles. Sizes use
powers of 1024 (B, KiB, MiB, GiB; KB/MB/GB and K/M/G are accepted as the same).
"""

import math
import numbers
import re
from fractions import Fraction

from . import _smpsim

__all__ = ["parse_time", "parse_ns", "parse_size", "format_size", "NS_PER_UNIT"]

#: Nanoseconds per time unit ("us" and "µs" are microseconds).
NS_PER_UNIT = {"s": Fraction(10**9), "ms": Fraction(10**6), "us": Fraction(10**3),
               "\u00b5s": Fraction(10**3), "ns": Fraction(1), "ps": Fraction(1, 1000)}
_CYCLE_UNITS = ("", "c", "cycle", "cycles")
_TIME_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*([a-zA-Z\u00b5]*)\s*$")


def parse_time(value, freq_ghz, field="time"):
    """Return ``value`` in core cycles (int, rounded to the nearest cycle).

    value     an int (already cycles) or a string: "150ns", "2us", "1.5ms", "1s", "5000cycles"
    freq_ghz  the core clock in GHz (cycles per nanosecond)
    field     name used in error messages (ValueError/TypeError start with "<field>: ")
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, str)):
        raise TypeError(f"{field}: expected int cycles or a time string like '2ms', "
                        f"got {type(value).__name__}")
    if isinstance(value, numbers.Integral):
        if value < 0:
            raise ValueError(f"{field}: must be >= 0 cycles, got {value}")
        return int(value)
    m = _TIME_RE.match(value)
    if not m:
        raise ValueError(f"{field}: expected a time like '150ns', '2us', '2ms', '1s' or a cycle "
                         f"count, got {value!r}")
    number = Fraction(m.group(1)) * Fraction(10) ** int(m.group(2) or 0)
    unit = m.group(3)
    if unit in _CYCLE_UNITS:
        if number.denominator != 1:
            raise ValueError(f"{field}: a cycle count must be a whole number, got {value!r}")
        return int(number)
    if unit not in NS_PER_UNIT:
        raise ValueError(f"{field}: unknown time unit {unit!r} in {value!r} "
                         f"(use s, ms, us, ns, ps or cycles)")
    if not (isinstance(freq_ghz, numbers.Real) and freq_ghz > 0):
        raise ValueError(f"{field}: converting {value!r} needs a positive freq_ghz, "
                         f"got {freq_ghz!r}")
    cycles = number * NS_PER_UNIT[unit] * Fraction(freq_ghz)
    return int(math.floor(cycles + Fraction(1, 2)))


def parse_ns(value, field="time"):
    """Return a time string such as "150ns", "2us" or "1.5ms" in nanoseconds (float); it needs
    no clock, so it suits values resolved later against the machine's frequency."""
    m = _TIME_RE.match(value) if isinstance(value, str) else None
    if not m or m.group(3) not in NS_PER_UNIT:
        raise ValueError(f"{field}: expected a time like '150ns', '2us', '2ms' or int cycles, "
                         f"got {value!r}")
    return float(Fraction(m.group(1)) * Fraction(10) ** int(m.group(2) or 0)
                 * NS_PER_UNIT[m.group(3)])


def parse_size(value, field="size"):
    """Return ``value`` in bytes: an int as is, or a string such as "32KiB", "8MiB", "4096"."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, str)):
        raise TypeError(f"{field}: expected int bytes or a size string like '32KiB', "
                        f"got {type(value).__name__}")
    if isinstance(value, str):
        return _smpsim.parse_size(value, field)
    return int(value)


def format_size(nbytes):
    """Format a byte count compactly: 32768 -> "32KiB", 1536 -> "1536B"."""
    for unit, mul in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= mul and nbytes % mul == 0:
            return f"{nbytes // mul}{unit}"
    return f"{nbytes}B"
