// Random-effects table: Group, Term, Variance, Std.Dev., the profile interval of each SD, correlation
// and (a linear model's) sigma (beside the Std.Dev. it is for, and named for it: it is not the variance's),
// which the kernel computes when asked, then Corr and Share.
// While the profile runs, a line under the table says how far it is and offers to stop it.
import { h } from "../dom";
import { formatCorr, formatShare, formatVariance } from "../format";
import type { FitSummary, VarianceIntervals, VarianceRow } from "../model";
import { changeCell } from "./changeCell";

function isCorrelation(r: VarianceRow): boolean {
  return r.share === null && r.corr !== null;
}

type Column = { label: string; format: (r: VarianceRow) => string; title?: string };

/** The columns before the interval column (which is for the Std.Dev.), and after it. */
const BEFORE: Column[] = [
  { label: "Variance", format: (r) => (isCorrelation(r) ? "" : formatVariance(r.variance)) },
  { label: "Std.Dev.", format: (r) => (isCorrelation(r) ? "" : formatVariance(r.std_dev)) },
];
const AFTER: Column[] = [
  { label: "Corr", format: (r) => formatCorr(r.corr) },
  { label: "Share", format: (r) => formatShare(r.share), title: "Share of the total variance" },
];

const key = (r: { group: string; term: string }): string => `${r.group}\u0000${r.term}`;

/** The intervals of this fit, or null when they are for another fit. */
function intervalsOf(
  current: FitSummary,
  intervals: VarianceIntervals | null,
): VarianceIntervals | null {
  return intervals && intervals.fit_id === current.id ? intervals : null;
}

/** The interval's ends, "14.3814 –" over "37.7161" (its text reads "14.3814 – 37.7161"): the column is
 * no wider than one number, so the Corr and Share columns after it stay in the panel. */
function formatInterval(r: VarianceRow, lower: number | null, upper: number | null): Node[] {
  const f = isCorrelation(r) ? formatCorr : formatVariance;
  if (lower === null && upper === null) return [];
  return [
    h("span", { class: "mw-interval-end" }, `${f(lower)} –`),
    document.createTextNode(" "),
    h("span", { class: "mw-interval-end" }, f(upper)),
  ];
}

/** How far a running profile is, as the status line's text and bar show it. */
function fillProgress(status: HTMLElement, shown: VarianceIntervals): void {
  const text = status.querySelector<HTMLElement>(".mw-interval-message");
  if (text) text.textContent = shown.message || "Profiling the likelihood…";
  const bar = status.querySelector<HTMLProgressElement>("progress");
  if (bar && shown.total > 0) {
    bar.max = shown.total;
    bar.value = Math.min(shown.done, shown.total);
    bar.setAttribute("aria-valuetext", `${shown.done} of ${shown.total} interval ends`);
  }
}

/** Under the table: a running profile's progress and Stop button, or why the last one ended early. */
function intervalStatus(shown: VarianceIntervals | null, stop: () => void): HTMLElement | null {
  const state = shown?.state;
  if (!shown || (state !== "running" && state !== "stopped" && state !== "error")) return null;
  const status = h(
    "div",
    {
      class: "mw-interval-status",
      "data-testid": "variance-intervals-status",
      "data-state": state,
      "data-fit-id": shown.fit_id,
      role: state === "error" ? "alert" : "status",
    },
    h("span", { class: "mw-interval-message" }, shown.message),
  );
  if (state !== "running") return status;
  const button = h(
    "button",
    {
      type: "button",
      class: "mw-button mw-small mw-interval-stop",
      "data-testid": "variance-intervals-stop",
      title: "Stop profiling; the 95% CI button starts it again",
    },
    "Stop",
  );
  button.addEventListener("click", () => {
    button.disabled = true;
    button.textContent = "Stopping…";
    stop();
  });
  status.append(
    h("progress", {
      class: "mw-interval-progress",
      "data-testid": "variance-intervals-progress",
      "aria-label": "Interval ends found",
    }),
    button,
  );
  fillProgress(status, shown);
  return status;
}

/** Show a running profile's new progress in place (the Stop button keeps its focus and any click
 *  under way); false when the table must be drawn again instead. */
export function updateIntervalProgress(
  root: HTMLElement,
  current: FitSummary | null | undefined,
  intervals: VarianceIntervals | null,
): boolean {
  if (!current || !intervals || intervals.state !== "running" || intervals.fit_id !== current.id) {
    return false;
  }
  const status = root.querySelector<HTMLElement>('[data-testid="variance-intervals-status"]');
  if (status?.dataset.state !== "running" || status.dataset.fitId !== String(intervals.fit_id)) {
    return false;
  }
  fillProgress(status, intervals);
  return true;
}

/** The interval column's header: what it is an interval of ("Std.Dev.", or "SD / Corr" when the
 * model has correlations) and a button that asks for the intervals, then their level. */
function intervalHeader(
  shown: VarianceIntervals | null,
  ask: () => void,
  sigma: boolean,
  corr: boolean,
): HTMLElement {
  const label = `${Math.round((shown?.level ?? 0.95) * 100)}% CI`;
  const state = shown?.state ?? "idle";
  // A binomial or Poisson model has no residual row, so no sigma to profile.
  const parameters = sigma ? "SD, correlation and sigma" : "SD and correlation";
  const what = `profile-likelihood interval of each ${parameters} (as lme4's confint)`;
  const button =
    state === "done"
      ? label
      : h(
          "button",
          {
            type: "button",
            class: "mw-button mw-button-quiet mw-small",
            "data-testid": "variance-intervals-button",
            disabled: state === "running" ? true : null,
            title:
              state === "error"
                ? `${shown?.message ?? "The profile failed."} Click to try again.`
                : state === "stopped"
                  ? `The last profile was stopped. Compute the ${what} again`
                  : `Compute the ${what}; it takes longer than the fit`,
            "aria-label": state === "running" ? "Computing the intervals" : `Compute ${label}s`,
            onclick: ask,
          },
          label,
        );
  return h(
    "th",
    {
      scope: "col",
      class: "mw-num",
      "data-testid": "variance-interval-head",
      title: state === "done" ? `The ${what}` : null,
    },
    `${corr ? "SD / Corr" : "Std.Dev."} `,
    h("br"), // two lines: the column is no wider than its numbers
    button,
  );
}

export function varianceTable(
  current: FitSummary,
  previous: FitSummary | null,
  intervals: VarianceIntervals | null = null,
  ask: () => void = () => {},
  stop: () => void = () => {},
): HTMLElement {
  const shown = intervalsOf(current, intervals);
  const ends = new Map((shown?.state === "done" ? shown.rows : []).map((r) => [key(r), r]));
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
      BEFORE.map((c) => changeCell(c.format(r), old ? c.format(old) : null)),
      h(
        "td",
        { class: "mw-num mw-interval", "data-testid": "variance-interval" },
        formatInterval(r, ends.get(key(r))?.lower ?? null, ends.get(key(r))?.upper ?? null),
      ),
      AFTER.map((c) => changeCell(c.format(r), old ? c.format(old) : null)),
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
        BEFORE.map((c) =>
          h("th", { scope: "col", class: "mw-num", title: c.title ?? null }, c.label),
        ),
        intervalHeader(
          shown,
          ask,
          (current.variance ?? []).some((r) => r.group === "Residual"),
          (current.variance ?? []).some(isCorrelation),
        ),
        AFTER.map((c) =>
          h("th", { scope: "col", class: "mw-num", title: c.title ?? null }, c.label),
        ),
      ),
    ),
    h("tbody", null, rows),
  );
  return h("div", { class: "mw-scroll mw-table-wrap" }, table, intervalStatus(shown, stop));
}
