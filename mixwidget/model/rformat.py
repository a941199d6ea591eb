"""R's rules for printing numbers and tables, so that printouts match R's character for character.

Each function follows one R function (R 4.2): ``format()`` of a numeric vector (``formatReal`` in
R's C code: one number of decimals for the whole vector, the fewest that show every element to
``digits`` significant digits, or scientific notation when that is narrower), ``round()``,
``zapsmall()``, ``format.pval()``, ``abbreviate()``, ``printCoefmat()``, ``cat(fill = TRUE)``,
``strwrap()``, and ``print()`` of a named vector or a character matrix (columns wrapped at
``width``, 80 as in R's default).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

__all__ = [
    "DOUBLE_EPS", "abbreviate", "cat_fill", "coef_matrix", "deparse_lines", "format_num", "format_pval", "print_matrix",
    "print_named", "r_round", "strwrap", "zapsmall",
]

WIDTH = 80
DOUBLE_EPS = 2.220446049250313e-16  # .Machine$double.eps
SIGNIF_LEGEND = "0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1"


def _scientific(x: float, digits: int) -> tuple[int, int, int, bool]:
    """R's ``scientific()``: sign, decimal exponent and significant digits of x shown to `digits` digits."""
    if x == 0:
        return 0, 0, 1, False
    neg = int(x < 0)
    r = abs(x)
    kp = math.floor(math.log10(r)) - digits + 1
    scaled = Decimal(r).scaleb(-kp)  # exact: r / 10^kp
    if scaled < Decimal(10) ** (digits - 1):
        scaled *= 10
        kp -= 1
    alpha = int(scaled.to_integral_value(rounding=ROUND_HALF_EVEN))
    nsig = digits
    while nsig > 0 and alpha % 10 == 0:
        alpha //= 10
        nsig -= 1
    if nsig == 0:
        nsig = 1
        kp += 1
    kpower = kp + digits - 1
    # Scientific notation may round up (9996 to 3 digits is 1e+04) where fixed notation would not.
    fuzz = 0.5 / 10.0 ** min(max(digits - kpower, 0), 22)
    widens = 0 < kpower <= 22 and r < 10.0**kpower - fuzz
    return neg, kpower, nsig, widens


def _special(x: float) -> str:
    return "NA" if math.isnan(x) else "Inf" if x > 0 else "-Inf"  # a missing value is a NaN here


def format_spec(values: Sequence[float], digits: int = 7, nsmall: int = 0) -> tuple[int, int, int]:
    """R's ``formatReal``: common (width, decimals, exponent digits; 0 means fixed notation)."""
    finite = [float(v) for v in values if math.isfinite(v)]
    special = max((len(_special(v)) for v in values if not math.isfinite(v)), default=0)
    if not finite:
        return special, 0, 0
    neg, rgt, mxl, mnl, mxsl, mxns = 0, -(10**9), -(10**9), 10**9, -(10**9), -(10**9)
    for v in finite:
        neg_i, kpower, nsig, widens = _scientific(v, digits)
        left = kpower + 1 - int(widens)
        sleft = neg_i + (1 if left <= 0 else left)
        neg = max(neg, neg_i)
        rgt, mxl, mnl = max(rgt, nsig - left), max(mxl, left), min(mnl, left)
        mxsl, mxns = max(mxsl, sleft), max(mxns, nsig)
    if mxl < 0:
        mxsl = 1 + neg
    rgt = max(rgt, 0)
    width_f = mxsl + rgt + (rgt != 0)
    e = 2 if (mxl > 100 or mnl <= -99) else 1
    d = mxns - 1
    w = neg + (d > 0) + d + 4 + e
    if width_f <= w:  # fixed notation when it is no wider (R's scipen = 0)
        e = 0
        if nsmall > rgt:
            rgt = nsmall
            width_f = mxsl + rgt + (rgt != 0)
        d, w = rgt, width_f
    return max(w, special), d, e


def _encode(x: float, w: int, d: int, e: int) -> str:
    if not math.isfinite(x):
        return _special(x).rjust(w)
    x = x + 0.0  # R prints a negative zero as 0
    return f"{x:{w}.{d}e}" if e else f"{x:{w}.{d}f}"


def format_num(values: Sequence[float] | np.ndarray, digits: int = 7, nsmall: int = 0) -> list[str]:
    """R's ``format(x, digits = digits, nsmall = nsmall)`` of a numeric vector: common decimals and width."""
    vals = [float(v) for v in np.asarray(values, dtype=float).ravel()]
    w, d, e = format_spec(vals, digits, nsmall)
    return [_encode(v, w, d, e) for v in vals]


def r_round(x: float, digits: int) -> float:
    """R's ``round(x, digits)`` (R >= 4.0: the nearer of the two candidates; a tie goes to the even one)."""
    x = float(x)
    if not math.isfinite(x) or x == 0:
        return x
    if x < 0:
        return -r_round(-x, digits)
    if digits > 0 and math.log10(x) + digits > 15:
        return x
    if digits > 0:
        p10 = 10.0**digits
        x10 = p10 * x
        i10 = math.floor(x10)
        down, up = i10 / p10, math.ceil(x10) / p10
    else:
        p10 = 10.0 ** (-digits)
        x10 = x / p10
        i10 = math.floor(x10)
        down, up = i10 * p10, math.ceil(x10) * p10
    du, dd = up - x, x - down
    return up if (du < dd or (du == dd and i10 % 2 == 1)) else down


def zapsmall(values: Sequence[float], digits: int) -> list[float]:
    """R's ``zapsmall`` (R 4.2): round so that values tiny next to the largest become zero.

    R rounds to ``digits - log10(max|x|)`` decimals, and ``round()`` takes the nearest whole number of those.
    """
    mx = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    d = max(0.0, digits - math.log10(mx)) if mx > 0 else digits
    return [r_round(v, math.floor(d + 0.5)) for v in values]


def format_pval(pv: Sequence[float], digits: int, eps: float = DOUBLE_EPS) -> list[str]:
    """R's ``format.pval``: p-values formatted together; those below `eps` as ``<2e-16`` or ``< 2e-16``."""
    out = ["NA" if not math.isfinite(p) else "" for p in pv]
    idx = [i for i, p in enumerate(pv) if math.isfinite(p) and p >= eps]
    tiny = [i for i, p in enumerate(pv) if math.isfinite(p) and p < eps]
    if idx:
        expo = {i: math.floor(math.log10(pv[i])) if pv[i] > 0 else -50 for i in idx}
        fixp = [i for i in idx if expo[i] >= -3 or (expo[i] == -4 and digits > 1)]
        sci = [i for i in idx if i not in fixp]
        for group in (fixp, sci):
            for i, s in zip(group, format_num([pv[i] for i in group], digits) if group else []):
                out[i] = s
    if tiny:
        d = max(1, digits - 2)
        if idx:
            nc = max(len(out[i]) for i in idx)
            if d > 1 and d + 6 > nc:
                d = max(1, nc - 7)
            sep = "" if d == 1 and nc <= 6 else " "
        else:
            sep = "" if d == 1 else " "
        for i in tiny:
            out[i] = "<" + sep + format_num([eps], d)[0]
    return out


def _strip(s: str, minlength: int) -> str:
    """R's C ``stripchars``: drop lower-case vowels, then lower-case letters, then others, from the end."""
    chars = list(s)
    if len(chars) < minlength:
        return s
    nspace = 0
    trailing = True
    for i in range(len(chars) - 1, 0, -1):
        if chars[i].isspace():
            if trailing:
                chars = chars[:i]
            else:
                nspace += 1
        else:
            trailing = False
        if len(chars) - nspace <= minlength:
            return _drop_spaces(chars, minlength)

    def first(i: int) -> bool:
        return chars[i - 1].isspace()

    def last(i: int) -> bool:
        return not chars[i - 1].isspace() and (i + 1 >= len(chars) or chars[i + 1].isspace())

    rules = [
        lambda i: chars[i] in "aeiou" and last(i),
        lambda i: chars[i] in "aeiou" and not first(i),
        lambda i: chars[i].islower() and chars[i].isascii() and last(i),
        lambda i: chars[i].islower() and chars[i].isascii() and not first(i),
        lambda i: not first(i) and not chars[i].isspace(),
    ]
    for rule in rules:
        for i in range(len(chars) - 1, 0, -1):
            if i < len(chars) and rule(i):
                del chars[i]
            if len(chars) - nspace <= minlength:
                return _drop_spaces(chars, minlength)
    return _drop_spaces(chars, minlength)


def _drop_spaces(chars: list[str], minlength: int) -> str:
    if len(chars) > minlength:
        chars = [chars[0]] + [c for c in chars[1:] if not c.isspace()]
    return "".join(chars)


def abbreviate(names: Sequence[str], minlength: int = 4) -> list[str]:
    """R's ``abbreviate(names, minlength)``: unique abbreviations, lengthened until they differ."""
    names = [str(n).strip(" ") for n in names]
    unique = list(dict.fromkeys(names))
    result = list(unique)
    redo = [True] * len(unique)
    length = minlength
    while True:
        for i, flag in enumerate(redo):
            if flag:
                result[i] = _strip(unique[i], length) if len(unique[i]) > length else unique[i]
        seen: dict[str, int] = {}
        dup = [False] * len(result)
        for i, r in enumerate(result):
            if r in seen:
                dup[i] = True
            seen.setdefault(r, i)
        if not any(dup):
            break
        length += 1
        dups = {result[i] for i, d in enumerate(dup) if d}
        redo = [d or r in dups for d, r in zip(dup, result)]
    lookup = dict(zip(unique, result))
    return [lookup[n] for n in names]


_BREAK = re.compile(r" (?:~|\+|-|\*|/|\|\||\||%[^% ]*%|==|!=|<=|>=|<|>|&&|&) |, ")


def deparse_lines(text: str, cutoff: int = 60) -> list[str]:
    """R's ``deparse()`` line breaking of a formula printed as R prints it (``y ~ x + (1 | g)``).

    R breaks after a binary operator (or an argument's comma) once the line is longer than `cutoff`,
    and indents the next line by 4 spaces.
    """
    lines, start, prefix = [], 0, ""
    for m in _BREAK.finditer(text):
        if len(prefix) + m.end() - start > cutoff:
            lines.append(prefix + text[start:m.end()])
            start, prefix = m.end(), "    "
    return [*lines, prefix + text[start:]]


def cat_fill(items: Sequence[str], sep: str = " ", width: int = WIDTH) -> list[str]:
    """R's ``cat(..., sep = sep, fill = TRUE)``: items on lines of at most `width`, broken between items."""
    text, used = "", 0
    for i, item in enumerate(items):
        if i > 0:
            text += sep
            if used + len(item) + len(sep) > width:
                text += "\n"
                used = 0
        text += item
        used += len(item) + len(sep)
    return text.split("\n")


def strwrap(text: str, width: int, exdent: int = 0) -> list[str]:
    """R's ``strwrap``: words greedily on lines shorter than `width`; later lines indented by `exdent`."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        indent = 0 if not lines else exdent
        if current and indent + len(current) + 1 + len(word) >= width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [line if i == 0 else " " * exdent + line for i, line in enumerate(lines)]


def print_named(values: Sequence[str], names: Sequence[str], width: int = WIDTH) -> list[str]:
    """R's ``print()`` of a named vector whose elements are already formatted: right-justified columns."""
    w = max(max(map(len, values)), max(map(len, names)))
    per_line = max(1, width // (w + 1))
    lines = []
    for start in range(0, len(values), per_line):
        lines.append("".join(n.rjust(w) + " " for n in names[start:start + per_line]))
        lines.append("".join(v.rjust(w) + " " for v in values[start:start + per_line]))
    return lines


def print_matrix(cells: Sequence[Sequence[str]], rownames: Sequence[str], colnames: Sequence[str],
                 right: bool = False, width: int = WIDTH) -> list[str]:
    """R's ``print(m, quote = FALSE, right = right)`` of a character matrix, columns wrapped at `width`."""
    ncol = len(colnames)
    widths = [max([len(colnames[j])] + [len(row[j]) for row in cells]) for j in range(ncol)]
    rw = max((len(r) for r in rownames), default=0)

    def just(s: str, w: int) -> str:
        return s.rjust(w) if right else s.ljust(w)

    lines: list[str] = []
    start = 0
    while start < ncol:
        end, used = start, rw
        while True:
            used += widths[end] + 1
            end += 1
            if end >= ncol or used + widths[end] + 1 >= width:  # R keeps lines shorter than width
                break
        cols = range(start, end)
        lines.append(" " * rw + "".join(" " + just(colnames[j], widths[j]) for j in cols))
        for name, row in zip(rownames, cells):
            lines.append(name.ljust(rw) + "".join(" " + just(row[j], widths[j]) for j in cols))
        start = end
    return lines


def _stars(p: float) -> str:
    if not math.isfinite(p):
        return ""
    return "***" if p <= 0.001 else "**" if p <= 0.01 else "*" if p <= 0.05 else "." if p <= 0.1 else " "


def coef_matrix(table: np.ndarray, rownames: Sequence[str], colnames: Sequence[str], digits: int = 4) -> list[str]:
    """R's ``printCoefmat(x, digits)`` for columns (estimate, std. error, [others...], t, p).

    The columns before the t value are rounded and formatted together (so they share their decimals),
    the t value to ``dig.tst`` decimals, the p-values with ``format.pval``; then significance stars
    and their legend.
    """
    x = np.asarray(table, dtype=float)
    n, nc = x.shape
    k = nc - 2
    dig_tst = max(1, min(5, digits - 1))
    cells = [["" for _ in range(nc)] for _ in range(n)]
    coef = x[:, :k]
    acs = np.abs(coef[np.isfinite(coef)])
    if acs.size:
        nonzero = acs[acs != 0]
        digmin = 1 + (np.floor(np.log10([nonzero.min(), nonzero.max()])) if nonzero.size else np.zeros(2))
        places = int(max(1, digits - digmin.min()))
        flat = [r_round(v, places) for v in coef.ravel(order="F")]
        for idx, s in enumerate(format_num(flat, digits)):
            cells[idx % n][idx // n] = s
    for i, s in enumerate(format_num([r_round(v, dig_tst) for v in x[:, k]], digits)):
        cells[i][k] = s
    # A value shown as zero that is not zero (or the reverse) gets one digit less, as R does.
    wrong = [(i, j) for j in range(k) for i in range(n)
             if math.isfinite(x[i, j]) and (x[i, j] == 0) != (float(cells[i][j]) == 0)]
    for (i, j), s in zip(wrong, format_num([x[i, j] for i, j in wrong], max(1, digits - 1)) if wrong else []):
        cells[i][j] = s
    for i in range(n):
        for j in range(nc - 1):
            if math.isnan(x[i, j]):
                cells[i][j] = "NA"
    p = x[:, nc - 1]
    for i, s in enumerate(format_pval(list(p), dig_tst)):
        cells[i][nc - 1] = s
    stars = any(math.isfinite(v) and v < 0.1 for v in p)
    cols = list(colnames)
    if stars:
        marks = [_stars(v) for v in p]
        w = max(map(len, marks))
        for row, m in zip(cells, marks):
            row.append(m.ljust(w))
        cols.append("")
    lines = print_matrix(cells, rownames, cols, right=True)
    if stars:
        lines += ["---", "Signif. codes:  " + SIGNIF_LEGEND]
    return lines
