"""From a parsed formula and a DataFrame to model matrices, in the stages lme4's ``lFormula`` has.

1. the model frame (:mod:`~mixwidget.design.frame`): variables evaluated, rows with missing
   values dropped and counted;
2. the response (:mod:`~mixwidget.design.response`);
3. factor codings (:mod:`~mixwidget.design.contrasts`) and the size check (:mod:`~mixwidget.design.limits`);
4. the fixed-effect matrix (:mod:`~mixwidget.design.fixed`), as R's ``model.matrix``;
5. the random-effect blocks (:mod:`~mixwidget.design.random`), as lme4's ``mkReTrms``.

The fixed-effect matrix uses treatment contrasts for unordered factors and polynomial contrasts
for ordered ones, with R's column names (``sexm``, ``Time:Diet2``, ``temperature.L``).

The :class:`Design` keeps what it learned from the data (its :class:`Schema`: factor levels and
contrasts, what transforms remember, the fixed columns kept, grouping levels), so
:meth:`Design.new_data` builds the same matrices for new rows, as R's ``terms``/``xlevels`` do
for ``predict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError
from ..formula.parse import ModelFormula
from ..formula.transforms import Columns, Factor, column_factor, level_text
from .contrasts import Coding, coding_for
from .fixed import fixed_matrix, ordered_note
from .frame import ModelFrame, check_columns, frame_table, model_frame, predictor_variables, variables_for
from .intake import as_frame, check_model_frame
from .limits import Limits, check_size, model_size
from .newdata import NewDesign, new_design
from .random import RandomBlock, collinear_terms, group_labels, random_blocks
from .response import Family, response_vector

GAUSSIAN = Family()

__all__ = ["Design", "RandomBlock", "Schema", "build_design", "fixed_part", "level_names", "check_columns",
           "level_text", "group_labels", "predictor_variables"]


@dataclass
class Schema:
    """What a design learned from its data, to build the same columns for new data.

    Attributes
    ----------
    formula : ModelFormula
    state : dict
        What transforms remembered, keyed by call and item (``"scale(x)#center"``,
        ``"poly(Days, 2)#coefs"``, ``"mean(Time)#mean"``).
    codings : dict
        Factor variable -> its :class:`~mixwidget.design.contrasts.Coding` (levels and contrasts).
    group_levels : dict
        Grouping variable -> its levels, in lme4's order.
    fixed_columns : list of int
        Which columns of the full fixed matrix were kept (aliased columns are left out).
    fixed_names : list of str
        The names of the kept fixed columns.
    """

    formula: ModelFormula
    state: dict[str, object]
    codings: dict[str, Coding]
    group_levels: dict[str, list[str]]
    fixed_columns: list[int]
    fixed_names: list[str]

    @property
    def contrasts(self) -> dict[str, str]:
        """Factor variable -> "treatment" or "poly" (as R's ``attr(X, "contrasts")``)."""
        return {v: c.contrasts for v, c in self.codings.items()}


@dataclass
class Design:
    """Model matrices for one formula on one data set (rows with missing values removed)."""

    formula: ModelFormula
    y: np.ndarray
    X: np.ndarray
    fixed_names: list[str]
    random: list[RandomBlock]
    rows: pd.Index  # index labels of the rows used (may repeat: look rows up by ``positions``)
    n_dropped: int
    dropped_by: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)  # the model's variables, rows used
    offset: np.ndarray | None = None  # (n,) known part of the linear predictor, or None
    weights: np.ndarray | None = None  # (n,) prior weights, or None
    schema: Schema | None = None
    offset_given: np.ndarray | None = None  # (n,) the offset= given to fit (part of ``offset``)
    collinear: list[str] = field(default_factory=list)  # random terms whose columns are linearly dependent
    fixed_notes: list[str] = field(default_factory=list)  # notes on the fixed columns (part of ``notes``)
    positions: np.ndarray | None = None  # (n,) positions in the data of the rows used (``data.iloc[positions]``)
    family: Family = field(default_factory=Family)  # how y is distributed (binomial: y proportions, weights trials)

    @property
    def nobs(self) -> int:
        return len(self.y)

    def new_data(self, data: pd.DataFrame) -> NewDesign:
        """The model matrices for new rows, built as for the fit data.

        See :func:`mixwidget.design.newdata.new_design` for what is returned and raised.
        """
        return new_design(self, data)


def level_names(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and level names for a column used as a factor, in R's level order.

    Categorical columns keep their category order; numbers sort numerically and print
    without a trailing ``.0``; text sorts as R's collation does. Unused levels are dropped.
    """
    coding = coding_for(column_factor(values))
    return coding.codes(column_factor(values).labels), coding.levels


@dataclass
class _Codings:
    """How the model's factors become columns: predictors by their contrasts, groups by their levels."""

    predictors: dict[str, Coding]
    groups: dict[str, Coding]
    group_factors: dict[str, Factor]

    @property
    def ordered(self) -> list[str]:
        return [v for v, c in self.predictors.items() if c.contrasts == "poly"]

    def group_values(self) -> dict[str, np.ndarray]:
        return {g: c.codes(self.group_factors[g].labels) for g, c in self.groups.items()}


def _codings(formula: ModelFormula, frame: ModelFrame, data: pd.DataFrame) -> _Codings:
    """Predictors are factors when their values are; grouping variables always are, but only as
    groups: a numeric column that also groups (e.g. Days) stays numeric in the fixed part."""
    predictors = predictor_variables(formula)
    given = dict(formula.contrasts)
    for var in given:
        if not isinstance(frame.values.get(var), Factor) or var not in predictors:
            raise DataError(f"contrasts are given for '{var}', which is not a factor predictor of the model "
                            "(contrasts apply to categorical variables in the fixed part or random slopes)")
    codings = {var: coding_for(v, given.get(var)) for var, v in frame.values.items()
               if isinstance(v, Factor) and var in predictors}
    positions = np.flatnonzero(frame.keep)
    group_codings, group_factors = {}, {}
    for g in formula.grouping_variables():
        group_factors[g] = frame.values[g] if g in codings else column_factor(data[g].iloc[positions])
        group_codings[g] = codings.get(g) or coding_for(group_factors[g])
    return _Codings(codings, group_codings, group_factors)


def _check_limits(formula: ModelFormula, frame: ModelFrame, codings: _Codings, limits: Limits) -> None:
    """Refuse a model bigger than ``limits`` before its matrices are built."""
    levels = {v: len(c.levels) for v, c in codings.predictors.items()}
    levels.update({v: x.values.shape[1] for v, x in frame.values.items() if isinstance(x, Columns)})
    group_levels = {t.group: min(int(np.prod([len(codings.groups[g].levels) for g in t.group_variables])), frame.n)
                    for t in formula.random}
    check_size(model_size(formula, levels, group_levels), limits)


def _offsets(formula: ModelFormula, values: dict[str, object], given: np.ndarray | None, n: int) -> np.ndarray | None:
    if not formula.offsets and given is None:
        return None
    total = np.zeros(n) if given is None else given.astype(float)
    for o in formula.offsets:
        total = total + np.asarray(values[o], dtype=float)
    return total


def build_design(formula: ModelFormula, data: pd.DataFrame, weights: object = None, offset: object = None,
                 limits: Limits | None = None, family: Family = GAUSSIAN) -> Design:
    """Build the model matrices, dropping (and counting) rows with missing values.

    ``family`` decides which responses are allowed and how they are read (:mod:`.response`): for a
    binomial model ``y`` holds proportions of successes and ``weights`` the trials times any prior weights.

    ``weights`` (lme4's prior weights) and ``offset`` are column names or one number per row.
    With ``limits``, a model bigger than they allow is refused (:class:`~mixwidget.design.limits.ModelTooBig`)
    before its matrices are built.
    """
    data = as_frame(data)
    frame = model_frame(formula, data, weights, offset)
    response = response_vector(formula, frame, data, family)
    y = response.y
    numeric = {v: np.asarray(x, dtype=float) for v, x in frame.values.items() if not isinstance(x, (Factor, Columns))}
    numeric[formula.response] = y
    check_model_frame(pd.DataFrame(numeric, index=frame.rows), formula.response, list(numeric))

    codings = _codings(formula, frame, data)
    notes: list[str] = [*formula.notes, *frame.notes]
    if codings.ordered:
        notes.append(ordered_note(codings.ordered))
    if limits is not None:
        _check_limits(formula, frame, codings, limits)
    variables = variables_for({v: frame.values[v] for v in predictor_variables(formula)}, codings.predictors, None)

    fixed = fixed_matrix(formula, variables, frame.n, codings.ordered)
    in_fixed = {v for term in formula.fixed for v in term}
    notes.extend(fixed.notes[1:] if any(v in in_fixed for v in codings.ordered) else fixed.notes)
    random = random_blocks(formula.random, variables, codings.groups, codings.group_values(), frame.n,
                           per_observation=family.generalized)
    collinear, collinear_notes = collinear_terms(random)
    notes.extend(collinear_notes)

    schema = Schema(formula, frame.state, codings.predictors, {g: c.levels for g, c in codings.groups.items()},
                    fixed.kept, fixed.names)
    positions = np.flatnonzero(frame.keep)  # rows are looked up by position: index labels may repeat
    table = frame_table(formula, data.iloc[positions], frame.values)
    return Design(formula, y, fixed.X, fixed.names, random, frame.rows, frame.n_dropped, frame.dropped_by, notes,
                  table, _offsets(formula, frame.values, frame.offset, frame.n), response.weights, schema, frame.offset,
                  collinear=collinear, fixed_notes=fixed.notes, positions=positions, family=family)


def fixed_part(design: Design, formula: ModelFormula) -> Design:
    """The design of the fixed part alone (``formula``, parsed from ``design.formula.fixed_text()``)
    on the same rows, as :func:`build_design` builds it, from the matrices already built.

    Same response, fixed columns, weights and offsets; no random terms and no rows dropped (the
    rows are the design's). The least-squares baseline of a mixed model is fitted to it.
    """
    predictors = set(predictor_variables(formula))
    schema = design.schema
    if schema is not None:
        schema = Schema(formula, schema.state, {v: c for v, c in schema.codings.items() if v in predictors}, {},
                        schema.fixed_columns, schema.fixed_names)
    frame = design.frame[[v for v in formula.variables() if v in design.frame.columns]]
    return Design(formula, design.y, design.X, design.fixed_names, [], design.rows, 0, {},
                  [*formula.notes, *design.fixed_notes], frame, design.offset, design.weights, schema,
                  design.offset_given, fixed_notes=list(design.fixed_notes), positions=design.positions,
                  family=design.family)
