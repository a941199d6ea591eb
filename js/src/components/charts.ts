// Charts built in Python (Vega-Lite specs), drawn with a bundled vega-embed.
// Data is updated in place on every refit; a chart is embedded again only when its spec changes.
import { changeset, logger, Warn } from "vega";
import vegaEmbed from "vega-embed";
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import {
  type ChartCaption,
  type ChartDatasets,
  type ChartSpec,
  listen,
  readCaption,
  readChartGroups,
  readCharts,
  readSelected,
} from "../model";

/** The part of a Vega view the charts use. */
export interface ChartView {
  change(name: string, changes: ReturnType<typeof changeset>): unknown;
  signal(name: string, value: unknown): unknown;
  runAsync(): Promise<unknown>;
  addEventListener(
    type: string,
    handler: (event: Event, item?: { datum?: unknown } | null) => void,
  ): unknown;
  finalize(): unknown;
}

export interface EmbedResult {
  view: ChartView;
  finalize(): void;
}

export type EmbedFn = (
  el: HTMLElement,
  spec: Record<string, unknown>,
  options: Record<string, unknown>,
) => Promise<EmbedResult>;

const defaultEmbed: EmbedFn = (el, spec, options) =>
  vegaEmbed(el, spec as Parameters<typeof vegaEmbed>[1], options) as Promise<EmbedResult>;

let embedFn: EmbedFn = defaultEmbed;

/** Replace the embed function (tests); call without an argument to restore vega-embed. */
export function setEmbed(fn?: EmbedFn): void {
  embedFn = fn ?? defaultEmbed;
}

/** Readable headings for the charts the Python side knows about. */
const TITLES: Record<string, string> = {
  effects: "Fixed effects",
  variance: "Variance components",
  shrinkage: "Shrinkage",
  caterpillar: "Group effects",
  lines: "Fitted lines per group",
  slopes2d: "Intercepts and slopes",
  residuals: "Residuals",
};

export function chartTitle(name: string): string {
  return TITLES[name] ?? name;
}

type ChartState = "pending" | "drawn" | "note" | "error";

interface Entry {
  name: string;
  el: HTMLElement;
  heading: HTMLElement;
  subtitle: HTMLElement;
  body: HTMLElement;
  state: ChartState;
  /** JSON of the spec the view was embedded with ("" when there is no view). */
  specKey: string;
  /** JSON of the data the view shows. */
  dataKey: string;
  datasets: string[];
  result: EmbedResult | null;
  /** The note or error text on show. */
  text: string;
}

const SELECTED_SIGNAL = "selected";

/** Grid gap, and a chart card's padding plus border, in px (see widget.css). */
const GRID_GAP = 16;
const CARD_CHROME = 26;

/** Route Vega's errors to console.warn: a broken chart must not look like a broken page. */
const vegaLogger = logger(Warn, "warn");

/** Let the browser paint between charts (falls back to a timer in hidden tabs). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 50);
    if (typeof requestAnimationFrame === "function") {
      requestAnimationFrame(() => {
        clearTimeout(timer);
        resolve();
      });
    }
  });
}

/** Hide a hover tooltip left over from marks that a data update moved or removed. */
function hideTooltip(): void {
  document.getElementById("vg-tooltip-element")?.classList.remove("visible");
}

function cloneData(data: ChartDatasets): ChartDatasets {
  const out: ChartDatasets = {};
  for (const [name, rows] of Object.entries(data)) {
    out[name] = Array.isArray(rows) ? rows.map((row) => ({ ...row })) : [];
  }
  return out;
}

/** True when some row of some dataset of some chart has this level. */
export function levelExists(data: Record<string, ChartDatasets>, level: string): boolean {
  for (const datasets of Object.values(data)) {
    if (typeof datasets !== "object" || datasets === null) continue;
    for (const rows of Object.values(datasets)) {
      if (!Array.isArray(rows)) continue;
      for (const row of rows) {
        const value = row?.level;
        if (value !== undefined && value !== null && String(value) === level) return true;
      }
    }
  }
  return false;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export interface Charts extends Component {
  /** Resolves once every queued render and update has finished. */
  idle(): Promise<void>;
}

export function createCharts(ctx: WidgetContext): Charts {
  const { model } = ctx;
  const el = h("div", { class: "mw-charts", "data-testid": "charts" });
  const groupSelect = h("select", {
    class: "mw-select",
    "data-testid": "chart-group",
    "aria-label": "Grouping factor for the per-group charts",
    onchange: () => {
      if (groupSelect.value !== readChartGroups(model).group) {
        model.set("chart_group", groupSelect.value);
        model.save_changes();
      }
    },
  });
  const bar = h(
    "div",
    { class: "mw-charts-bar" },
    h("label", { class: "mw-charts-group" }, "Groups in the charts: ", groupSelect),
  );
  const entries = new Map<string, Entry>();
  let destroyed = false;
  let running: Promise<void> | null = null;
  let again = false;
  let lastData = JSON.stringify(readCharts(model).data);

  function setState(entry: Entry, state: ChartState): void {
    entry.state = state;
    entry.el.dataset.state = state;
  }

  function dropView(entry: Entry): void {
    if (entry.result) {
      try {
        entry.result.finalize();
      } catch (err) {
        console.warn(`mixwidget: finalizing chart ${entry.name} failed`, err);
      }
    }
    entry.result = null;
    entry.specKey = "";
    entry.dataKey = "";
    entry.datasets = [];
  }

  function showText(entry: Entry, state: "note" | "error" | "pending", text: string): void {
    if (entry.state === state && entry.text === text && !entry.result) return;
    dropView(entry);
    entry.text = text;
    entry.body.style.minHeight = "";
    const cls = state === "error" ? "mw-chart-error" : "mw-note mw-chart-note";
    entry.body.replaceChildren(h("p", { class: cls, "data-testid": `chart-${state}` }, text));
    setState(entry, state);
    entry.el.classList.remove("mw-chart-wide");
  }

  function createEntry(name: string): Entry {
    const body = h("div", { class: "mw-chart-body" });
    const heading = h("h3", { class: "mw-panel-title mw-chart-title" }, chartTitle(name));
    const subtitle = h("div", { class: "mw-chart-subtitle" });
    const container = h(
      "section",
      { class: "mw-chart mw-panel", "data-testid": `chart-${name}`, "data-chart": name },
      heading,
      subtitle,
      body,
    );
    return {
      name,
      el: container,
      heading,
      subtitle,
      body,
      state: "pending",
      specKey: "",
      dataKey: "",
      datasets: [],
      result: null,
      text: "",
    };
  }

  function renderBar(): void {
    const { group, groups } = readChartGroups(model);
    if (groups.length > 1) {
      groupSelect.replaceChildren(...groups.map((g) => h("option", { value: g }, g)));
      groupSelect.value = groups.includes(group) ? group : (groups[0] ?? "");
      if (bar.parentNode !== el) el.prepend(bar);
    } else {
      bar.remove();
    }
  }

  /** The chart's own title above the view; it changes with the fit, so it is not part of the spec. */
  function showCaption(entry: Entry, caption: ChartCaption | null): void {
    const title = caption?.title || chartTitle(entry.name);
    if (entry.heading.textContent !== title) entry.heading.textContent = title;
    const lines = caption?.subtitle ?? [];
    const current = [...entry.subtitle.children].map((c) => c.textContent);
    if (current.length !== lines.length || current.some((t, i) => t !== lines[i])) {
      entry.subtitle.replaceChildren(...lines.map((line) => h("p", {}, line)));
    }
  }

  /** Containers in the order of chart_names; notes are shown right away. */
  function layout(): void {
    const { names, notes } = readCharts(model);
    const wanted = new Set(names);
    for (const [name, entry] of entries) {
      if (!wanted.has(name)) {
        dropView(entry);
        entry.el.remove();
        entries.delete(name);
      }
    }
    const ordered: HTMLElement[] = [];
    for (const name of names) {
      let entry = entries.get(name);
      if (!entry) {
        entry = createEntry(name);
        entries.set(name, entry);
        showText(entry, "pending", "Drawing…");
      }
      const note = notes[name];
      if (typeof note === "string" && note) showText(entry, "note", note);
      showCaption(entry, typeof note === "string" && note ? null : readCaption(model, name));
      ordered.push(entry.el);
    }
    renderBar();
    const children = bar.parentNode === el ? [bar, ...ordered] : ordered;
    const current = [...el.children];
    if (current.length !== children.length || current.some((c, i) => c !== children[i])) {
      el.replaceChildren(...children);
    }
  }

  /**
   * A chart wider than one column (e.g. several panels side by side) takes a whole row of
   * the grid. Its natural width does not depend on the card, so this cannot flip back and forth.
   */
  function fitWidth(entry: Entry): void {
    const svg = entry.body.querySelector("svg.marks");
    const natural = Number(svg?.getAttribute("width")) || 0;
    if (el.clientWidth === 0) return;
    const column = (el.clientWidth - GRID_GAP) / 2 - CARD_CHROME;
    entry.el.classList.toggle("mw-chart-wide", entry.state === "drawn" && natural > column);
  }

  const resizeObserver =
    typeof ResizeObserver === "function"
      ? new ResizeObserver(() => {
          for (const entry of entries.values()) fitWidth(entry);
        })
      : null;
  resizeObserver?.observe(el);

  function onClick(name: string, item: { datum?: unknown } | null | undefined): void {
    const entry = entries.get(name);
    if (!entry || destroyed) return;
    const datum = item?.datum as Record<string, unknown> | undefined;
    const level = datum && typeof datum === "object" ? datum.level : undefined;
    const current = readSelected(model);
    let next: string | null = null;
    if (level !== undefined && level !== null) {
      const text = String(level);
      next = text === current ? null : text;
    }
    if (next !== current) {
      model.set("selected", next);
      model.save_changes();
    }
  }

  async function applySelected(entry: Entry): Promise<void> {
    const view = entry.result?.view;
    if (!view) return;
    try {
      view.signal(SELECTED_SIGNAL, readSelected(model));
      await view.runAsync();
    } catch {
      // The spec declares no "selected" param: nothing to highlight.
    }
  }

  async function embedChart(entry: Entry, spec: ChartSpec, data: ChartDatasets): Promise<void> {
    const specKey = JSON.stringify(spec);
    const dataKey = JSON.stringify(data);
    const height = entry.body.offsetHeight;
    if (height > 0) entry.body.style.minHeight = `${height}px`;
    dropView(entry);
    const target = h("div", { class: "mw-chart-view" });
    entry.body.replaceChildren(target);
    try {
      const result = await embedFn(
        target,
        { ...spec, datasets: cloneData(data) },
        {
          renderer: "svg",
          actions: { export: true, source: false, compiled: false, editor: false },
          logger: vegaLogger,
          tooltip: { theme: "light" },
        },
      );
      if (destroyed || entries.get(entry.name) !== entry || target.parentNode !== entry.body) {
        result.finalize();
        return;
      }
      entry.result = result;
      entry.specKey = specKey;
      entry.dataKey = dataKey;
      entry.datasets = Object.keys(data);
      entry.text = "";
      result.view.addEventListener("click", (_event, item) => onClick(entry.name, item));
      setState(entry, "drawn");
      fitWidth(entry);
      await applySelected(entry);
    } catch (err) {
      console.warn(`mixwidget: chart "${entry.name}" could not be drawn`, err);
      if (entries.get(entry.name) === entry) {
        showText(entry, "error", `This chart could not be drawn: ${errorText(err)}`);
      }
    } finally {
      entry.body.style.minHeight = "";
    }
  }

  async function updateData(entry: Entry, data: ChartDatasets): Promise<void> {
    const view = entry.result?.view;
    if (!view) return;
    const height = entry.body.offsetHeight;
    if (height > 0) entry.body.style.minHeight = `${height}px`;
    const fresh = cloneData(data);
    const names = new Set([...entry.datasets, ...Object.keys(fresh)]);
    try {
      for (const name of names) {
        const rows = fresh[name] ?? [];
        try {
          view.change(
            name,
            changeset()
              .remove(() => true)
              .insert(rows),
          );
        } catch {
          // A dataset the spec does not use.
        }
      }
      await view.runAsync();
      hideTooltip();
      fitWidth(entry);
      entry.dataKey = JSON.stringify(data);
      entry.datasets = Object.keys(fresh);
      await applySelected(entry);
    } catch (err) {
      console.warn(`mixwidget: chart "${entry.name}" could not be updated`, err);
      showText(entry, "error", `This chart could not be updated: ${errorText(err)}`);
    } finally {
      entry.body.style.minHeight = "";
    }
  }

  /** Clear the selection when the new data no longer has the selected level. */
  function checkSelection(): void {
    const { data } = readCharts(model);
    const key = JSON.stringify(data);
    if (key === lastData) return;
    lastData = key;
    const selected = readSelected(model);
    if (selected !== null && !levelExists(data, selected)) {
      model.set("selected", null);
      model.save_changes();
    }
  }

  /** Bring every chart in line with the traits, one chart at a time. */
  async function reconcile(): Promise<void> {
    layout();
    let first = true;
    for (const name of readCharts(model).names) {
      if (destroyed) return;
      const entry = entries.get(name);
      if (!entry) continue;
      // Read the traits again: they may have changed while the previous chart was drawn.
      const { specs, data, notes } = readCharts(model);
      if (typeof notes[name] === "string" && notes[name]) continue;
      const spec = specs[name];
      if (!spec || typeof spec !== "object") {
        showText(entry, "pending", "No chart yet.");
        continue;
      }
      const chartData = data[name] ?? {};
      const specKey = JSON.stringify(spec);
      if (entry.result && entry.specKey === specKey) {
        if (entry.dataKey !== JSON.stringify(chartData)) await updateData(entry, chartData);
        continue;
      }
      if (!first) await nextFrame();
      first = false;
      if (destroyed) return;
      await embedChart(entry, spec, chartData);
    }
  }

  function schedule(): Promise<void> {
    if (destroyed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await reconcile();
        } while (again && !destroyed);
      } catch (err) {
        console.warn("mixwidget: charts could not be updated", err);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function onData(): void {
    checkSelection();
    layout();
    schedule();
  }

  function onSelected(): void {
    for (const entry of entries.values()) void applySelected(entry);
  }

  const offs = [
    listen(
      model,
      ["change:chart_names", "change:chart_specs", "change:chart_notes", "change:chart_captions"],
      () => {
        layout();
        schedule();
      },
    ),
    listen(model, ["change:chart_data"], onData),
    listen(model, ["change:selected"], onSelected),
    listen(model, ["change:chart_group", "change:chart_groups"], renderBar),
  ];
  schedule();

  return {
    el,
    idle: async () => {
      while (running) await running;
    },
    destroy() {
      destroyed = true;
      resizeObserver?.disconnect();
      for (const off of offs) off();
      for (const entry of entries.values()) dropView(entry);
      entries.clear();
    },
  };
}
