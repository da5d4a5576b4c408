"""Numbers as a person reads them: three significant figures, thousands separators, M and bn,
percentages for shares and relative changes.

One place for the dashboard's cards and sentences and for the command line's tables
(``tipsim compare``, ``tipsim sensitivity``); files meant for other programs (CSV, JSON, Parquet)
keep full precision and never pass through here.

>>> fmt_number(703_612.4), fmt_number(-2.5e6), fmt_number(0.012345)
('704,000', '−2.5M', '0.0123')
>>> fmt_percent(-0.1234), fmt_percent(0.016, signed=False), fmt_points(0.031)
('−12%', '1.6%', '+3.1 pp')
"""

from __future__ import annotations

import math

MINUS = "\u2212"
"""The true minus sign, for HTML; terminal tables pass ``minus="-"`` so they stay ASCII."""


def fmt_number(x: float | None, signed: bool = False, minus: str = MINUS, figures: int = 3) -> str:
    """``figures`` significant figures (three by default) with thousands separators, M and bn
    for large numbers; ``minus`` in front of negative numbers; '+' in front of positive numbers
    when ``signed``. Missing or infinite numbers are 'n/a'."""
    if x is None or not math.isfinite(x):
        return "n/a"
    sign = minus if x < 0 else ("+" if signed and x > 0 else "")
    a = abs(x)
    if a >= 1e9:
        body = f"{a / 1e9:.{figures}g}bn"
    elif a >= 1e6:
        body = f"{a / 1e6:.{figures}g}M"
    elif a >= 100:
        rounded = float(f"{a:.{figures}g}")
        decimals = max(0, figures - len(str(int(rounded))))
        body = f"{rounded:,.{decimals}f}"
    elif a == 0:
        return "0"
    else:
        body = f"{a:.{figures}g}"
        if "e" in body:
            body = f"{a:.{figures - 1}e}"
    return sign + body


def fmt_percent(x: float | None, signed: bool = True, scale: float | None = None,
                minus: str = MINUS, unit: str = "%", decimals: int | None = None) -> str:
    """A share as a percentage: one decimal below 10%, none above (judged on ``scale``, when
    given, so an estimate and its interval are shown alike), or ``decimals`` when given.
    ``unit`` follows the number."""
    if x is None or not math.isfinite(x):
        return "n/a"
    p = 100 * x
    size = abs(p) if scale is None else 100 * abs(scale)
    if decimals is None:
        decimals = 1 if size < 10 else 0
    body = f"{abs(p):.{decimals}f}"
    while float(body) == 0 and p != 0 and decimals < 3:  # never lose the sign of a small value
        decimals += 1
        body = f"{abs(p):.{decimals}f}"
    if float(body) == 0:
        return f"0{unit}"
    sign = minus if p < 0 else ("+" if signed else "")
    return f"{sign}{body}{unit}"


def fmt_points(x: float | None, signed: bool = True, scale: float | None = None, minus: str = MINUS,
               decimals: int | None = None) -> str:
    """A difference between two shares, in percentage points ('+3.1 pp')."""
    return fmt_percent(x, signed, scale, minus, unit=" pp", decimals=decimals)


def fmt_chance(p: float | None) -> str:
    """A probability (a share of parameter draws or runs) as a whole percentage; '>99%' and
    '<1%' near the ends, so only a certainty reads 100% or 0%; 'n/a' when missing."""
    if p is None or not math.isfinite(p):
        return "n/a"
    if 0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    return f"{100 * p:.0f}%"
