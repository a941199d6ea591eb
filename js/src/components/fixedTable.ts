// Fixed-effects table: Term, Estimate, Std. Error, t value, df, p (z value and p for glmer fits, and
// for a logit or log link the odds or rate ratio exp(Estimate) with its Wald 95% interval).
import { h } from "../dom";
import { formatDf, formatEstimate, formatT, pText } from "../format";
import type { FitSummary, FixedRow } from "../model";
import { changeCell } from "./changeCell";

type Column = {
  label: string;
  format: (r: FixedRow) => string;
  title?: string;
  className?: string;
};

const ESTIMATE: Column = { label: "Estimate", format: (r) => formatEstimate(r.estimate) };
const STD_ERROR: Column = { label: "Std. Error", format: (r) => formatEstimate(r.std_error) };

const COLUMNS: Column[] = [
  ESTIMATE,
  STD_ERROR,
  { label: "t value", format: (r) => formatT(r.t_value) },
  { label: "df", format: (r) => formatDf(r.df), title: "Satterthwaite degrees of freedom" },
  { label: "p", format: (r) => pText(r.p_text, r.p_value), title: "Pr(>|t|)" },
];

const P_Z: Column = { label: "p", format: (r) => pText(r.p_text, r.p_value), title: "Pr(>|z|)" };

/** A binomial or Poisson model's columns, as glmer prints them: Wald z, no df. */
const Z_COLUMNS: Column[] = [
  ESTIMATE,
  STD_ERROR,
  { label: "z value", format: (r) => formatT(r.t_value), title: "Wald z: estimate / SE" },
  P_Z,
];

/** exp(x) with three significant digits (two decimals from 1 to 100). */
function formatRatio(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "–";
  return x >= 1 && x < 100 ? x.toFixed(2) : x.toPrecision(3);
}

/** The odds ratio (logit link) or rate ratio (log link) column, else null: exp(Estimate) and its
 * Wald 95% interval exp(Estimate ± 1.96 SE); the intercept's exp is a baseline odds or rate, not a ratio. */
export function ratioColumn(family: string | undefined, link: string | undefined): Column | null {
  const name =
    family === "binomial" && link === "logit"
      ? "Odds ratio"
      : family === "poisson" && link === "log"
        ? "Rate ratio"
        : null;
  if (name === null) return null;
  return {
    label: `${name}\n(95% CI)`,
    className: "mw-num mw-ratio", // the interval goes under the ratio: the table stays in its panel
    title: `exp(Estimate), with its Wald 95% interval exp(Estimate ± 1.96 SE); the intercept has none`,
    format: (r) => {
      if (r.term === "(Intercept)" || r.estimate === null || r.std_error === null) return "";
      const [e, se] = [r.estimate, r.std_error];
      const ends = `${formatRatio(Math.exp(e - 1.96 * se))} – ${formatRatio(Math.exp(e + 1.96 * se))}`;
      return `${formatRatio(Math.exp(e))}\n(${ends})`;
    },
  };
}

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
  const generalized = current.family !== undefined && current.family !== "gaussian";
  const ratio = generalized ? ratioColumn(current.family, current.link) : null;
  const columns = generalized ? [...Z_COLUMNS, ...(ratio ? [ratio] : [])] : COLUMNS;
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
      columns.map((c) => changeCell(c.format(r), old ? c.format(old) : null, c.className)),
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
        columns.map((c) =>
          h(
            "th",
            { scope: "col", class: c.className ?? "mw-num", title: c.title ?? null },
            c.label,
          ),
        ),
      ),
    ),
    h("tbody", null, rows),
  );
  return h("div", { class: "mw-scroll mw-table-wrap" }, table);
}
