"""R expressions as lme4 formulas hold them: tokens, a tree, and R's printing of it.

A whole formula (``log(y) ~ poly(x, 2) + (1 | g)``) is read here as one R expression, with R's
operator precedence; :mod:`mixwidget.formula` then gives ``~ + - * / : ^ | %in%`` their formula
meaning, and :mod:`mixwidget.transforms` evaluates what is left (``log(x + 1)``, ``I(x > 80)``).

Reading is linear in the text's length and bounded: :data:`MAX_LENGTH` characters and
:data:`MAX_DEPTH` levels of nesting. Chains of the same operator (``a + b + c``, ``x^2^3``)
are kept flat, so a long formula does not make a deep tree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..errors import FormulaError
from .language import MAX_DEPTH, MAX_LENGTH, RESERVED

__all__ = ["Expr", "Num", "Name", "Str", "Call", "Op", "Unary", "Paren", "parse_expression", "tokenize",
           "quote_name", "MAX_LENGTH", "MAX_DEPTH"]

_TOKEN = re.compile(
    r"""(?:
      (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?L?)
    | (?P<name>`[^`]*`|(?:[^\W\d]|\.(?!\d))[\w.]*)
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<op>%[^%\s]*%|::|\|\||&&|\*\*|==|!=|<=|>=|[~+\-*/:|()^,=<>!&])
    )""",
    re.VERBOSE,
)
_SPACE = re.compile(r"\s+")

_SYNTACTIC = re.compile(r"(?:[^\W\d_]|\.(?![\d]))[\w.]*|\.")


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "quoted", "op", "end"
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split formula text into tokens (linear in its length)."""
    tokens: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        space = _SPACE.match(text, pos)
        if space:
            pos = space.end()
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            ch = text[pos]
            hint = ""
            if ch == "`":
                hint = "; a name in backticks needs a closing backtick"
            elif ch in "\"'":
                hint = "; text in quotes needs a closing quote"
            raise FormulaError(f"unexpected character {ch!r} at character {pos + 1}{hint}", text, pos)
        kind = m.lastgroup or "op"
        value = m.group(kind)
        if kind == "name" and value.startswith("`"):
            if len(value) == 2:
                raise FormulaError(f"empty name `` at character {pos + 1}", text, pos)
            kind, value = "quoted", value[1:-1]
        elif kind == "str":
            value = _unescape(value[1:-1])
        elif kind == "op" and value.startswith("%") and value not in ("%in%", "%%"):
            raise FormulaError(f"unknown operator {value} at character {pos + 1}; use %in% or %%", text, pos)
        tokens.append(Token(kind, value, pos))
        pos = m.end()
    tokens.append(Token("end", "", n))
    return tokens


def _unescape(body: str) -> str:
    """The text of a quoted string (``\\"`` is ``"``, ``\\\\`` is ``\\``)."""
    return re.sub(r"\\(.)", r"\1", body)


def quote_string(value: str) -> str:
    """Text as R's deparse prints it: in double quotes, with ``"`` and ``\\`` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_name(name: str) -> str:
    """A column name as R prints it: backticks unless it is a syntactic name (``größe`` is)."""
    if _SYNTACTIC.fullmatch(name) and name not in RESERVED and name not in ("TRUE", "FALSE"):
        return name
    return "`" + name + "`"


# -- the tree ------------------------------------------------------------------------------

class Expr:
    """A node of an R expression. ``pos`` is its 0-based offset in the formula text."""

    pos: int

    def text(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True, eq=False)
class Num(Expr):
    value: float
    source: str
    pos: int = 0

    def text(self) -> str:
        return r_number(self.value, self.source)


@dataclass(frozen=True, eq=False)
class Name(Expr):
    name: str
    pos: int = 0
    quoted: bool = False  # written in backticks

    @property
    def literal(self) -> bool:
        """TRUE or FALSE written as such (R's logical constants, never columns)."""
        return not self.quoted and self.name in ("TRUE", "FALSE")

    def text(self) -> str:
        return self.name if self.literal else quote_name(self.name)


@dataclass(frozen=True, eq=False)
class Str(Expr):
    """Text in quotes, as a function's argument (``relevel(Variety, "Victory")``)."""

    value: str
    pos: int = 0

    def text(self) -> str:
        return quote_string(self.value)


@dataclass(frozen=True, eq=False)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...] = ()
    pos: int = 0

    def text(self) -> str:
        parts = [a.text() for a in self.args] + [f"{k} = {v.text()}" for k, v in self.keywords]
        return f"{self.func}({', '.join(parts)})"


@dataclass(frozen=True, eq=False)
class Op(Expr):
    """A chain of one precedence level: ``operands[0] ops[0] operands[1] ...``."""

    ops: tuple[str, ...]
    operands: tuple[Expr, ...]
    pos: int = 0

    def text(self) -> str:
        out = [self.operands[0].text()]
        for op, operand in zip(self.ops, self.operands[1:]):
            out.append(op if op in _TIGHT else f" {op} ")
            out.append(operand.text())
        return "".join(out)


@dataclass(frozen=True, eq=False)
class Unary(Expr):
    op: str
    operand: Expr
    pos: int = 0

    def text(self) -> str:
        return self.op + self.operand.text()


@dataclass(frozen=True, eq=False)
class Paren(Expr):
    inner: Expr
    pos: int = 0

    def text(self) -> str:
        return f"({self.inner.text()})"


_TIGHT = {"^", "/", ":", "%%"}  # R's deparse prints these without spaces

# Binary precedence, lowest first, as in R's ?Syntax. "^" is right-associative.
_LEVELS: list[tuple[str, ...]] = [
    ("~",),
    ("|", "||"),
    ("&", "&&"),
    ("==", "!=", "<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/"),
    ("%in%", "%%"),
    (":",),
]
_UNARY_NOT = len(_LEVELS) - 5  # "!" binds looser than comparisons, tighter than "&"


def r_number(value: float, source: str = "") -> str:
    """A number as R's deparse prints it (15 significant digits, fixed or scientific by width)."""
    if source.endswith("L"):
        return source
    if math.isinf(value):
        return "Inf"
    text = f"{value:.15g}"
    if "e" in text or "E" in text:
        mant, exp = text.split("e")
        e = int(exp)
        sci = f"{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    else:
        mant_digits = text.replace("-", "").replace(".", "").lstrip("0")
        digits = mant_digits.rstrip("0") or "0"
        e = math.floor(math.log10(abs(value))) if value else 0
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        sci = f"{'-' if value < 0 else ''}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    fixed = f"{value:.15f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else None
    if fixed is not None and float(fixed) == float(text) and len(fixed) <= len(sci):
        return fixed
    return sci


# -- the parser ------------------------------------------------------------------------------

class Parser:
    """R's expression grammar over a token list, with depth and length limits."""

    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise FormulaError(
                f"the formula is {len(text):,} characters long; the limit is {MAX_LENGTH:,} characters"
            )
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, pos: int | None = None) -> FormulaError:
        return FormulaError(message, self.text, self.tok.pos if pos is None else pos)

    def found(self) -> str:
        t = self.tok
        return "the end of the formula" if t.kind == "end" else repr(t.text)

    def at(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the formula nests more than {MAX_DEPTH} levels deep (parentheses, calls or signs)", pos)

    def parse(self) -> Expr:
        expr = self.binary(0)
        if self.tok.kind != "end":
            if self.at(")"):
                raise self.error(f"unbalanced parenthesis: ')' at character {self.tok.pos + 1} has no matching '('")
            raise self.error(f"unexpected {self.tok.text!r} at character {self.tok.pos + 1}")
        return expr

    def binary(self, level: int) -> Expr:
        if level == len(_LEVELS):
            return self.unary_minus()
        if level == _UNARY_NOT and self.at("!"):
            t = self.tok
            self.i += 1
            self.enter(t.pos)
            operand = self.binary(level)
            self.depth -= 1
            return Unary("!", operand, t.pos)
        first = self.binary(level + 1)
        ops: list[str] = []
        operands = [first]
        while self.at(*_LEVELS[level]):
            op = self.tok.text
            self.i += 1
            if self.tok.kind == "end" or self.at(")", ","):
                raise self.error(f"expected a term after '{op}' at character {self.tok.pos + 1}")
            ops.append(op)
            operands.append(self.binary(level + 1))
        if not ops:
            return first
        return Op(tuple(ops), tuple(operands), first.pos)

    def unary_minus(self) -> Expr:
        if self.at("-", "+"):
            t = self.tok
            self.i += 1
            self.enter(t.pos)
            operand = self.unary_minus()
            self.depth -= 1
            return Unary(t.text, operand, t.pos)
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if not self.at("^", "**"):
            return base
        operands = [base]
        while self.at("^", "**"):
            self.i += 1
            if self.at("-", "+"):  # x^-1
                t = self.tok
                self.i += 1
                operands.append(Unary(t.text, self.atom(), t.pos))
            else:
                operands.append(self.atom())
        return Op(tuple("^" for _ in operands[1:]), tuple(operands), base.pos)

    def atom(self) -> Expr:
        t = self.tok
        if t.kind == "num":
            self.i += 1
            return Num(float(t.text.rstrip("L")), t.text, t.pos)
        if t.kind == "str":
            self.i += 1
            return Str(t.text, t.pos)
        if t.kind == "name" and self.at_package():
            t = self.package_function(t)
        if t.kind in ("name", "quoted"):
            self.i += 1
            if t.kind == "name" and t.text in RESERVED:
                raise self.error(
                    f"'{t.text}' is a reserved word in R; write `{t.text}` (in backticks) for a column of that name",
                    t.pos,
                )
            if self.at("("):
                if t.kind == "quoted":
                    raise self.error(f"`{t.text}` is a column name, not a function (character {t.pos + 1})", t.pos)
                return self.call(t)
            return Name(t.text, t.pos, t.kind == "quoted")
        if self.at("("):
            self.i += 1
            self.enter(t.pos)
            if self.at(")"):
                raise self.error(f"empty parentheses at character {t.pos + 1}", t.pos)
            inner = self.binary(0)
            self.close(t)
            self.depth -= 1
            return Paren(inner, t.pos)
        if t.kind == "end":
            raise self.error(f"expected a term before the end of the formula at character {t.pos + 1}")
        raise self.error(f"expected a term, found {t.text!r} at character {t.pos + 1}")

    def at_package(self) -> bool:
        nxt = self.tokens[self.i + 1]
        return nxt.kind == "op" and nxt.text == "::"

    def package_function(self, package: Token) -> Token:
        """``pkg::fun`` as one function name (R's ``splines::ns``); the call follows."""
        name = self.tokens[self.i + 2]
        after = self.tokens[self.i + 3] if name.kind != "end" else name
        if name.kind != "name" or not (after.kind == "op" and after.text == "("):
            raise self.error(f"{package.text}:: must be followed by a function call, e.g. splines::ns(x, df = 3) "
                             f"(character {package.pos + 1})", package.pos)
        self.i += 2
        return Token("name", f"{package.text}::{name.text}", package.pos)

    def close(self, open_tok: Token) -> None:
        if self.at(")"):
            self.i += 1
            return
        if self.tok.kind == "end":
            raise self.error(f"unbalanced parenthesis: '(' at character {open_tok.pos + 1} is never closed", open_tok.pos)
        raise self.error(f"expected ')' to close '(' at character {open_tok.pos + 1}, found {self.found()} "
                         f"at character {self.tok.pos + 1}")

    def call(self, name: Token) -> Call:
        open_tok = self.tok
        self.i += 1
        self.enter(name.pos)
        args: list[Expr] = []
        keywords: list[tuple[str, Expr]] = []
        while not self.at(")"):
            if self.tok.kind == "end":
                raise self.error(f"unbalanced parenthesis: '(' at character {open_tok.pos + 1} is never closed",
                                 open_tok.pos)
            if self.tok.kind == "name" and self.tokens[self.i + 1].kind == "op" and self.tokens[self.i + 1].text == "=":
                key = self.tok.text
                self.i += 2
                keywords.append((key, self.binary(1)))
            else:
                if keywords:
                    raise self.error(f"in {name.text}(): a named argument must come after the others")
                args.append(self.binary(1))
            if not self.at(","):
                break
            self.i += 1
        self.close(open_tok)
        self.depth -= 1
        return Call(name.text, tuple(args), tuple(keywords), name.pos)


def parse_expression(text: str) -> Expr:
    """Parse R expression text (a formula or part of one) into a tree."""
    return Parser(text).parse()


def walk(expr: Expr):
    """Every node of the tree, iteratively (no recursion limit)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Call):
            stack.extend(node.args)
            stack.extend(v for _, v in node.keywords)
        elif isinstance(node, Op):
            stack.extend(node.operands)
        elif isinstance(node, (Unary,)):
            stack.append(node.operand)
        elif isinstance(node, Paren):
            stack.append(node.inner)
