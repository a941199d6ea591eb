// Fixed-effects table: Term, Estimate, Std. Error, t value, df, p.
import { h } from "../dom";
import { formatDf, formatEstimate, formatT, pText } from "../format";
import type { FitSummary, FixedRow } from "../model";
import { changeCell } from "./changeCell";

const COLUMNS: { label: string; format: (r: FixedRow) => string; title?: string }[] = [
  { label: "Estimate", format: (r) => formatEstimate(r.estimate) },
  { label: "Std. Error", format: (r) => formatEstimate(r.std_error) },
  { label: "t value", format: (r) => formatT(r.t_value) },
  { label: "df", format: (r) => formatDf(r.df), title: "Satterthwaite degrees of freedom" },
  { label: "p", format: (r) => pText(r.p_text, r.p_value), title: "Pr(>|t|)" },
];

/** The term the key-numbers strip follows, and how to choose another (null: let go). */
export interface FixedFocus {
  term: string | null;
  choose(term: string | null): void;
}

export function fixedTable(
  current: FitSummary,
  previous: FitSummary | null,
  focus?: FixedFocus,
): HTMLElement {
  const before = new Map((previous?.fixed ?? []).map((r) => [r.term, r]));
  const rows = (current.fixed ?? []).map((r) => {
    const old = before.get(r.term);
    const focused = focus?.term === r.term;
    const toggle = (): void => focus?.choose(focused ? null : r.term);
    const hints = [
      previous && !old ? "not in the previous fit" : "",
      focus
        ? focused
          ? "followed in the strip: click to let go"
          : "click to follow in the strip"
        : "",
    ].filter(Boolean);
    const classes = [previous && !old ? "mw-new-row" : "", focused ? "mw-focus" : ""].filter(
      Boolean,
    );
    return h(
      "tr",
      {
        "data-term": r.term,
        class: classes.join(" ") || null,
        title: hints.join("; ") || null,
        tabindex: focus ? 0 : null,
        "aria-pressed": focus ? String(focused) : null,
        onclick: focus ? toggle : null,
        onkeydown: focus
          ? (ev: Event) => {
              const key = (ev as KeyboardEvent).key;
              if (key !== "Enter" && key !== " ") return;
              ev.preventDefault();
              toggle();
            }
          : null,
      },
      h("th", { scope: "row", class: "mw-term" }, r.term),
      COLUMNS.map((c) => changeCell(c.format(r), old ? c.format(old) : null)),
    );
  });
  const table = h(
    "table",
    { class: "mw-table", "data-testid": "fixed-table" },
    h("caption", null, "Fixed effects"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, "Term"),
        COLUMNS.map((c) =>
          h("th", { scope: "col", class: "mw-num", title: c.title ?? null }, c.label),
        ),
      ),
    ),
    h("tbody", null, rows),
  );
  return h("div", { class: "mw-scroll mw-table-wrap" }, table);
}
