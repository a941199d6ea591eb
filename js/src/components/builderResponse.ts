// The builder's "Response" section: a drop-down of the numeric columns and of the two-valued ones
// (TRUE/FALSE, two-level text), which a binomial model takes as its response.
import { h } from "../dom";
import { type FormulaState, quoteName } from "../formula";
import type { ColumnInfo } from "../model";
import { select } from "./chip";

/** The columns that can be a response: numbers, and two values that are not numbers (binomial). */
export function responseColumns(columns: ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => c.kind === "numeric" || c.binary === true);
}

export function responseSection(
  state: FormulaState,
  columns: ColumnInfo[],
  commit: (next: FormulaState) => void,
): HTMLElement {
  const options = responseColumns(columns).map((c) => ({
    value: quoteName(c.name),
    text: c.kind === "numeric" ? c.name : `${c.name} (two values: binomial)`,
  }));
  return h(
    "section",
    { class: "mw-section" },
    h("h4", { class: "mw-section-title" }, "Response"),
    select(
      { testid: "response-select", key: "response", label: "Response variable" },
      options,
      state.response,
      (v) => commit({ ...state, response: v }),
    ),
  );
}
