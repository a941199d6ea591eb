"""Reading lme4 model formulas.

``parse_formula`` turns text such as ``sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time``
into a :class:`ModelFormula`: a response, the fixed-effect terms in R's order, the random-effect
terms expanded as lme4 expands them (``(1 | a/b)`` becomes ``(1 | b:a)`` and ``(1 | a)``;
``(x || g)`` becomes ``(1 | g)`` and ``(0 + x | g)``), and any ``offset()``.

The text is read as an R expression (:mod:`mixwidget.expression`) and its operators are given
their meaning in formulas, as R's ``terms()`` does: ``a*b`` is ``a + b + a:b``, ``a/b`` is
``a + a:b``, ``b %in% a`` is ``b:a``, ``(a + b + c)^2`` is every term of up to two of them,
``- x`` removes a term, ``0`` or ``- 1`` removes the intercept. ``Days^2`` outside ``I()`` is
``Days`` (as in R; a note says so).

A *variable* is a column (``school``) or an expression of columns (``sqrt(weight)``,
``poly(Days, 2)``, ``I(Days^2)``); it is named as lme4 names it (R's printing of the
expression), and evaluated by :mod:`mixwidget.transforms`.

Limits (each exceeded with a :class:`FormulaError` saying so): :data:`~mixwidget.expression.MAX_LENGTH`
characters, :data:`~mixwidget.expression.MAX_DEPTH` levels of nesting, :data:`MAX_TERMS` terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import FormulaError
from .expression import Call, Expr, Name, Num, Op, Paren, Parser, Str, Unary, quote_name, walk
from .language import MAX_DEPTH, MAX_TERMS
from .transforms import CONTRASTS, Transform, check_calls, column_names, find_transform

__all__ = ["ModelFormula", "RandomTerm", "parse_formula", "quote", "is_number", "MAX_TERMS"]

Term = tuple[str, ...]


def quote(variable: str) -> str:
    """A variable as it must be written in a formula: odd column names go in backticks.

    An expression (``log(x + 1)``) is returned as it is. (A column literally named like an
    expression is told apart by :meth:`ModelFormula.written`, which knows what each variable is.)
    """
    quoted = quote_name(variable)
    if quoted == variable or "(" not in variable:
        return quoted
    try:
        tree = Parser(variable).parse()
    except FormulaError:
        return quoted
    return variable if isinstance(tree, Call) and tree.text() == variable else quoted


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
    offsets : tuple of str
        The expressions inside ``offset()`` terms.
    expressions : dict
        Variable name -> its expression tree (for evaluation).
    notes : tuple of str
        What the formula means where R's reading surprises (``Days^2`` is ``Days``).
    canonical : str
        The formula as R prints it (``deparse``).
    contrasts : tuple of (str, str)
        Contrasts given for factor variables (lme4's ``contrasts=``), e.g. ``(("Variety", "sum"),)``.
    """

    text: str
    response: str
    intercept: bool
    fixed: tuple[Term, ...]
    random: tuple[RandomTerm, ...]
    random_text: tuple[str, ...] = field(default=())
    offsets: tuple[str, ...] = field(default=())
    expressions: dict[str, Expr] = field(default_factory=dict, compare=False, hash=False, repr=False)
    notes: tuple[str, ...] = field(default=())
    canonical: str = ""
    contrasts: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_mixed(self) -> bool:
        return bool(self.random)

    @property
    def fixed_labels(self) -> list[str]:
        return [":".join(term) for term in self.fixed]

    def with_contrasts(self, contrasts: dict[str, str] | None) -> ModelFormula:
        """This formula with contrasts for some of its variables, as lme4's ``contrasts=`` gives them:
        ``{"Variety": "contr.sum"}`` (also ``"contr.helmert"``, ``"contr.treatment"``, ``"contr.SAS"``,
        ``"contr.poly"`` or their short names)."""
        if not contrasts:
            return self
        if not isinstance(contrasts, dict):
            raise FormulaError('contrasts must be a dict of variable -> contrasts, e.g. {"Variety": "contr.sum"}')
        variables = self.variables()
        given = []
        for var, kind in contrasts.items():
            if var not in variables:
                raise FormulaError(f"contrasts: '{var}' is not a variable of the model; its variables are "
                                   f"{', '.join(variables)}")
            if not isinstance(kind, str) or kind not in CONTRASTS:
                known = ", ".join(k for k in CONTRASTS if k.startswith("contr."))
                raise FormulaError(f"contrasts: {kind!r} for '{var}' is not one of {known}")
            given.append((var, CONTRASTS[kind]))
        return replace(self, contrasts=tuple(given))

    def r_packages(self) -> list[str]:
        """R packages to attach for the functions the formula calls without ``pkg::`` (``splines``
        for ``ns()`` and ``bs()``); base and stats are always there."""
        found: dict[str, None] = {}
        for expr in self.expressions.values():
            for node in walk(expr):
                if isinstance(node, Call) and "::" not in node.func:
                    transform = _transform_of(node)
                    if transform is not None and transform.package not in ("base", "stats"):
                        found[transform.package] = None
        return list(found)

    def written(self, variable: str) -> str:
        """A variable as it is written in a formula (odd column names in backticks)."""
        expr = self.expressions.get(variable)
        return expr.text() if expr is not None else quote(variable)

    def fixed_text(self) -> str:
        """The fixed part as a formula (``like ~ sex + PrivPub``), with any offsets."""
        parts = [":".join(self.written(v) for v in term) for term in self.fixed]
        parts += [f"offset({self.written(o)})" for o in self.offsets]
        if not self.intercept:
            parts = ["0", *parts]
        elif not self.fixed:
            parts = ["1", *parts]
        return f"{self.written(self.response)} ~ {' + '.join(parts)}"

    def variables(self) -> list[str]:
        """Every variable the model uses: response, fixed, slope, grouping and offset variables."""
        seen: dict[str, None] = {self.response: None}
        for term in self.fixed:
            seen.update(dict.fromkeys(term))
        for r in self.random:
            for s in r.slopes:
                seen.update(dict.fromkeys(s.split(":")))
            seen.update(dict.fromkeys(r.group_variables))
        seen.update(dict.fromkeys(self.offsets))
        return list(seen)

    def grouping_variables(self) -> list[str]:
        return list(dict.fromkeys(v for r in self.random for v in r.group_variables))

    def columns(self) -> list[str]:
        """The data columns the model reads, in order of first use."""
        seen: dict[str, None] = {}
        for var in self.variables():
            expr = self.expressions.get(var)
            if expr is None:
                seen[var] = None
                continue
            seen.update(dict.fromkeys(column_names(expr)))
        return list(seen)


def is_number(text: str) -> bool:
    """Whether a variable is a number (``0``, ``1``) rather than a column."""
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass
class _Terms:
    """A formula's right-hand side as R's terms() sees it."""

    terms: dict[frozenset[str], Term] = field(default_factory=dict)
    intercept: bool | None = None
    random: list[tuple[list[RandomTerm], str]] = field(default_factory=list)
    offsets: list[str] = field(default_factory=list)


class _Reader:
    """Gives a parsed expression its formula meaning."""

    def __init__(self, parser: Parser) -> None:
        self.parser = parser
        self.text = parser.text
        self.expressions: dict[str, Expr] = {}
        self.first: dict[str, int] = {}  # variable -> where it first appears (R orders variables so)
        self.notes: list[str] = []

    def error(self, message: str, node: Expr | None) -> FormulaError:
        return FormulaError(message, self.text, None if node is None else node.pos)

    def variable(self, node: Expr) -> str:
        """A model variable: a column or an expression of columns."""
        if isinstance(node, Name) and node.name == "." and not node.quoted:
            raise self.error("'.' (every other column) is not supported; list the columns you mean", node)
        if isinstance(node, Name) and node.literal:
            raise self.error(f"{node.name} is a constant, not a column (character {node.pos + 1})", node)
        if isinstance(node, Name):
            label = node.name
        else:
            check_calls(node, top=True, text=self.text)
            label = node.text()
        known = self.expressions.get(label)
        if known is not None and isinstance(node, Name) != isinstance(known, Name):
            raise self.error(f"'{label}' is both a column name and an expression here; rename the column", node)
        self.expressions[label] = node
        self.first[label] = min(node.pos, self.first.get(label, node.pos))
        return label

    # -- right-hand side --------------------------------------------------------------------
    def rhs(self, node: Expr) -> _Terms:
        if isinstance(node, Op) and node.ops[0] in ("+", "-"):
            out = _Terms()
            self.add(out, self.rhs(node.operands[0]), +1, node.operands[0])
            for op, operand in zip(node.ops, node.operands[1:]):
                self.add(out, self.rhs(operand), +1 if op == "+" else -1, operand)
            return out
        if isinstance(node, Unary) and node.op in ("-", "+"):
            out = _Terms()
            self.add(out, self.rhs(node.operand), -1 if node.op == "-" else +1, node.operand)
            return out
        if isinstance(node, Str):
            raise self.error(f"text in quotes ({node.text()}) can only be a function's argument, e.g. "
                             f'relevel(Variety, "Victory"), or compared in I(Variety == "Victory") '
                             f'(character {node.pos + 1})', node)
        if isinstance(node, Num):
            if node.value in (0.0, 1.0):
                return _Terms(intercept=node.value == 1.0)
            raise self.error(f"a number ({node.source}) can only be 0 or 1 here (character {node.pos + 1})", node)
        if isinstance(node, Paren):
            inner = node.inner
            if isinstance(inner, Op) and inner.ops[0] in ("|", "||"):
                return _Terms(random=[self.random_term(inner, node)])
            return self.rhs(inner)
        if isinstance(node, Op) and node.ops[0] in ("*", "/"):
            return self.product(node)
        if isinstance(node, Op) and node.ops[0] in (":", "%in%"):
            terms = self.factor_terms(node.operands[0])
            for operand in node.operands[1:]:
                terms = _interact(terms, self.factor_terms(operand), self)
            return _Terms(terms)
        if isinstance(node, Op) and node.ops[0] == "^":
            return self.power(node)
        if isinstance(node, Op) and node.ops[0] in ("|", "||"):
            raise self.error(f"a random term needs parentheses, e.g. ({node.text()}) (character {node.pos + 1})", node)
        if isinstance(node, Op) and node.ops[0] == "~":
            raise self.error(f"more than one '~' (at character {node.pos + 1})", node)
        if isinstance(node, Op) or isinstance(node, Unary):
            raise self.error(
                f"{node.text()} is arithmetic, which a formula does not do outside I(); write I({node.text()}) "
                f"(character {node.pos + 1})", node)
        transform = _transform_of(node)
        if isinstance(node, Call) and transform is not None and transform.where == "formula":
            check_calls(node.args[0] if node.args else node, top=False, text=self.text)
            transform.bind(node)
            return _Terms(offsets=[self.variable(node.args[0])])
        label = self.variable(node)
        return _Terms({frozenset([label]): (label,)})

    def add(self, out: _Terms, part: _Terms, sign: int, node: Expr) -> None:
        if sign > 0:
            for key, term in part.terms.items():
                out.terms.setdefault(key, term)
            _check_count(out.terms, self, node)
            out.random.extend(part.random)
            out.offsets.extend(part.offsets)
            if part.intercept is not None:
                out.intercept = part.intercept
            return
        if part.random:
            raise self.error(f"a random term cannot be subtracted (character {node.pos + 1})", node)
        if part.offsets:
            raise self.error(f"an offset cannot be subtracted (character {node.pos + 1})", node)
        for key in part.terms:
            out.terms.pop(key, None)
        if part.intercept is not None:
            out.intercept = not part.intercept

    def factor_terms(self, node: Expr) -> dict[frozenset[str], Term]:
        """The terms of one factor of a product or interaction (no intercept, no random terms)."""
        if isinstance(node, Num):
            raise self.error(f"a number cannot be part of an interaction (character {node.pos + 1})", node)
        part = self.rhs(node)
        if part.random:
            raise self.error(f"a random term cannot be part of an interaction (character {node.pos + 1})", node)
        if part.offsets:
            raise self.error(f"an offset cannot be part of an interaction (character {node.pos + 1})", node)
        return part.terms

    def product(self, node: Op) -> _Terms:
        terms = self.factor_terms(node.operands[0])
        for op, operand in zip(node.ops, node.operands[1:]):
            right = self.factor_terms(operand)
            if op == "*":
                both = dict(terms)
                for key, term in right.items():
                    both.setdefault(key, term)
                for key, term in _interact(terms, right, self).items():
                    both.setdefault(key, term)
                terms = both
            else:  # a/b == a + a:b, with a's variables all together
                left: Term = tuple(dict.fromkeys(v for t in terms.values() for v in t))
                nested = _interact({frozenset(left): left}, right, self)
                terms = dict(terms)
                for key, term in nested.items():
                    terms.setdefault(key, term)
            _check_count(terms, self, node)
        return _Terms(terms)

    def power(self, node: Op) -> _Terms:
        if len(node.operands) > 2:
            raise self.error(f"write one power at a time: {node.text()} (character {node.pos + 1})", node)
        base, exponent = node.operands
        if not isinstance(exponent, Num) or exponent.value < 1 or not float(exponent.value).is_integer():
            raise self.error(f"the power of a term must be a whole number such as 2, not {exponent.text()} "
                             f"(character {exponent.pos + 1}); for arithmetic write I({node.text()})", exponent)
        terms = self.factor_terms(base)
        if len(terms) == 1 and exponent.value > 1:
            (only,) = terms.values()
            self.notes.append(
                f"In an R formula, {node.text()} means {':'.join(only)} (a power of a term is its interactions up "
                f"to that order); for the square write I({node.text()}), as lme4 needs too."
            )
        result = dict(terms)
        for _ in range(int(min(exponent.value, len(terms))) - 1):
            for key, term in _interact(result, terms, self).items():
                result.setdefault(key, term)
            _check_count(result, self, node)
        return _Terms(result)

    # -- random terms -----------------------------------------------------------------------
    def random_term(self, bar: Op, paren: Paren) -> tuple[list[RandomTerm], str]:
        if len(bar.ops) > 1:
            raise self.error(f"one '|' per random term: {paren.text()} (character {paren.pos + 1})", paren)
        lhs_node, group_node = bar.operands
        lhs = self.rhs(lhs_node)
        if lhs.random:
            raise self.error(f"nested parentheses are not allowed inside a random term (character {paren.pos + 1})",
                             paren)
        if lhs.offsets:
            raise self.error(f"an offset cannot be a random slope (character {paren.pos + 1})", paren)
        intercept = True if lhs.intercept is None else lhs.intercept
        slopes = _r_term_order(list(lhs.terms.values()))
        if not intercept and not slopes:
            raise self.error("a random term needs an intercept or a slope (it has neither)", paren)
        parts, seps = self.group_parts(group_node)
        _check_repeated_group(parts, seps, paren, self)
        slope_labels = tuple(":".join(t) for t in slopes)
        out: list[RandomTerm] = []
        for g in _expand_groups(parts, seps):
            if bar.ops[0] == "||":
                if intercept:
                    out.append(RandomTerm(g, True, ()))
                out.extend(RandomTerm(g, False, (s,)) for s in slope_labels)
            else:
                out.append(RandomTerm(g, intercept, slope_labels))
        return out, self.text[paren.pos: _end(self.parser, paren) + 1]

    def group_parts(self, node: Expr) -> tuple[list[str], list[str]]:
        if isinstance(node, Name):
            return [self.variable(node)], []
        if isinstance(node, Op) and set(node.ops) <= {"/", ":"}:
            parts, seps = self.group_parts(node.operands[0])
            for op, operand in zip(node.ops, node.operands[1:]):
                p, s = self.group_parts(operand)
                parts += p
                seps += [op, *s]
            return parts, seps
        if isinstance(node, Call):
            raise self.error(f"a grouping factor must be a column, not a function call (character {node.pos + 1}); "
                             "make the column first, e.g. data['g'] = ...", node)
        raise self.error(f"expected a column name as grouping factor, found {node.text()} "
                         f"(character {node.pos + 1})", node)


def _transform_of(node: Expr) -> Transform | None:
    """The registry's function of a call (None for anything else, or a wrong package: the call's
    check reports that, with its position)."""
    if not isinstance(node, Call):
        return None
    try:
        return find_transform(node.func)
    except FormulaError:
        return None


def _end(parser: Parser, paren: Paren) -> int:
    """Position of the ')' closing the parenthesis at ``paren.pos``."""
    closing = getattr(parser, "_closing", None)
    if closing is None:  # every pair at once: linear in the formula's length
        closing, stack = {}, []
        for t in parser.tokens:
            if t.kind == "op" and t.text == "(":
                stack.append(t.pos)
            elif t.kind == "op" and t.text == ")" and stack:
                closing[stack.pop()] = t.pos
        parser._closing = closing  # type: ignore[attr-defined]
    return closing.get(paren.pos, len(parser.text) - 1)


def _interact(a: dict[frozenset[str], Term], b: dict[frozenset[str], Term], reader: _Reader) -> dict[frozenset[str], Term]:
    if len(a) * len(b) > 50 * MAX_TERMS:
        raise FormulaError(f"the formula expands to more than {MAX_TERMS} terms; the limit is {MAX_TERMS}")
    out: dict[frozenset[str], Term] = {}
    for ta in a.values():
        for tb in b.values():
            term = tuple(dict.fromkeys(ta + tb))
            out.setdefault(frozenset(term), term)
    return out


def _check_count(terms: dict, reader: _Reader, node: Expr) -> None:
    if len(terms) > MAX_TERMS:
        raise reader.error(f"the formula expands to more than {MAX_TERMS} terms; the limit is {MAX_TERMS}", node)


def _check_repeated_group(parts: list[str], seps: list[str], paren: Paren, reader: _Reader) -> None:
    """Refuse a grouping factor that names a variable twice (``g/g``, ``g:g``, ``a/b/a``).

    A factor crossed with itself is the same factor (``g:g`` has the levels of ``g``), so such a
    term repeats another one: its variance cannot be told apart from the other's, and with long
    chains (``school/school/.../school``) the fit would take minutes to say nothing.
    """
    seen: set[str] = set()
    for k, part in enumerate(parts):
        if part not in seen:
            seen.add(part)
            continue
        upto = "".join(p + s for p, s in zip(parts[:k], seps[:k])) + part
        text = paren.text()
        text = text if len(text) <= 60 else text[:56] + " ...)"
        g = quote(part)
        nested = f", so {text} expands to one term twice, whose variances cannot be told apart" if "/" in seps else ""
        raise reader.error(
            f"the grouping factor {upto} in {text} names {g} twice (character {paren.pos + 1}): {g}:{g} is the same "
            f"factor as {g}{nested}; name each grouping variable once", paren)


def _duplicate_key(term: RandomTerm) -> tuple:
    """What makes two random terms the same: the grouping variables (in any order) and columns."""
    slopes = frozenset(frozenset(s.split(":")) for s in term.slopes)
    return frozenset(term.group_variables), term.intercept, slopes


def _expand_groups(parts: list[str], seps: list[str]) -> list[str]:
    """lme4's expansion of ``a/b/c`` into ``c:b:a``, ``b:a``, ``a``; ``a:b`` stays."""
    chunks: list[list[str]] = [[parts[0]]]
    for sep, part in zip(seps, parts[1:]):
        if sep == "/":
            chunks.append([part])
        else:
            chunks[-1].append(part)
    if len(chunks) == 1:
        return [":".join(chunks[0])]
    return [":".join(":".join(c) for c in reversed(chunks[:k])) for k in range(len(chunks), 0, -1)]


def _r_term_order(terms: list[Term]) -> list[Term]:
    """R orders terms by their order (main effects, then two-way interactions, ...)."""
    return sorted(terms, key=len)


def _read(text: str) -> ModelFormula:
    if not text.strip():
        raise FormulaError("the formula is empty; write it as response ~ terms, e.g. like ~ sex + (1 | school)")
    parser = Parser(text)
    tilde = [t for t in parser.tokens if t.kind == "op" and t.text == "~"]
    if not tilde:
        raise FormulaError("missing '~': write the formula as response ~ terms, e.g. like ~ sex + (1 | school)", text, 0)
    if len(tilde) > 1:
        raise FormulaError(f"more than one '~' (the second is at character {tilde[1].pos + 1})", text, tilde[1].pos)
    if parser.tokens[0].kind == "op" and parser.tokens[0].text == "~":
        raise FormulaError("missing response: put the column to model before '~', e.g. like ~ sex", text, 0)
    _check_bars(parser)
    tree = parser.parse()
    if not (isinstance(tree, Op) and tree.ops == ("~",)):
        raise FormulaError(f"the response must be one variable or expression; write it before '~' "
                           f"(the formula reads as {tree.text()})", text, tree.pos)
    reader = _Reader(parser)
    lhs, rhs = tree.operands
    if isinstance(lhs, Num) or isinstance(lhs, Name) and lhs.literal:
        raise FormulaError("the response must be a column or an expression of columns, not a number", text, lhs.pos)
    if not isinstance(lhs, (Name, Call)):
        raise FormulaError(f"the response must be one variable or expression, e.g. log(y); found {lhs.text()} "
                           "(use I(...) for arithmetic)", text, lhs.pos)
    response = reader.variable(lhs)
    terms = reader.rhs(rhs)
    intercept = True if terms.intercept is None else terms.intercept
    random = [term for group, _ in terms.random for term in group]
    seen: dict[tuple, RandomTerm] = {}
    for term in random:
        key = _duplicate_key(term)
        if key in seen:
            same = "" if seen[key].text == term.text else f" (as {seen[key].text})"
            raise FormulaError(f"the random term {term.text} appears twice{same}: the same grouping factor with "
                               "the same columns cannot be estimated twice; remove one", text)
        seen[key] = term
    fixed_terms = _drop_response(terms.terms, response, reader)
    rank = {v: (v != response, pos) for v, pos in reader.first.items()}
    fixed = _r_term_order([tuple(sorted(t, key=rank.__getitem__)) for t in fixed_terms.values()])
    return ModelFormula(
        text=text.strip(),
        response=response,
        intercept=intercept,
        fixed=tuple(fixed),
        random=tuple(random),
        random_text=tuple(t for _, t in terms.random),
        offsets=tuple(terms.offsets),
        expressions=dict(reader.expressions),
        notes=tuple(dict.fromkeys(reader.notes)),
        canonical=tree.text(),
    )


def _drop_response(terms: dict[frozenset[str], Term], response: str, reader: _Reader) -> dict[frozenset[str], Term]:
    """The right-hand side's terms without the response itself, as R drops it (R warns; a note says so)."""
    key = frozenset([response])
    if key not in terms:
        return terms
    reader.notes.append(f"The response {quote(response)} also appears on the right-hand side; it was dropped "
                        "there, as R does (R warns: \"the response appeared on the right-hand side and was dropped\").")
    return {k: t for k, t in terms.items() if k != key}


def _check_bars(parser: Parser) -> None:
    """Clear messages for empty random terms and missing grouping factors."""
    tokens = parser.tokens
    for k, t in enumerate(tokens):
        if t.kind != "op" or t.text not in ("|", "||"):
            continue
        before, after = tokens[k - 1] if k else None, tokens[k + 1]
        if before is not None and before.kind == "op" and before.text == "(":
            raise FormulaError(f"empty random term: put 1 (an intercept) or a variable before '{t.text}' "
                               f"at character {t.pos + 1}", parser.text, t.pos)
        if after.kind == "op" and after.text == ")":
            raise FormulaError(f"missing grouping factor after '{t.text}' at character {after.pos + 1}",
                               parser.text, after.pos)


def parse_formula(text: str) -> ModelFormula:
    """Parse an lme4 formula.

    Raises
    ------
    FormulaError
        With the position of the problem and a hint on how to write it; also when the formula
        exceeds a limit (length, nesting depth, number of terms).
    """
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be text, not {type(text).__name__}")
    try:
        return _read(text)
    except RecursionError:
        raise FormulaError(f"the formula nests too deeply; the limit is {MAX_DEPTH} levels") from None
    except MemoryError:
        raise FormulaError("the formula is too large to read") from None
