"""The page and the kernel agree: its payload types and test data are written from Python and must not drift.

``scripts/make_contracts.py`` writes ``js/src/payloads.ts`` (from ``mixwidget/views/payload_types.py``) and
``js/test/fixtures.json`` (real payloads of real fits); run it again when these tests fail. Real payloads are
checked against their description, and every number that Python may send as null is nullable there.
"""

from __future__ import annotations

import importlib.util
import json
import math
import types
import typing
from pathlib import Path
from typing import Any

import pytest

import mixwidget
from mixwidget.views import comparison_view, keynumbers, payloads
from mixwidget.views.columns import column_info
from mixwidget.views.payload_types import PAYLOAD_TYPES, Comparison, FitStatus, FitSummary, KeyNumbers

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_contracts", ROOT / "scripts" / "make_contracts.py")
contracts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(contracts)

FITS = [
    ("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", True),
    ("like ~ sex + PrivPub", True),
    ("like ~ sex + (sex | school)", False),  # a correlation row
]


def conforms(value: Any, tp: Any, where: str = "payload") -> list[str]:
    """Where ``value`` does not fit the annotation ``tp`` (empty when it does)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return conforms(value, args[0], where)
    if origin in (typing.Union, types.UnionType):
        return [] if any(not conforms(value, a, where) for a in args) else [f"{where}: {value!r} is not {tp}"]
    if tp is type(None):
        ok = value is None
    elif tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp in (str, bool):
        ok = isinstance(value, tp)
    elif origin is typing.Literal:
        ok = value in args
    elif origin is list:
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [p for i, v in enumerate(value) for p in conforms(v, args[0], f"{where}[{i}]")]
    elif origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        return [p for k, v in value.items() for p in conforms(k, args[0], where) + conforms(v, args[1], f"{where}.{k}")]
    elif typing.is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        hints = typing.get_type_hints(tp, include_extras=True)
        problems = [f"{where}: no {k!r}" for k in tp.__required_keys__ - value.keys()]
        problems += [f"{where}: {k!r} is not in {tp.__name__}" for k in value.keys() - hints.keys()]
        return problems + [p for k, v in value.items() if k in hints for p in conforms(v, hints[k], f"{where}.{k}")]
    else:
        raise TypeError(tp)
    return [] if ok else [f"{where}: {value!r} is not {getattr(tp, '__name__', tp)}"]


def differences(a: Any, b: Any, where: str = "fixtures") -> list[str]:
    """Where two JSON values differ (numbers to 1e-6 relative: fits may differ in the last bits by machine)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a.keys() ^ b.keys())}"]
        # "$schema" names the Vega-Lite version the installed Altair writes for (6.1 with Altair 6.0, the
        # lowest allowed; the bundled page draws them all): what the page is sent is the rest of the spec.
        return [d for k in a if k != "$schema" for d in differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items, now {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    same = math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12) if numbers else a == b
    return [] if same else [f"{where}: {a!r}, now {b!r}"]


@pytest.fixture(scope="module")
def fits(science):
    return [mixwidget.fit(formula, science, reml=reml) for formula, reml in FITS]


def real_payloads(fits, science) -> list[tuple[Any, Any]]:
    """(payload, its type) for everything the explorer sends that has a description."""
    out: list[tuple[Any, Any]] = [(payloads.fit_summary(f, i), FitSummary) for i, f in enumerate(fits)]
    out += [(comparison_view.comparison_payload(fits[:n], [f"M{i}" for i in range(n)]), Comparison) for n in (1, 3)]
    out += [(keynumbers.key_numbers(fits[0], fits[1], fits[0].without_groups()), KeyNumbers),
            (keynumbers.key_numbers(fits[2]), KeyNumbers)]
    out += [(c, PAYLOAD_TYPES[0]) for c in column_info(science)]
    out += [(payloads.status("fitting", message="Fitting"), FitStatus),
            (payloads.status("stopped", 12.5, "x", "y", True), FitStatus)]
    return out


def test_the_pages_payload_types_are_generated_from_python():
    shipped = (ROOT / "js" / "src" / "payloads.ts").read_text(encoding="utf-8")
    assert shipped == contracts.typescript(PAYLOAD_TYPES), "run: python scripts/make_contracts.py"


def test_the_pages_test_data_are_what_python_sends_now():
    text = (ROOT / "js" / "test" / "fixtures.json").read_text(encoding="utf-8")
    shipped = json.loads(text)
    assert text == contracts.fixtures_text(shipped)  # written in the layout the page's formatter keeps
    assert differences(shipped, contracts.fixture_data()) == [], "run: python scripts/make_contracts.py"


def test_the_least_squares_fixture_has_rs_numbers():
    # R 4.2: coef(summary(lm(like ~ sex + PrivPub, science))) gives 4.7402 / 0.0996 for the intercept
    ols = json.loads((ROOT / "js" / "test" / "fixtures.json").read_text(encoding="utf-8"))["olsFit"]
    intercept = ols["fixed"][0]
    assert (round(intercept["estimate"], 4), round(intercept["std_error"], 4)) == (4.7402, 0.0996)


def test_real_payloads_fit_their_description(fits, science):
    problems = [p for value, tp in real_payloads(fits, science) for p in conforms(value, tp)]
    assert problems == []


def test_every_number_python_may_send_as_null_is_nullable_in_the_description(fits, science, monkeypatch):
    # Every number that goes through the NaN/infinity guard comes out null here: its field must allow it.
    for module, name in ((payloads, "_number"), (comparison_view, "_number"), (keynumbers, "_finite")):
        monkeypatch.setattr(module, name, lambda x: None)
    problems = [p for value, tp in real_payloads(fits, science) for p in conforms(value, tp)]
    assert problems == []


def test_the_checker_sees_a_number_typed_as_never_null():
    class Strict(typing.TypedDict):
        loglik: float

    assert conforms({"loglik": None}, Strict) == ["payload.loglik: None is not float"]
    assert conforms({"loglik": 1.0, "extra": 1}, Strict) == ["payload: 'extra' is not in Strict"]
