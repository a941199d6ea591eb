// Random-effects table: Group, Term, Variance, Std.Dev., Corr, Share.
import { h } from "../dom";
import { formatCorr, formatShare, formatVariance } from "../format";
import type { FitSummary, VarianceRow } from "../model";
import { changeCell } from "./changeCell";

function isCorrelation(r: VarianceRow): boolean {
  return r.share === null && r.corr !== null;
}

const COLUMNS: { label: string; format: (r: VarianceRow) => string; title?: string }[] = [
  { label: "Variance", format: (r) => (isCorrelation(r) ? "" : formatVariance(r.variance)) },
  { label: "Std.Dev.", format: (r) => (isCorrelation(r) ? "" : formatVariance(r.std_dev)) },
  { label: "Corr", format: (r) => formatCorr(r.corr) },
  { label: "Share", format: (r) => formatShare(r.share), title: "Share of the total variance" },
];

const key = (r: { group: string; term: string }): string => `${r.group}\u0000${r.term}`;

export function varianceTable(current: FitSummary, previous: FitSummary | null): HTMLElement {
  const before = new Map((previous?.variance ?? []).map((r) => [key(r), r]));
  const rows = (current.variance ?? []).map((r) => {
    const old = before.get(key(r));
    return h(
      "tr",
      {
        "data-group": r.group,
        "data-term": r.term ?? "",
        class:
          [isCorrelation(r) ? "mw-corr-row" : "", previous && !old ? "mw-new-row" : ""]
            .join(" ")
            .trim() || null,
        title: previous && !old ? "not in the previous fit" : null,
      },
      h("th", { scope: "row", class: "mw-group" }, r.group),
      h("td", { class: "mw-term" }, r.term ?? ""),
      COLUMNS.map((c) => changeCell(c.format(r), old ? c.format(old) : null)),
    );
  });
  const table = h(
    "table",
    { class: "mw-table", "data-testid": "variance-table" },
    h("caption", null, "Random effects"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, "Group"),
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
