// One chart card: heading, subtitle and a Vega view, or a note in its place.
// The card keeps the last few views it embedded, keyed by their spec, so a model whose charts
// were drawn before (e.g. switching back and forth between two formulas) only gets new data.
import { changeset, logger, Warn } from "vega";
import vegaEmbed from "vega-embed";
import {
  adaptSpec,
  type ChartLook,
  fillWidth,
  labelChart,
  naturalWidth,
  panelsSideBySide,
  widthSignals,
  wrapPanels,
} from "../chartLook";
import { h } from "../dom";
import type { ChartCaption, ChartDatasets, ChartSpec } from "../model";

/** The part of a Vega view the charts use. */
export interface ChartView {
  change(name: string, changes: ReturnType<typeof changeset>): unknown;
  signal(name: string, value: unknown): unknown;
  runAsync(): Promise<unknown>;
  resize?(): unknown;
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
  prediction: "Predictions",
  simulation: "Check by simulation",
};

export function chartTitle(name: string): string {
  return TITLES[name] ?? name;
}

export type ChartState = "pending" | "drawn" | "note" | "error";

/** Views kept per card (the one on show and the ones drawn before it). */
export const VIEWS_KEPT = 3;

const SELECTED_SIGNAL = "selected";

/** Route Vega's errors to console.warn: a broken chart must not look like a broken page. */
const vegaLogger = logger(Warn, "warn");

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

/**
 * Rows above which a chart is drawn on a canvas: an SVG element per mark makes the page lay
 * out and paint thousands of nodes on every refit (the residual plots draw every observation).
 */
export const CANVAS_ROWS = 1000;

/** "canvas" for charts with many rows, else "svg" (a node per mark, described for screen readers). */
export function rendererFor(data: ChartDatasets): "svg" | "canvas" {
  let rows = 0;
  for (const value of Object.values(data)) rows += Array.isArray(value) ? value.length : 0;
  return rows > CANVAS_ROWS ? "canvas" : "svg";
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** A view embedded for one spec, with the data it shows. */
interface Drawn {
  specKey: string;
  dataKey: string;
  datasets: string[];
  result: EmbedResult;
  /** The element vega-embed drew into; moved in and out of the card's body. */
  target: HTMLElement;
  /** The view widths Python's spec asked for, by signal name (scaled to fill the card). */
  widths: Map<string, number>;
  /** Columns its side-by-side panels were wrapped into (0: laid out as Python sent them). */
  columns: number;
  /** The room the view was last fitted to and the width it came out at (none until fitted). */
  filled?: { available: number; width: number };
  /** False after the marks were drawn anew and their descriptions not yet rounded. */
  labelled: boolean;
}

/** How much wider the card must get before wrapped panels are tried side by side again, in px. */
const UNWRAP_MARGIN = 40;

export interface ChartCardOptions {
  /** A mark was clicked: its datum (or null for the background). */
  onClick(name: string, item: { datum?: unknown } | null | undefined): void;
  /** The selected level to highlight. */
  selected(): string | null;
  /** Called after a view is shown or its size may have changed. */
  onDrawn(card: ChartCard): void;
  /** The page's look (theme colours) the spec is drawn with. */
  look(): ChartLook;
  /** The widest the card's body can get (a whole row of the grid), in px. */
  rowWidth?(): number;
}

export interface ChartCard {
  readonly name: string;
  readonly el: HTMLElement;
  readonly state: ChartState;
  /** True when the card shows a view whose spec is ``specKey`` and data ``dataKey``. */
  shows(specKey: string, dataKey: string): boolean;
  /** True when showing ``specKey`` needs a new embed (no view kept for it). */
  needsEmbed(specKey: string): boolean;
  /** Show the chart for this spec and data: reuse a kept view or embed a new one. */
  draw(spec: ChartSpec, specKey: string, data: ChartDatasets, dataKey: string): Promise<void>;
  /** Show a note, an error or "Drawing…" instead of the view (the views are kept). */
  showText(state: "note" | "error" | "pending", text: string): void;
  showCaption(caption: ChartCaption | null): void;
  /** Send the selected level to the view on show. */
  applySelected(): Promise<void>;
  /** The natural width of the view on show, in px (0 without one). */
  naturalWidth(): number;
  /** Scale the view to the card's width (no new spec, no refit) and name it for screen readers. */
  fill(): Promise<void>;
  destroy(): void;
}

export function createChartCard(name: string, options: ChartCardOptions): ChartCard {
  const body = h("div", { class: "mw-chart-body" });
  const heading = h("h3", { class: "mw-panel-title mw-chart-title" }, chartTitle(name));
  const subtitle = h("div", { class: "mw-chart-subtitle" });
  const el = h(
    "section",
    { class: "mw-chart mw-panel", "data-testid": `chart-${name}`, "data-chart": name },
    heading,
    subtitle,
    body,
  );
  let state: ChartState = "pending";
  let text = "";
  /** Views by recency, the one on show (if any) first. */
  let kept: Drawn[] = [];
  let onShow: Drawn | null = null;
  let destroyed = false;
  /** The running width fitting: one at a time. */
  let filling: Promise<void> = Promise.resolve();
  /** The last spec and data asked for, to draw them again with panels wrapped. */
  let latest: { spec: ChartSpec; specKey: string; data: ChartDatasets; dataKey: string } | null =
    null;
  /** Columns side-by-side panels are wrapped into (0: as sent), and the room there was then. */
  let columns = 0;
  let wrappedAt = 0;

  /**
   * Panels side by side that do not fit even a whole row at their narrowest are wrapped into
   * fewer columns (and tried side by side again once the card is clearly wider), so a chart
   * never needs its own horizontal scrollbar. Returns true when the view must be drawn anew.
   */
  function rewrap(drawn: Drawn): boolean {
    if (!latest || drawn.specKey !== latest.specKey) return false;
    const room = Math.max(body.clientWidth, options.rowWidth?.() ?? 0) - 4;
    const natural = naturalWidth(body);
    const most = panelsSideBySide(latest.spec);
    const now = drawn.columns || most;
    if (room > 0 && natural > room + 1 && now > 1) {
      columns = now - 1;
      wrappedAt = room;
      return true;
    }
    if (drawn.columns && room > wrappedAt + UNWRAP_MARGIN) {
      columns = drawn.columns + 1 >= most ? 0 : drawn.columns + 1;
      wrappedAt = room;
      return true;
    }
    return false;
  }

  function fill(): Promise<void> {
    filling = filling.then(async () => {
      const drawn = onShow;
      if (!drawn || destroyed || state !== "drawn") return;
      let refitted = false;
      try {
        const available = body.clientWidth - 4;
        const { filled } = drawn;
        // New data drawn at the same width as after the last fitting to this room: nothing to
        // do. Otherwise fit again from the spec's widths (three runs of the view).
        if (filled?.available !== available || filled.width !== naturalWidth(body)) {
          refitted = true;
          drawn.filled = undefined;
          await fillWidth(drawn.result.view, drawn.widths, body, available);
          drawn.filled = { available, width: naturalWidth(body) };
        }
      } catch (err) {
        console.warn(`mixwidget: chart "${name}" could not be resized`, err);
      }
      // Rounding the marks' descriptions walks every mark: only after they were drawn anew.
      labelChart(body, heading.textContent ?? chartTitle(name), refitted || !drawn.labelled);
      drawn.labelled = true;
      if (rewrap(drawn) && latest) {
        const { spec, specKey, data, dataKey } = latest;
        void draw(spec, specKey, data, dataKey);
      }
    });
    return filling;
  }

  /** Show this spec and data: reuse a view kept for it (with the panels wrapped alike) or embed one. */
  async function draw(
    spec: ChartSpec,
    specKey: string,
    data: ChartDatasets,
    dataKey: string,
  ): Promise<void> {
    if (destroyed) return;
    latest = { spec, specKey, data, dataKey };
    const reuse = kept.find((d) => d.specKey === specKey && d.columns === columns);
    if (reuse) await update(reuse, data, dataKey);
    else await embed(spec, specKey, data, dataKey);
  }

  function setState(next: ChartState): void {
    state = next;
    el.dataset.state = next;
  }

  function finalize(drawn: Drawn): void {
    try {
      drawn.result.finalize();
    } catch (err) {
      console.warn(`mixwidget: finalizing chart ${name} failed`, err);
    }
  }

  function keep(drawn: Drawn): void {
    kept = [drawn, ...kept.filter((d) => d !== drawn)];
    for (const old of kept.splice(VIEWS_KEPT)) finalize(old);
  }

  function forget(drawn: Drawn): void {
    kept = kept.filter((d) => d !== drawn);
    if (onShow === drawn) onShow = null;
    finalize(drawn);
  }

  function holdHeight(): void {
    const height = body.offsetHeight;
    if (height > 0) body.style.minHeight = `${height}px`;
  }

  function showText(next: "note" | "error" | "pending", message: string): void {
    if (state === next && text === message && !onShow) return;
    onShow = null;
    text = message;
    body.style.minHeight = "";
    const cls = next === "error" ? "mw-chart-error" : "mw-note mw-chart-note";
    body.replaceChildren(h("p", { class: cls, "data-testid": `chart-${next}` }, message));
    setState(next);
    el.classList.remove("mw-chart-wide");
  }

  async function applySelected(): Promise<void> {
    const view = onShow?.result.view;
    if (!view) return;
    try {
      view.signal(SELECTED_SIGNAL, options.selected());
      await view.runAsync();
    } catch {
      // The spec declares no "selected" param: nothing to highlight.
    }
  }

  async function embed(
    spec: ChartSpec,
    specKey: string,
    data: ChartDatasets,
    dataKey: string,
  ): Promise<void> {
    holdHeight();
    const target = h("div", { class: "mw-chart-view" });
    body.replaceChildren(target);
    onShow = null;
    const wrapped = columns;
    try {
      const laidOut = wrapped ? wrapPanels(spec, wrapped) : spec;
      const result = await embedFn(
        target,
        { ...adaptSpec(laidOut, options.look()), datasets: cloneData(data) },
        {
          renderer: rendererFor(data),
          actions: { export: true, source: false, compiled: false, editor: false },
          logger: vegaLogger,
          tooltip: { theme: "light" },
        },
      );
      if (destroyed || target.parentNode !== body) {
        result.finalize();
        return;
      }
      const widths = widthSignals((result as { vgSpec?: unknown }).vgSpec);
      const drawn: Drawn = {
        specKey,
        dataKey,
        datasets: Object.keys(data),
        result,
        target,
        widths,
        columns: wrapped,
        labelled: false,
      };
      result.view.addEventListener("click", (_event, item) => options.onClick(name, item));
      // What a canvas shows is not in the page's DOM: the view (its data and scenegraph) is
      // reachable from its element, for tools and browser tests that read what is drawn.
      Object.defineProperty(target, "vegaView", { value: result.view, configurable: true });
      keep(drawn);
      onShow = drawn;
      text = "";
      setState("drawn");
      options.onDrawn(card);
      // The page may still be settling (an output area being laid out): fit again shortly.
      setTimeout(() => options.onDrawn(card), 400);
      await applySelected();
    } catch (err) {
      console.warn(`mixwidget: chart "${name}" could not be drawn`, err);
      if (!destroyed) showText("error", `This chart could not be drawn: ${errorText(err)}`);
    } finally {
      body.style.minHeight = "";
    }
  }

  async function update(drawn: Drawn, data: ChartDatasets, dataKey: string): Promise<void> {
    const { view } = drawn.result;
    // A kept view is drawn already: swapping it in leaves no gap to hold (and reading the
    // height would lay the page out once per chart).
    if (drawn.target.parentNode !== body) body.replaceChildren(drawn.target);
    onShow = drawn;
    keep(drawn);
    text = "";
    setState("drawn");
    try {
      if (drawn.dataKey !== dataKey) {
        const fresh = cloneData(data);
        for (const dataset of new Set([...drawn.datasets, ...Object.keys(fresh)])) {
          try {
            view.change(
              dataset,
              changeset()
                .remove(() => true)
                .insert(fresh[dataset] ?? []),
            );
          } catch {
            // A dataset the spec does not use.
          }
        }
        view.resize?.(); // new data can change the drawn size (a canvas keeps its old one otherwise)
        await view.runAsync();
        hideTooltip();
        drawn.labelled = false;
        drawn.dataKey = dataKey;
        drawn.datasets = Object.keys(fresh);
      }
      options.onDrawn(card);
      await applySelected();
    } catch (err) {
      console.warn(`mixwidget: chart "${name}" could not be updated`, err);
      forget(drawn);
      showText("error", `This chart could not be updated: ${errorText(err)}`);
    } finally {
      body.style.minHeight = "";
    }
  }

  const card: ChartCard = {
    name,
    el,
    get state() {
      return state;
    },
    shows: (specKey, dataKey) => onShow?.specKey === specKey && onShow.dataKey === dataKey,
    needsEmbed: (specKey) => !kept.some((d) => d.specKey === specKey && d.columns === columns),
    draw,
    showText,
    showCaption(caption) {
      const title = caption?.title || chartTitle(name);
      if (heading.textContent !== title) heading.textContent = title;
      const lines = caption?.subtitle ?? [];
      const current = [...subtitle.children].map((c) => c.textContent);
      if (current.length !== lines.length || current.some((t, i) => t !== lines[i])) {
        subtitle.replaceChildren(...lines.map((line) => h("p", {}, line)));
      }
    },
    applySelected,
    naturalWidth() {
      return onShow ? naturalWidth(body) : 0;
    },
    fill,
    destroy() {
      destroyed = true;
      for (const drawn of kept) finalize(drawn);
      kept = [];
      onShow = null;
    },
  };
  setState("pending");
  return card;
}
