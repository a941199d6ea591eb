// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FAMILY_LINKS } from "../src/components/familySelect";
import type { FixedRow, LrtRow, Traits } from "../src/model";
import widget from "../src/widget";
import { FakeModel } from "./fakeModel";
import {
  comparison,
  familyLinks,
  mixedFit,
  olsFit,
  scienceColumns,
  scienceFormula,
  variants,
} from "./fixtures";

let el: HTMLElement;
let cleanup: (() => void) | undefined;

function mount(traits: Partial<Traits>): FakeModel {
  const model = new FakeModel({ columns: scienceColumns, formula: scienceFormula, ...traits });
  el = document.createElement("div");
  document.body.append(el);
  cleanup = widget.render({ model, el });
  return model;
}

const q = <T extends HTMLElement = HTMLElement>(testid: string): T => {
  const found = el.querySelector<T>(`[data-testid="${testid}"]`);
  if (!found) throw new Error(`no ${testid}`);
  return found;
};
const qa = (testid: string): HTMLElement[] => [
  ...el.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`),
];

function type(text: string, key?: string): HTMLInputElement {
  const input = q<HTMLInputElement>("formula-input");
  input.focus();
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  if (key) input.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
  return input;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  cleanup?.();
  el.remove();
  vi.useRealTimers();
});

describe("layout", () => {
  it("renders every required part", () => {
    mount({ current: mixedFit, variants });
    for (const id of [
      "formula-input",
      "fit-status",
      "reml-toggle",
      "variance-table",
      "fixed-table",
      "pin-button",
      "charts",
      "builder",
      "compare",
    ]) {
      expect(qa(id)).toHaveLength(1);
    }
    expect(q("charts").className).toBe("mw-charts");
    expect(q("charts").childElementCount).toBe(0);
    expect(el.querySelector(".mixwidget style")?.textContent).toContain(".mixwidget");
  });

  it("names every chart in the Charts menu by a readable title", () => {
    const names = ["effects", "variance", "shrinkage", "caterpillar", "lines", "slopes2d"];
    const choices = [...names, "residuals", "prediction", "simulation"];
    mount({ chart_names: names, chart_choices: choices });
    const items = [...q("chart-picker").querySelectorAll<HTMLElement>("li[data-chart-choice]")];
    const labels = items.map((li) => li.querySelector("label")?.textContent?.trim());
    expect(labels).toEqual([
      "Fixed effects",
      "Variance components",
      "Shrinkage",
      "Group effects",
      "Fitted lines per group",
      "Intercepts and slopes",
      "Residuals",
      "Predictions",
      "Check by simulation",
    ]);
  });

  it("cleans up its listeners", () => {
    const model = mount({ current: mixedFit });
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup?.();
    cleanup = undefined;
    expect(model.listenerCount()).toBe(0);
  });
});

describe("formula bar", () => {
  it("shows the applied formula and applies on Enter", () => {
    const model = mount({});
    const input = q<HTMLInputElement>("formula-input");
    expect(input.value).toBe(scienceFormula);
    type("like ~ sex + (1 | school)", "Enter");
    expect(model.get("formula")).toBe("like ~ sex + (1 | school)");
    expect(model.saved[model.saved.length - 1]).toEqual({ formula: "like ~ sex + (1 | school)" });
    expect(q("fit-error").hidden).toBe(true);
  });

  it("is a text area that applies on Enter and Shift+Enter and keeps no line breaks", () => {
    const model = mount({});
    const input = q<HTMLTextAreaElement>("formula-input");
    expect(input.tagName).toBe("TEXTAREA");
    expect(input.getAttribute("aria-label")).toBe("Model formula");
    type("like ~ sex +\n  PrivPub + (1 | school)");
    expect(input.value).toBe("like ~ sex +   PrivPub + (1 | school)");
    const shiftEnter = new KeyboardEvent("keydown", {
      key: "Enter",
      shiftKey: true,
      cancelable: true,
    });
    input.dispatchEvent(shiftEnter);
    expect(shiftEnter.defaultPrevented).toBe(true);
    expect(model.get("formula")).toBe("like ~ sex +   PrivPub + (1 | school)");
  });

  it("applies on blur and reverts on Escape", () => {
    const model = mount({});
    const input = type("like ~ PrivPub");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(input.value).toBe(scienceFormula);
    type("like ~ PrivPub");
    input.dispatchEvent(new FocusEvent("blur"));
    expect(model.get("formula")).toBe("like ~ PrivPub");
  });

  it("does not send a broken formula and says why", () => {
    const model = mount({});
    type("like ~ sex + (1 | school", "Enter");
    expect(model.get("formula")).toBe(scienceFormula);
    expect(model.saved).toHaveLength(0);
    const error = q("fit-error");
    expect(error.hidden).toBe(false);
    expect(error.textContent).toContain(
      "unbalanced parenthesis: '(' at character 14 is never closed",
    );
  });

  it("flags unknown columns with a suggestion", () => {
    const model = mount({});
    type("like ~ sex + (1 | shcool)");
    expect(q("fit-error").hidden).toBe(true);
    vi.advanceTimersByTime(700);
    expect(q("fit-error").textContent).toContain(
      "column 'shcool' not in data; did you mean 'school'?",
    );
    q<HTMLInputElement>("formula-input").dispatchEvent(
      new KeyboardEvent("keydown", { key: "Enter" }),
    );
    expect(model.saved).toHaveLength(0);
    type("like ~ sex + (1 | school)");
    expect(q("fit-error").hidden).toBe(true);
  });

  it("shows errors from Python and updates when Python sets the formula", () => {
    const model = mount({ current: mixedFit });
    model.update("error", "fit failed: singular matrix");
    expect(q("fit-error").hidden).toBe(false);
    expect(q("fit-error").textContent).toContain("fit failed");
    expect(qa("fixed-table")).toHaveLength(1);
    model.update("error", "");
    expect(q("fit-error").hidden).toBe(true);
    model.update("formula", "like ~ sex + (1 | Class)");
    expect(q<HTMLInputElement>("formula-input").value).toBe("like ~ sex + (1 | Class)");
  });
});

describe("status", () => {
  it("ticks while fitting and ends with done", () => {
    const model = mount({
      current: mixedFit,
      status: { state: "idle", elapsed_ms: 35, message: "" },
    });
    expect(q("fit-status").textContent).toBe("Fitted in 35 ms · done");
    model.update("status", { state: "fitting", elapsed_ms: null, message: "" });
    expect(q("fit-status").textContent).toMatch(/^Fitting… \d+ ms$/);
    vi.advanceTimersByTime(300);
    const ms = Number(/(\d+) ms/.exec(q("fit-status").textContent ?? "")?.[1]);
    expect(ms).toBeGreaterThanOrEqual(300);
    model.update("status", { state: "idle", elapsed_ms: 120, message: "" });
    expect(q("fit-status").textContent).toBe("Fitted in 120 ms · done");
    model.update("status", { state: "error", elapsed_ms: 5, message: "bad" });
    expect(q("fit-status").textContent).toMatch(/done$/);
  });

  it("shows fitting as soon as a change is sent, until Python answers", () => {
    const model = mount({
      current: mixedFit,
      status: { state: "idle", elapsed_ms: 35, message: "" },
    });
    type("like ~ sex + (1 | school)", "Enter");
    expect(q("fit-status").textContent).toMatch(/^Fitting/);
    model.update("status", { state: "fitting", elapsed_ms: null, message: "" });
    model.update("status", { state: "idle", elapsed_ms: 40, message: "" });
    expect(q("fit-status").textContent).toBe("Fitted in 40 ms · done");
  });

  it("falls back to the synced status when Python does not answer", () => {
    mount({ current: mixedFit, status: { state: "idle", elapsed_ms: 35, message: "" } });
    type("like ~ sex + (1 | school)", "Enter");
    expect(q("fit-status").textContent).toMatch(/^Fitting/);
    vi.advanceTimersByTime(2500);
    expect(q("fit-status").textContent).toBe("Fitted in 35 ms · done");
  });

  it("offers Stop while a stoppable fit runs and says what was stopped", () => {
    const model = mount({
      current: mixedFit,
      status: { state: "idle", elapsed_ms: 35, message: "" },
    });
    expect(q("fit-stop").hidden).toBe(true);
    expect(q("fit-stopped").hidden).toBe(true);
    model.update("status", { state: "fitting", elapsed_ms: null, message: "", stoppable: true });
    expect(q("fit-stop").hidden).toBe(false);
    q("fit-stop").click();
    expect(model.sent).toEqual([{ kind: "cancel" }]);
    const note = "Stopped the fit of like ~ (0 + Class | State) after 1.2 s";
    model.update("status", { state: "stopped", elapsed_ms: 1200, message: "", stopped: note });
    expect(q("fit-status").textContent).toBe("Stopped · done");
    expect(q("fit-stop").hidden).toBe(true);
    expect(q("fit-stopped").textContent).toBe(note);
    model.update("status", { state: "idle", elapsed_ms: 40, message: "", stopped: "" });
    expect(q("fit-stopped").hidden).toBe(true);
  });

  it("has no Stop button for fits that cannot be stopped", () => {
    const model = mount({ current: mixedFit });
    model.update("status", { state: "fitting", elapsed_ms: null, message: "", stoppable: false });
    expect(q("fit-stop").hidden).toBe(true);
  });

  it("reads idle with no fit yet as done", () => {
    mount({});
    expect(q("fit-status").textContent).toMatch(/done$/);
  });
});

describe("variants, REML and pins", () => {
  it("applies a variant", () => {
    const model = mount({ variants });
    const buttons = qa("variant-button");
    expect(buttons.map((b) => b.textContent)).toEqual(variants.map((v) => v.label));
    buttons.find((b) => b.textContent === "No random effects (OLS)")?.click();
    expect(model.get("formula")).toBe("like ~ sex + PrivPub");
    expect(q<HTMLInputElement>("formula-input").value).toBe("like ~ sex + PrivPub");
  });

  it("toggles REML", () => {
    const model = mount({ reml: true });
    const box = q<HTMLInputElement>("reml-toggle");
    expect(box.checked).toBe(true);
    box.click();
    expect(model.get("reml")).toBe(false);
    expect(model.saved[model.saved.length - 1]).toEqual({ reml: false });
  });

  it("offers every family and link the kernel fits, and sends both at once", () => {
    expect(FAMILY_LINKS.map(([family, link]) => [family, link])).toEqual(familyLinks);
    const model = mount({ family: "gaussian", family_hint: { suggested: "binomial", note: "" } });
    const select = q<HTMLSelectElement>("family-select");
    expect(select.value).toBe("gaussian:identity");
    const labels = [...select.options].map((o) => o.textContent);
    expect(labels).toContain("Binomial · logit (suggested)");
    expect(labels).toContain("Binomial · probit");
    select.value = "binomial:probit";
    select.dispatchEvent(new Event("change"));
    expect(model.saved[model.saved.length - 1]).toEqual({ family: "binomial", link: "probit" });
    // Python's reply: another family's link left in the trait means that family's default link.
    model.update("family", "poisson");
    expect(select.value).toBe("poisson:log");
    model.update("link", "sqrt");
    expect(select.value).toBe("poisson:sqrt");
  });

  it("sends pin, unpin and clear messages", () => {
    const model = mount({ current: mixedFit, pinned: [olsFit, mixedFit], comparison });
    q("pin-button").click();
    qa("unpin-button")[1]?.click();
    q("clear-pins").click();
    expect(model.sent).toEqual([
      { kind: "pin" },
      { kind: "unpin", index: 1 },
      { kind: "clear_pins" },
    ]);
  });

  it("shows pinned fits side by side with LRT rows", () => {
    mount({ current: mixedFit, pinned: [olsFit, mixedFit], comparison });
    const table = q("compare-table");
    const heads = [...table.querySelectorAll<HTMLElement>("thead th[data-model]")].map(
      (h) => h.dataset.model,
    );
    expect(heads).toEqual(["M1", "M2"]);
    const row = table.querySelector('tr[data-term="PrivPubpublic"]');
    expect([...(row?.querySelectorAll("td") ?? [])].map((td) => td.textContent)).toEqual([
      "3.759 (0.105)",
      "2.217 (0.186)",
    ]);
    expect(table.querySelector('tr[data-stat="AIC"]')?.textContent).toContain("5558.5");
    const lrt = qa("lrt-row");
    expect(lrt).toHaveLength(1);
    expect(lrt[0]?.textContent).toContain("M2 vs M1");
    expect(qa("lrt-note")).toHaveLength(0); // nothing to add: the models nest
    expect(q("lrt-method").textContent).toContain("refit each model by maximum likelihood (ML)");
  });

  it("copes with an empty comparison", () => {
    mount({ current: mixedFit, comparison: {} });
    expect(qa("compare-table")).toHaveLength(0);
    expect(q<HTMLButtonElement>("clear-pins").disabled).toBe(true);
  });
});

describe("summary tables", () => {
  it("prints the random effects like lme4", () => {
    mount({ current: mixedFit });
    const rows = [...q("variance-table").querySelectorAll("tbody tr")] as HTMLElement[];
    expect(rows.map((r) => [r.dataset.group, r.dataset.term])).toEqual([
      ["school:class", "(Intercept)"],
      ["school", "(Intercept)"],
      ["Residual", ""],
    ]);
    const values = (r: Element | undefined) =>
      [...(r?.querySelectorAll("td .value") ?? [])].map((v) => v.textContent);
    expect(values(rows[0])).toEqual(["0.3206", "0.5662", "", "9.5%"]); // the interval cell has no .value
    expect(values(rows[1])).toEqual(["0.0000", "0.0000", "", "0.0%"]);
    expect(values(rows[2])).toEqual(["3.0521", "1.7470", "", "90.5%"]);
  });

  it("gives a logit model's odds ratios and a log model's rate ratios with their Wald intervals", () => {
    const fixed = [
      { ...(mixedFit.fixed ?? [])[0], term: "(Intercept)", estimate: 0.2, std_error: 0.1 },
      { ...(mixedFit.fixed ?? [])[0], term: "ses", estimate: 0.487, std_error: 0.221 },
    ] as FixedRow[];
    const logit = { ...mixedFit, family: "binomial", link: "logit", fixed };
    mount({ current: logit });
    const heads = [...q("fixed-table").querySelectorAll("thead th")].map((th) => th.textContent);
    expect(heads).toEqual([
      "Term",
      "Estimate",
      "Std. Error",
      "z value",
      "p",
      "Odds ratio\n(95% CI)",
    ]);
    const last = (term: string) =>
      q("fixed-table").querySelector(`tr[data-term="${term}"] td:last-child`)?.textContent;
    // exp(0.487) = 1.627; exp(0.487 ± 1.96 * 0.221) = 1.055 and 2.510
    expect(last("ses")).toBe("1.63\n(1.06 – 2.51)");
    expect(last("(Intercept)")).toBe("");
    cleanup?.();
    el.remove();
    mount({ current: { ...logit, family: "poisson", link: "log" } });
    expect(q("fixed-table").querySelector("thead th:last-child")?.textContent).toBe(
      "Rate ratio\n(95% CI)",
    );
    cleanup?.();
    el.remove();
    mount({ current: { ...logit, link: "probit" } });
    expect(q("fixed-table").querySelector("thead th:last-child")?.textContent).toBe("p");
  });

  it("prints fixed effects and changes against the previous fit", () => {
    mount({ current: mixedFit, previous: olsFit });
    const row = q("fixed-table").querySelector<HTMLElement>('tr[data-term="PrivPubpublic"]');
    const cells = [...(row?.querySelectorAll("td") ?? [])];
    expect(cells.map((c) => c.querySelector(".value")?.textContent)).toEqual([
      "0.4117",
      "0.1857",
      "2.217",
      "60.16",
      "0.0304",
    ]);
    expect(cells[2]?.textContent).toBe("3.759 → 2.217");
    expect(cells[2]?.querySelector(".mw-old")?.textContent).toBe("3.759");
    const resid = q("variance-table").querySelector('tr[data-group="Residual"]');
    expect(resid?.querySelector("td.mw-changed .value")?.textContent).toBe("3.0521");
    const newRow = q("variance-table").querySelector('tr[data-group="school"]');
    expect(newRow?.querySelector(".mw-old")).toBeNull();
  });

  it("shows the p values as Python wrote them (R's format.pval), else by the same rule", () => {
    const [first, second, third] = mixedFit.fixed as [FixedRow, FixedRow, FixedRow];
    const fixed: FixedRow[] = [
      { ...first, p_text: "" },
      { ...second, p_value: 1.2e-8, p_text: "1.2e-08" },
      { ...third, term: "x", p_value: 1e-4, p_text: "" },
    ];
    mount({ current: { ...mixedFit, fixed } });
    const p = (term: string) =>
      q("fixed-table").querySelector(`tr[data-term="${term}"] td:last-child .value`)?.textContent;
    expect(p("sexm")).toBe("1.2e-08"); // not 1.20e-08
    expect(p("(Intercept)")).toBe("<2e-16");
    expect(p("x")).toBe("1e-04");
  });

  it("shows the test p values as Python wrote them", () => {
    const lrt: LrtRow[] = comparison.lrt.map((r) => ({ ...r, p_value: 1.2e-8, p_text: "1.2e-08" }));
    mount({ current: mixedFit, pinned: [olsFit, mixedFit], comparison: { ...comparison, lrt } });
    expect(qa("lrt-row")[0]?.textContent).toContain("1.2e-08");
  });

  it("does not mark values that print the same", () => {
    const same = {
      ...mixedFit,
      fixed: mixedFit.fixed.map((f) => ({ ...f, t_value: (f.t_value ?? 0) + 0.0001 })),
    };
    mount({ current: same, previous: mixedFit });
    expect(q("fixed-table").querySelectorAll(".mw-old")).toHaveLength(0);
  });

  it("shows observations, dropped rows and messages", () => {
    mount({ current: mixedFit });
    expect(el.textContent).toContain("Number of obs: 1383, groups: school:class, 66; school, 41");
    expect(el.textContent).toContain("2 rows dropped (missing values)");
    const notes = q("fit-messages");
    expect(notes.hidden).toBe(false);
    expect([...notes.querySelectorAll("li")].map((li) => li.textContent)).toEqual(
      mixedFit.messages,
    );
  });

  it("blanks variance cells of correlation rows", () => {
    const fit = {
      ...mixedFit,
      variance: [
        {
          group: "Subject",
          term: "(Intercept)",
          variance: 612.1,
          std_dev: 24.74,
          corr: null,
          share: 0.6,
        },
        {
          group: "Subject",
          term: "Days",
          variance: 35.07,
          std_dev: 5.922,
          corr: null,
          share: 0.05,
        },
        {
          group: "Subject",
          term: "(Intercept)~Days",
          variance: 9.6,
          std_dev: null,
          corr: 0.066,
          share: null,
        },
        { group: "Residual", term: "", variance: 654.9, std_dev: 25.59, corr: null, share: 0.35 },
      ],
    };
    mount({ current: fit });
    const row = q("variance-table").querySelector('tr[data-term="(Intercept)~Days"]');
    expect([...(row?.querySelectorAll("td .value") ?? [])].map((v) => v.textContent)).toEqual([
      "",
      "",
      "0.07",
      "",
    ]);
  });
});

describe("variance intervals", () => {
  const cell = (group: string, term: string) =>
    q("variance-table")
      .querySelector(`tr[data-group="${group}"][data-term="${term}"]`)
      ?.querySelector('[data-testid="variance-interval"]')?.textContent;

  it("asks the kernel for them and fills the column in", () => {
    const model = mount({ current: mixedFit });
    expect(cell("school:class", "(Intercept)")).toBe("");
    q("variance-intervals-button").click();
    expect(model.sent).toEqual([{ kind: "variance_intervals" }]);
    model.update("intervals", {
      fit_id: mixedFit.id,
      state: "running",
      level: 0.95,
      rows: [],
      message: "",
      done: 0,
      total: 0,
    });
    expect(q<HTMLButtonElement>("variance-intervals-button").disabled).toBe(true);
    model.update("intervals", {
      fit_id: mixedFit.id,
      state: "done",
      level: 0.95,
      rows: [
        { group: "school:class", term: "(Intercept)", lower: 0.4216, upper: 0.7144 },
        { group: "school", term: "(Intercept)", lower: 0, upper: 0.3588 },
        { group: "Residual", term: "", lower: 1.6818, upper: 1.8153 },
      ],
      message: "",
      done: 6,
      total: 6,
    });
    expect(cell("school:class", "(Intercept)")).toBe("0.4216 – 0.7144");
    expect(cell("school", "(Intercept)")).toBe("0.0000 – 0.3588");
    expect(cell("Residual", "")).toBe("1.6818 – 1.8153");
    expect(qa("variance-intervals-button")).toEqual([]);
    // The column is the Std.Dev.'s, beside it and named for it: not read as the variance's.
    const heads = [...q("variance-table").querySelectorAll("thead th")].map((th) => th.textContent);
    expect(heads).toEqual([
      "Group",
      "Term",
      "Variance",
      "Std.Dev.",
      "Std.Dev. 95% CI",
      "Corr",
      "Share",
    ]);
    const row = q("variance-table").querySelector('tr[data-group="school:class"]');
    const texts = [...(row?.querySelectorAll("td") ?? [])].map((td) => td.textContent);
    expect(texts.slice(2, 4)).toEqual(["0.5662", "0.4216 – 0.7144"]);
    // One end over the other: the column is one number wide, and Corr and Share stay in the panel.
    const ends = [...(row?.querySelectorAll(".mw-interval-end") ?? [])].map((e) => e.textContent);
    expect(ends).toEqual(["0.4216 –", "0.7144"]);
  });

  it("names correlations in the interval column's header when the model has them", () => {
    const corr = {
      ...mixedFit,
      variance: [
        ...(mixedFit.variance ?? []),
        {
          group: "school",
          term: "(Intercept)~x",
          variance: null,
          std_dev: null,
          corr: 0.2,
          share: null,
        },
      ],
    } as typeof mixedFit;
    mount({ current: corr });
    expect(q("variance-interval-head").textContent).toBe("SD / Corr 95% CI");
  });

  it("names sigma only for a model with a residual", () => {
    mount({ current: mixedFit });
    expect(q("variance-intervals-button").title).toContain("SD, correlation and sigma");
    const binomial = {
      ...mixedFit,
      family: "binomial",
      variance: (mixedFit.variance ?? []).filter((r) => r.group !== "Residual"),
    };
    mount({ current: binomial });
    expect(q("variance-intervals-button").title).toContain("each SD and correlation (as lme4");
  });

  it("shows no intervals of another fit", () => {
    const model = mount({ current: mixedFit });
    model.update("intervals", {
      fit_id: mixedFit.id + 1,
      state: "done",
      level: 0.95,
      rows: [{ group: "school", term: "(Intercept)", lower: 0, upper: 0.3588 }],
      message: "",
      done: 6,
      total: 6,
    });
    expect(cell("school", "(Intercept)")).toBe("");
    expect(q("variance-intervals-button").textContent).toBe("95% CI");
  });

  const running = (done: number, total: number) => ({
    fit_id: mixedFit.id,
    state: "running" as const,
    level: 0.95,
    rows: [],
    message: total
      ? `Profiling the likelihood: ${done} of ${total} interval ends`
      : "Profiling the likelihood…",
    done,
    total,
  });

  it("shows the profile's progress and a Stop button while it runs", () => {
    const model = mount({ current: mixedFit });
    expect(qa("variance-intervals-status")).toEqual([]);
    q("variance-intervals-button").click();
    model.update("intervals", running(0, 0));
    const status = q("variance-intervals-status");
    expect(status.dataset.state).toBe("running");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toContain("Profiling the likelihood…");
    const bar = q<HTMLProgressElement>("variance-intervals-progress");
    expect(bar.hasAttribute("value")).toBe(false); // the total is not known yet: indeterminate
    const stop = q<HTMLButtonElement>("variance-intervals-stop");
    expect(stop.textContent).toBe("Stop");

    model.update("intervals", running(3, 6));
    expect(q("variance-intervals-status").textContent).toContain(
      "Profiling the likelihood: 3 of 6 interval ends",
    );
    expect(bar.value).toBe(3);
    expect(bar.max).toBe(6);
    expect(bar.getAttribute("aria-valuetext")).toBe("3 of 6 interval ends");
    expect(q("variance-intervals-button").textContent).toBe("95% CI"); // the column keeps its name
    // progress is drawn in place: the same Stop button (its focus, a click under way) stays
    expect(q("variance-intervals-stop")).toBe(stop);
    expect(q("variance-intervals-status")).toBe(status);
    expect(q<HTMLButtonElement>("variance-intervals-button").disabled).toBe(true);
  });

  it("stops the profile and offers to start it again", () => {
    const model = mount({ current: mixedFit });
    q("variance-intervals-button").click();
    model.update("intervals", running(2, 6));
    const stop = q<HTMLButtonElement>("variance-intervals-stop");
    stop.click();
    expect(model.sent).toEqual([{ kind: "variance_intervals" }, { kind: "cancel_intervals" }]);
    expect(stop.disabled).toBe(true);
    expect(stop.textContent).toBe("Stopping…");
    model.update("intervals", {
      ...running(2, 6),
      state: "stopped",
      message: "Stopped after 2 of 6 interval ends.",
    });
    expect(qa("variance-intervals-stop")).toEqual([]);
    expect(qa("variance-intervals-progress")).toEqual([]);
    const status = q("variance-intervals-status");
    expect(status.dataset.state).toBe("stopped");
    expect(status.textContent).toBe("Stopped after 2 of 6 interval ends.");
    expect(cell("school", "(Intercept)")).toBe("");
    const again = q<HTMLButtonElement>("variance-intervals-button");
    expect(again.disabled).toBe(false);
    expect(again.textContent).toBe("95% CI");
    expect(again.title).toContain("was stopped");
    again.click();
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "variance_intervals" });
  });

  it("says why the profile failed under the table", () => {
    const model = mount({ current: mixedFit });
    model.update("intervals", {
      ...running(0, 0),
      state: "error",
      message: "The profile failed (ValueError: no).",
    });
    const status = q("variance-intervals-status");
    expect(status.getAttribute("role")).toBe("alert");
    expect(status.textContent).toBe("The profile failed (ValueError: no).");
    expect(q("variance-intervals-button").textContent).toBe("95% CI");
  });

  it("shows no progress of another fit's profile", () => {
    const model = mount({ current: mixedFit });
    model.update("intervals", { ...running(1, 6), fit_id: mixedFit.id + 1 });
    expect(qa("variance-intervals-status")).toEqual([]);
    expect(q<HTMLButtonElement>("variance-intervals-button").disabled).toBe(false);
  });
});

describe("builder", () => {
  function chipFor(testid: string, name: string): HTMLButtonElement {
    const c = qa(testid).find((b) => b.dataset.term === name);
    if (!c) throw new Error(`no chip ${name}`);
    return c as HTMLButtonElement;
  }

  it("reflects the formula and edits it", () => {
    const model = mount({});
    expect(chipFor("fixed-chip", "sex").getAttribute("aria-pressed")).toBe("true");
    expect(chipFor("fixed-chip", "State").getAttribute("aria-pressed")).toBe("false");
    chipFor("fixed-chip", "State").click();
    expect(model.get("formula")).toBe(
      "like ~ sex + PrivPub + State + (1 | school) + (1 | school:class)",
    );
    expect(q<HTMLInputElement>("formula-input").value).toBe(model.get("formula"));
    chipFor("fixed-chip", "sex").click();
    expect(model.get("formula")).toBe("like ~ PrivPub + State + (1 | school) + (1 | school:class)");
  });

  it("marks columns that look like IDs on their fixed-effect chips", () => {
    const hint = "this looks like an ID: 41 integer codes, named like a unit (school)";
    expect(scienceColumns.find((c) => c.name === "school")?.id_hint).toBe(hint); // as Python says
    mount({});
    const school = chipFor("fixed-chip", "school");
    expect(school.classList.contains("mw-chip-id")).toBe(true);
    expect(school.querySelector(".mw-chip-id-mark")?.textContent).toBe("ID");
    expect(school.title).toBe(`school: numeric · ${hint}`);
    expect(school.getAttribute("aria-label")).toBe(`school (${hint})`);
    const sex = chipFor("fixed-chip", "sex");
    expect(sex.querySelector(".mw-chip-id-mark")).toBeNull();
    expect(sex.hasAttribute("aria-label")).toBe(false);
  });

  it("preserves a transformed response", () => {
    const model = mount({ formula: "sqrt(like) ~ sex + (1 | school)" });
    const select = q<HTMLSelectElement>("response-select");
    expect(select.value).toBe("sqrt(like)");
    expect(select.selectedOptions[0]?.textContent).toBe("sqrt(like)");
    select.value = "like";
    select.dispatchEvent(new Event("change"));
    expect(model.get("formula")).toBe("like ~ sex + (1 | school)");
  });

  it("offers two-valued columns (TRUE/FALSE, two-level text) as responses, for a binomial model", () => {
    const extra = [
      { name: "passed", kind: "categorical", levels: 2, integer_codes: false, binary: true },
      { name: "result", kind: "categorical", levels: 2, integer_codes: false, binary: true },
      { name: "grade", kind: "categorical", levels: 3, integer_codes: false, binary: false },
    ] as typeof scienceColumns;
    const model = mount({ columns: [...scienceColumns, ...extra] });
    const select = q<HTMLSelectElement>("response-select");
    const texts = [...select.options].map((o) => o.textContent);
    expect(texts).toContain("passed (two values: binomial)");
    expect(texts).toContain("result (two values: binomial)");
    expect(texts.some((t) => t?.startsWith("grade"))).toBe(false);
    expect(texts).toContain("sex (two values: binomial)"); // the science data's f/m, from Python
    select.value = "result";
    select.dispatchEvent(new Event("change"));
    expect(model.get("formula")).toMatch(/^result ~ /);
  });

  it("adds an interaction of two chosen terms", () => {
    const model = mount({});
    const add = q<HTMLButtonElement>("add-interaction");
    expect(add.textContent).toBe("Add sex:PrivPub");
    add.click();
    expect(model.get("formula")).toBe(
      "like ~ sex + PrivPub + sex:PrivPub + (1 | school) + (1 | school:class)",
    );
    const extra = qa("fixed-extra-chip");
    expect(extra.map((c) => c.dataset.term)).toEqual(["sex:PrivPub"]);
    extra[0]?.click();
    expect(model.get("formula")).toBe("like ~ sex + PrivPub + (1 | school) + (1 | school:class)");
  });

  it("edits random terms: nesting, intercept, slopes, correlation, removal", () => {
    const model = mount({ formula: "like ~ sex + (1 | school)" });
    const row = () => qa("random-row")[0] as HTMLElement;
    const pick = (testid: string, value: string) => {
      const s = row().querySelector<HTMLSelectElement>(`[data-testid="${testid}"]`);
      if (!s) throw new Error(testid);
      s.value = value;
      s.dispatchEvent(new Event("change"));
    };
    pick("random-within", "class");
    expect(model.get("formula")).toBe("like ~ sex + (1 | school/class)");
    pick("random-nest-op", ":");
    expect(model.get("formula")).toBe("like ~ sex + (1 | school:class)");
    const slope = [
      ...row().querySelectorAll<HTMLButtonElement>('[data-testid="random-slope"]'),
    ].find((b) => b.dataset.term === "sex");
    slope?.click();
    expect(model.get("formula")).toBe("like ~ sex + (sex | school:class)");
    row().querySelector<HTMLInputElement>('[data-testid="random-intercept"]')?.click();
    expect(model.get("formula")).toBe("like ~ sex + (0 + sex | school:class)");
    pick("random-correlated", "||");
    expect(model.get("formula")).toBe("like ~ sex + (0 + sex || school:class)");
    row().querySelector<HTMLButtonElement>('[data-testid="random-remove"]')?.click();
    expect(model.get("formula")).toBe("like ~ sex");
  });

  it("adds a random term as a draft that is fitted only when confirmed", () => {
    const model = mount({ formula: "like ~ sex" });
    q<HTMLButtonElement>("add-random").click();
    const draft = q("random-draft");
    expect(draft.getAttribute("role")).toBe("group");
    expect(draft.getAttribute("aria-label")).toBe(
      "New random term (1 | Class), not in the model yet",
    );
    expect(qa("add-random")).toHaveLength(0);
    expect(model.get("formula")).toBe("like ~ sex");
    // The group picker has the focus; editing the draft changes only the draft.
    const group = draft.querySelector<HTMLSelectElement>('[data-testid="random-group"]');
    expect(document.activeElement).toBe(group);
    if (!group) throw new Error("no group picker");
    group.value = "Class";
    group.dispatchEvent(new Event("change"));
    const slope = [
      ...q("random-draft").querySelectorAll<HTMLButtonElement>('[data-testid="random-slope"]'),
    ].find((b) => b.dataset.term === "sex");
    slope?.click();
    expect(q("random-draft").querySelector(".mw-random-preview")?.textContent).toBe(
      "(sex | Class)",
    );
    expect(model.saved).toHaveLength(0);
    q<HTMLButtonElement>("random-draft-add").click();
    expect(model.get("formula")).toBe("like ~ sex + (sex | Class)");
    expect(qa("random-draft")).toHaveLength(0);
    expect((document.activeElement as HTMLElement).dataset.testid).toBe("add-random");

    // Escape (or Cancel) drops a draft without a fit; a term the model has cannot be added twice.
    q<HTMLButtonElement>("add-random").click();
    const again = q("random-draft").querySelector<HTMLSelectElement>(
      '[data-testid="random-group"]',
    );
    again?.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(qa("random-draft")).toHaveLength(0);
    expect(model.get("formula")).toBe("like ~ sex + (sex | Class)");
    q<HTMLButtonElement>("add-random").click();
    const twice = q("random-draft").querySelector<HTMLSelectElement>(
      '[data-testid="random-group"]',
    );
    if (!twice) throw new Error("no group picker");
    twice.value = "Class";
    twice.dispatchEvent(new Event("change"));
    q("random-draft")
      .querySelector<HTMLButtonElement>('[data-testid="random-slope"][data-term="sex"]')
      ?.click();
    expect(q<HTMLButtonElement>("random-draft-add").disabled).toBe(true);
    expect(q("random-draft-note").textContent).toBe("The model has this term already.");
    q<HTMLButtonElement>("random-draft-cancel").click();
    expect(qa("random-draft")).toHaveLength(0);
  });

  it("keeps keyboard focus on the control that was changed", () => {
    mount({});
    const c = qa("fixed-chip").find((b) => b.dataset.term === "State") as HTMLButtonElement;
    c.focus();
    c.click();
    const active = document.activeElement as HTMLElement;
    expect(active.dataset.testid).toBe("fixed-chip");
    expect(active.dataset.term).toBe("State");
    expect(active.getAttribute("aria-pressed")).toBe("true");
  });

  it("toggles the fixed intercept", () => {
    const model = mount({ formula: "like ~ sex + (1 | school)" });
    q<HTMLInputElement>("fixed-intercept").click();
    expect(model.get("formula")).toBe("like ~ 0 + sex + (1 | school)");
  });

  it("explains when it cannot show a formula", () => {
    mount({ formula: "like ~ x - z" });
    expect(q("builder").textContent).toContain("cannot show this formula");
  });
});

describe("check by simulation", () => {
  const options = (nsim: number, test: string) => ({
    truths: [
      { id: "current", label: "Current model: id only", formula: "resp ~ smoke + (1 | id)" },
    ],
    candidates: [
      { id: "current", label: "id only", formula: "resp ~ smoke + (1 | id)", checked: true },
      { id: "ols", label: "plain GLM (no groups)", formula: "resp ~ smoke", checked: true },
    ],
    terms: ["smoke"],
    term: "smoke",
    nsim,
    nsim_min: 10,
    nsim_max: 5000,
    test,
  });

  it("says which test the rates are of and follows the model's default number of simulations", () => {
    const model = mount({ current: mixedFit, simulation_options: options(200, "t tests") });
    expect(q("sim-test").textContent).toBe("by t tests");
    expect(q<HTMLInputElement>("sim-nsim").value).toBe("200");
    model.set("simulation_options", options(100, "Wald z tests (binomial, logit link)"));
    expect(q("sim-test").textContent).toBe("by Wald z tests (binomial, logit link)");
    expect(q<HTMLInputElement>("sim-nsim").value).toBe("100");
    // a number the user typed stays
    q<HTMLInputElement>("sim-nsim").value = "40";
    model.set("simulation_options", options(200, "t tests"));
    expect(q<HTMLInputElement>("sim-nsim").value).toBe("40");
    q("sim-run").click();
    expect(model.sent[model.sent.length - 1]).toMatchObject({
      kind: "simulate",
      nsim: 40,
      term: "smoke",
    });
  });
});

describe("binomial and Poisson models", () => {
  it("offer only the mean's interval in the prediction chart, and say why", async () => {
    const { createIntervalSwitch } = await import("../src/components/intervalSwitch");
    const model = new FakeModel({ current: mixedFit });
    const ctx = { model } as unknown as Parameters<typeof createIntervalSwitch>[0];
    const { el: box, destroy } = createIntervalSwitch(ctx);
    const input = (v: string) =>
      box.querySelector<HTMLInputElement>(`[data-testid="interval-${v}"]`) as HTMLInputElement;
    expect(input("prediction").checked).toBe(true);
    expect(input("prediction").disabled).toBe(false);
    model.update("current", { ...mixedFit, family: "poisson", link: "log" });
    expect(input("prediction").disabled).toBe(true);
    expect(input("confidence").checked).toBe(true);
    expect(box.querySelector("legend")?.textContent).toBe("Intervals (of the mean)");
    expect(box.title).toContain("A Poisson model's outcome is a whole count");
    expect(box.title).toContain("no normal prediction interval");
    model.update("current", mixedFit);
    expect(input("prediction").checked).toBe(true);
    expect(box.querySelector("legend")?.textContent).toBe("Intervals");
    destroy?.();
  });

  it("say the family chosen for the data without offering to switch to it", () => {
    const note =
      "Fitted as Binomial: the response result is two-level text; change the family above.";
    const model = mount({
      family: "binomial",
      family_hint: { suggested: "binomial", reason: "", note },
    });
    expect(q("family-note").textContent).toContain("Fitted as Binomial");
    expect(q("family-note").hidden || q("family-note").style.display === "none").toBe(false);
    const use = q("family-use");
    expect(use.hidden || use.style.display === "none").toBe(true);
    model.update("family", "gaussian");
    expect(use.hidden || use.style.display === "none").toBe(false);
  });
});
