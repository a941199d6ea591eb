// The builder's "Response" section: a drop-down of the numeric columns.
import { h } from "../dom";
import { type FormulaState, quoteName } from "../formula";
import type { ColumnInfo } from "../model";
import { select } from "./chip";

export function responseSection(
  state: FormulaState,
  columns: ColumnInfo[],
  commit: (next: FormulaState) => void,
): HTMLElement {
  const numeric = columns.filter((c) => c.kind === "numeric");
  const options = numeric.map((c) => ({ value: quoteName(c.name), text: c.name }));
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
