"""Reading lme4 model formulas.

``parse_formula`` turns text such as ``sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time``
into a :class:`ModelFormula`: a response expression, the fixed-effect terms in R's order, and
the random-effect terms expanded as lme4 expands them (``(1 | a/b)`` becomes ``(1 | b:a)`` and
``(1 | a)``; ``(x || g)`` becomes ``(1 | g)`` and ``(0 + x | g)``).

A *variable* is either a column name (``school``) or an expression of columns
(``sqrt(weight)``, ``log(x + 1)``, ``I(Time^2)``); expressions are evaluated later by
:mod:`mixwidget.design`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from .errors import FormulaError

__all__ = ["ModelFormula", "RandomTerm", "parse_formula", "expression_columns", "FUNCTIONS"]

# Functions allowed inside a variable expression (evaluated by mixwidget.design).
FUNCTIONS = ("log", "log2", "log10", "log1p", "exp", "sqrt", "abs", "sin", "cos", "tan", "I", "scale", "center")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
    | (?P<name>`[^`]+`|[A-Za-z_.][A-Za-z0-9_.]*)
    | (?P<op>\|\||\*\*|[~+\-*/:|()^,])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    pos: int


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FormulaError(f"unexpected character {text[pos]!r} at character {pos + 1}", text, pos)
        kind = m.lastgroup or "op"
        start = m.start(kind)
        value = m.group(kind)
        if kind == "name" and value.startswith("`"):
            value = value[1:-1]
        tokens.append(Token(kind, value, start))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


_PLAIN_NAME = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*")


def quote(variable: str) -> str:
    """A variable as it must be written in a formula: odd column names go in backticks."""
    if "(" in variable or _PLAIN_NAME.fullmatch(variable):
        return variable
    return f"`{variable}`"


def _label(term: str) -> str:
    return ":".join(quote(v) for v in term.split(":"))


@dataclass(frozen=True)
class RandomTerm:
    """One random-effect term ``(lhs | group)`` after lme4's expansion.

    ``intercept`` says whether the term has a random intercept; ``slopes`` are the
    variables (or interactions ``a:b``) with random slopes; ``group`` is the grouping
    factor, possibly an interaction such as ``school:class``.
    """

    group: str
    intercept: bool = True
    slopes: tuple[str, ...] = ()

    @property
    def group_variables(self) -> tuple[str, ...]:
        return tuple(self.group.split(":"))

    @property
    def lhs_text(self) -> str:
        if not self.slopes:
            return "1" if self.intercept else "0"
        body = " + ".join(_label(s) for s in self.slopes)
        if self.intercept:
            return body
        return f"0 + {body}" if len(self.slopes) > 1 else f"{body} - 1"

    @property
    def text(self) -> str:
        return f"({self.lhs_text} | {_label(self.group)})"


@dataclass(frozen=True)
class ModelFormula:
    """A parsed model formula.

    Attributes
    ----------
    text : str
        The formula as written by the user.
    response : str
        The response variable or expression, e.g. ``like`` or ``sqrt(weight)``.
    intercept : bool
        Whether the fixed part has an intercept.
    fixed : tuple of tuple of str
        Fixed-effect terms in R's order (main effects first); each term is a tuple of
        variables, ordered as they first appear in the formula.
    random : tuple of RandomTerm
        Random-effect terms after expanding ``/`` and ``||``.
    random_text : tuple of str
        The random terms as the user wrote them (unexpanded), for labels.
    """

    text: str
    response: str
    intercept: bool
    fixed: tuple[tuple[str, ...], ...]
    random: tuple[RandomTerm, ...]
    random_text: tuple[str, ...] = field(default=())

    @property
    def is_mixed(self) -> bool:
        return bool(self.random)

    @property
    def fixed_labels(self) -> list[str]:
        return [":".join(term) for term in self.fixed]

    def fixed_text(self) -> str:
        """The fixed part as a formula (``like ~ sex + PrivPub``)."""
        parts = [":".join(quote(v) for v in term) for term in self.fixed]
        if not self.intercept:
            parts = ["0", *parts]
        elif not parts:
            parts = ["1"]
        return f"{quote(self.response)} ~ {' + '.join(parts)}"

    def variables(self) -> list[str]:
        """Every variable the model uses: response, fixed, slope and grouping variables."""
        seen: dict[str, None] = {self.response: None}
        for term in self.fixed:
            seen.update(dict.fromkeys(term))
        for r in self.random:
            for s in r.slopes:
                seen.update(dict.fromkeys(s.split(":")))
            seen.update(dict.fromkeys(r.group_variables))
        return list(seen)

    def grouping_variables(self) -> list[str]:
        return list(dict.fromkeys(v for r in self.random for v in r.group_variables))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    # -- token helpers -------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, pos: int | None = None) -> FormulaError:
        return FormulaError(message, self.text, self.tok.pos if pos is None else pos)

    def take(self, *ops: str) -> Token | None:
        if self.tok.kind == "op" and self.tok.text in ops:
            t = self.tok
            self.i += 1
            return t
        return None

    def expect(self, op: str, context: str) -> Token:
        t = self.take(op)
        if t is None:
            found = "the end of the formula" if self.tok.kind == "end" else repr(self.tok.text)
            raise self.error(f"expected '{op}' {context}, found {found} at character {self.tok.pos + 1}")
        return t

    # -- grammar ---------------------------------------------------------------------
    def variable(self) -> str:
        """A column name, a number, or a function call such as ``log(x + 1)``."""
        t = self.tok
        if t.kind == "num":
            self.i += 1
            return t.text
        if t.kind != "name":
            found = "the end of the formula" if t.kind == "end" else repr(t.text)
            raise self.error(f"expected a variable name, found {found} at character {t.pos + 1}")
        self.i += 1
        if not (self.tok.kind == "op" and self.tok.text == "("):
            return t.text
        if t.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(f"unknown function '{t.text}' at character {t.pos + 1}; use one of {known}", t.pos)
        open_tok = self.tok
        depth = 0
        while True:
            tok = self.tok
            if tok.kind == "end":
                raise self.error(f"unbalanced parenthesis: '(' at character {open_tok.pos + 1} is never closed", open_tok.pos)
            if tok.kind == "op" and tok.text == "(":
                depth += 1
            elif tok.kind == "op" and tok.text == ")":
                depth -= 1
                if depth == 0:
                    self.i += 1
                    break
            elif tok.kind == "op" and tok.text in ("|", "||", "~"):
                raise self.error(f"unexpected '{tok.text}' inside {t.text}(...) at character {tok.pos + 1}", tok.pos)
            self.i += 1
        inner = self.text[open_tok.pos + 1 : self.tokens[self.i - 1].pos].strip()
        if not inner:
            raise self.error(f"{t.text}() needs an argument", open_tok.pos)
        expr = f"{t.text}({_normalise_expression(inner)})"
        try:
            expression_columns(expr)
        except FormulaError as exc:
            raise FormulaError(exc.short_message, self.text, t.pos) from None
        return expr

    def interaction(self) -> tuple[str, ...]:
        start = self.tok.pos
        parts = [self.variable()]
        while self.take(":"):
            parts.append(self.variable())
        if len(parts) > 1 and any(is_number(p) for p in parts):
            raise self.error(f"a number cannot be part of an interaction (character {start + 1})", start)
        return tuple(parts)

    def product(self) -> list[tuple[str, ...]]:
        """``a*b/c:d`` expanded into interaction terms."""
        pieces = [self.interaction()]
        ops = []
        while (t := self.take("*", "/")) is not None:
            ops.append(t.text)
            pieces.append(self.interaction())
        if self.tok.kind == "op" and self.tok.text in ("^", "**"):
            raise self.error(
                f"powers of terms such as (a + b)^2 are not supported (character {self.tok.pos + 1}); "
                "write the interactions out, e.g. a*b"
            )
        terms: list[tuple[str, ...]] = [pieces[0]]
        for op, piece in zip(ops, pieces[1:]):
            if op == "*":
                new = [piece] + [t + piece for t in terms]
                terms = terms + new
            else:  # a/b == a + a:b
                left = tuple(dict.fromkeys(v for t in terms for v in t))
                terms = terms + [left + piece]
        return [tuple(dict.fromkeys(t)) for t in terms]

    def sum(self, inside_bar: bool = False) -> tuple[list[tuple[int, list[tuple[str, ...]] | str]], list[str]]:
        """A ``+``/``-`` separated list; returns (signed items, random-term texts).

        Each item is ``(sign, terms)`` or ``(sign, "1")`` / ``(sign, "0")`` for intercepts,
        or ``(+1, RandomTerm list)`` tagged by the caller.
        """
        items: list = []
        randoms: list = []
        sign = 1
        if (t := self.take("+", "-")) is not None:
            sign = -1 if t.text == "-" else 1
        while True:
            tok = self.tok
            if tok.kind == "end" or (tok.kind == "op" and tok.text in (")", "|", "||")):
                if not items and not randoms:
                    where = "the end of the formula" if tok.kind == "end" else f"'{tok.text}'"
                    raise self.error(f"expected a term before {where} at character {tok.pos + 1}")
                raise self.error(f"expected a term after '+' or '-' at character {tok.pos + 1}")
            if tok.kind == "op" and tok.text == "(":
                if inside_bar:
                    raise self.error(f"nested parentheses are not allowed inside a random term (character {tok.pos + 1})")
                if sign < 0:
                    raise self.error(f"a random term cannot be subtracted (character {tok.pos + 1})")
                randoms.append(self.random_term())
            elif tok.kind == "num" and tok.text in ("0", "1") and not (
                self.tokens[self.i + 1].kind == "op" and self.tokens[self.i + 1].text in (":", "*", "/")
            ):
                self.i += 1
                items.append((sign, tok.text))
            elif tok.kind == "num":
                raise self.error(f"a number ({tok.text}) can only be 0 or 1 here (character {tok.pos + 1})")
            else:
                items.append((sign, self.product()))
            t = self.take("+", "-")
            if t is None:
                break
            sign = -1 if t.text == "-" else 1
        return items, randoms

    def random_term(self) -> tuple[list[RandomTerm], str]:
        open_tok = self.expect("(", "")
        if self.tok.kind == "op" and self.tok.text in ("|", "||"):
            raise self.error(
                f"empty random term: put 1 (an intercept) or a variable before '{self.tok.text}' "
                f"at character {self.tok.pos + 1}"
            )
        items, _ = self.sum(inside_bar=True)
        bar = self.take("|", "||")
        if bar is None:
            if self.tok.kind == "end":
                raise self.error(f"unbalanced parenthesis: '(' at character {open_tok.pos + 1} is never closed", open_tok.pos)
            raise self.error(
                f"a parenthesised term needs '|' (e.g. (1 | school)); found {self.tok.text!r} at character {self.tok.pos + 1}"
            )
        if self.tok.kind == "op" and self.tok.text == ")":
            raise self.error(f"missing grouping factor after '{bar.text}' at character {self.tok.pos + 1}")
        group_parts = [self.variable_name("grouping factor")]
        seps = []
        while (t := self.take(":", "/")) is not None:
            seps.append(t.text)
            group_parts.append(self.variable_name("grouping factor"))
        if self.tok.kind == "end":
            raise self.error(f"unbalanced parenthesis: '(' at character {open_tok.pos + 1} is never closed", open_tok.pos)
        close = self.expect(")", "to close the random term")
        intercept, slopes = _intercept_and_terms(items, default_intercept=True)
        slopes = _r_term_order(slopes)
        if not intercept and not slopes:
            raise self.error("a random term needs an intercept or a slope (it has neither)", open_tok.pos)
        slope_labels = tuple(":".join(t) for t in slopes)
        groups = _expand_groups(group_parts, seps)
        out: list[RandomTerm] = []
        for g in groups:
            if bar.text == "||":
                if intercept:
                    out.append(RandomTerm(g, True, ()))
                out.extend(RandomTerm(g, False, (s,)) for s in slope_labels)
            else:
                out.append(RandomTerm(g, intercept, slope_labels))
        text = self.text[open_tok.pos : close.pos + 1]
        return out, text

    def variable_name(self, what: str) -> str:
        t = self.tok
        if t.kind != "name":
            found = "the end of the formula" if t.kind == "end" else repr(t.text)
            raise self.error(f"expected a column name as {what}, found {found} at character {t.pos + 1}")
        self.i += 1
        if self.tok.kind == "op" and self.tok.text == "(":
            raise self.error(f"a {what} must be a column, not a function call (character {t.pos + 1})", t.pos)
        return t.text

    def formula(self) -> ModelFormula:
        if not self.text.strip():
            raise FormulaError("the formula is empty; write it as response ~ terms, e.g. like ~ sex + (1 | school)")
        tilde = [t for t in self.tokens if t.kind == "op" and t.text == "~"]
        if not tilde:
            raise FormulaError("missing '~': write the formula as response ~ terms, e.g. like ~ sex + (1 | school)", self.text, 0)
        if len(tilde) > 1:
            raise FormulaError(f"more than one '~' (the second is at character {tilde[1].pos + 1})", self.text, tilde[1].pos)
        if self.tok.kind == "op" and self.tok.text == "~":
            raise self.error("missing response: put the column to model before '~', e.g. like ~ sex")
        start = self.tok.pos
        response = self.variable()
        if is_number(response):
            raise self.error("the response must be a column or an expression of columns, not a number", start)
        if self.tok.kind == "op" and self.tok.text != "~":
            raise self.error(
                f"the response must be one variable or expression; found {self.tok.text!r} at character {self.tok.pos + 1}"
            )
        self.expect("~", "after the response")
        items, randoms = self.sum()
        if self.tok.kind != "end":
            if self.tok.text == ")":
                raise self.error(f"unbalanced parenthesis: ')' at character {self.tok.pos + 1} has no matching '('")
            raise self.error(f"unexpected {self.tok.text!r} at character {self.tok.pos + 1}")
        intercept, fixed = _intercept_and_terms(items, default_intercept=True)
        random = [term for group, _ in randoms for term in group]
        seen: set[RandomTerm] = set()
        for term in random:
            if term in seen:
                raise FormulaError(f"the random term {term.text} appears twice; remove one", self.text)
            seen.add(term)
        order = _variable_order(response, fixed)
        fixed = _r_term_order([tuple(sorted(t, key=order.index)) for t in fixed])
        return ModelFormula(
            text=self.text.strip(),
            response=response,
            intercept=intercept,
            fixed=tuple(fixed),
            random=tuple(random),
            random_text=tuple(text for _, text in randoms),
        )


def is_number(text: str) -> bool:
    """Whether a variable is a number (``0``, ``1``) rather than a column."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _normalise_expression(inner: str) -> str:
    return re.sub(r"\s+", " ", inner.replace("^", "**")).replace(" ** ", "**")


def _intercept_and_terms(items, default_intercept: bool) -> tuple[bool, list[tuple[str, ...]]]:
    intercept = default_intercept
    terms: list[tuple[str, ...]] = []
    for sign, item in items:
        if isinstance(item, str):
            intercept = (item == "1") == (sign > 0)
            continue
        for t in item:
            key = frozenset(t)
            if sign > 0:
                if all(frozenset(x) != key for x in terms):
                    terms.append(t)
            else:
                terms = [x for x in terms if frozenset(x) != key]
    return intercept, terms


def _expand_groups(parts: list[str], seps: list[str]) -> list[str]:
    """lme4's expansion of ``a/b/c`` into ``c:b:a``, ``b:a``, ``a``; ``a:b`` stays."""
    # Split into '/'-separated chunks, each an interaction.
    chunks: list[list[str]] = [[parts[0]]]
    for sep, part in zip(seps, parts[1:]):
        if sep == "/":
            chunks.append([part])
        else:
            chunks[-1].append(part)
    if len(chunks) == 1:
        return [":".join(chunks[0])]
    out = []
    for k in range(len(chunks), 0, -1):
        out.append(":".join(":".join(c) for c in reversed(chunks[:k])))
    return out


def _variable_order(response: str, fixed: list[tuple[str, ...]]) -> list[str]:
    seen: dict[str, None] = {response: None}
    for term in fixed:
        seen.update(dict.fromkeys(term))
    return list(seen)


def _r_term_order(terms: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """R orders terms by their order (main effects, then two-way interactions, ...)."""
    return sorted(terms, key=len)


_ODD_NAME = re.compile(r"`([^`]+)`|\b([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+)\b")


def python_expression(expr: str) -> tuple[str, dict[str, str]]:
    """The expression with R-style names (``Sepal.Length``, backticked names) replaced by
    Python identifiers, and the map from those identifiers back to the column names."""
    columns: dict[str, str] = {}

    def swap(m: re.Match) -> str:
        name = m.group(1) or m.group(2)
        key = next((k for k, v in columns.items() if v == name), f"_col{len(columns)}_")
        columns[key] = name
        return key

    return _ODD_NAME.sub(swap, expr), columns


def expression_columns(expr: str) -> list[str]:
    """Column names used by a variable expression, validating it on the way.

    >>> expression_columns("log(x + 1)")
    ['x']
    """
    code, renamed = python_expression(expr)
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        raise FormulaError(f"cannot read the expression {expr!r}") from None
    names: dict[str, None] = {}
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Call, ast.Load,
               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd, ast.Mod, ast.FloorDiv)
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise FormulaError(f"the expression {expr!r} uses something other than arithmetic and {', '.join(sorted(FUNCTIONS))}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords or len(node.args) != 1:
                raise FormulaError(f"in {expr!r}: functions take one argument and must be one of {', '.join(sorted(FUNCTIONS))}")
        elif isinstance(node, ast.Name) and not _is_function_name(tree, node):
            names[renamed.get(node.id, node.id)] = None
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise FormulaError(f"in {expr!r}: only numbers may appear as constants")
    return list(names)


def _is_function_name(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


def parse_formula(text: str) -> ModelFormula:
    """Parse an lme4 formula.

    Raises
    ------
    FormulaError
        With the position of the problem and a hint on how to write it.
    """
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be text, not {type(text).__name__}")
    return _Parser(text).formula()
