// The builder's "Fixed effects" section: a chip per column, chips for terms that are not plain
// columns (removable), the intercept, and the interaction adder.
import { h } from "../dom";
import { type FormulaState, formulaVariables, quoteName } from "../formula";
import type { ColumnInfo } from "../model";
import { chip } from "./chip";
import { interactionAdder } from "./interactionAdder";

function columnChip(
  c: ColumnInfo,
  state: FormulaState,
  commit: (next: FormulaState) => void,
): HTMLElement {
  const text = quoteName(c.name);
  const on = state.fixed.includes(text);
  return chip({
    label: c.name,
    pressed: on,
    testid: "fixed-chip",
    key: `fixed-${c.name}`,
    title:
      c.kind === "categorical"
        ? `${c.name}: categorical, ${c.levels} levels${c.integer_codes ? " (coded as integers)" : ""}`
        : `${c.name}: numeric`,
    idHint: c.id_hint ?? "",
    onClick: () =>
      commit({
        ...state,
        fixed: on ? state.fixed.filter((t) => t !== text) : [...state.fixed, text],
      }),
  });
}

export function fixedSection(
  state: FormulaState,
  columns: ColumnInfo[],
  commit: (next: FormulaState) => void,
): HTMLElement {
  const responseVars = new Set(formulaVariables(`${state.response} ~ 1`));
  const columnTexts = new Set(columns.map((c) => quoteName(c.name)));
  const chips = columns
    .filter((c) => !responseVars.has(c.name))
    .map((c) => columnChip(c, state, commit));
  const extras = state.fixed
    .filter((t) => !columnTexts.has(t))
    .map((t) =>
      chip({
        label: t,
        pressed: true,
        removable: true,
        testid: "fixed-extra-chip",
        key: `fixed-extra-${t}`,
        onClick: () => commit({ ...state, fixed: state.fixed.filter((x) => x !== t) }),
      }),
    );

  const intercept = h("input", {
    type: "checkbox",
    checked: state.intercept,
    "data-testid": "fixed-intercept",
    "data-key": "fixed-intercept",
  });
  intercept.addEventListener("change", () => commit({ ...state, intercept: intercept.checked }));

  return h(
    "section",
    { class: "mw-section" },
    h("h4", { class: "mw-section-title" }, "Fixed effects"),
    h("div", { class: "mw-chips", role: "group", "aria-label": "Fixed effects" }, chips),
    extras.length > 0 ? h("div", { class: "mw-chips mw-chips-extra" }, extras) : null,
    h(
      "div",
      { class: "mw-row" },
      h("label", { class: "mw-check" }, intercept, "Intercept"),
      interactionAdder(state, commit),
    ),
  );
}
