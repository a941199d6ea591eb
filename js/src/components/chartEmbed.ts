// Drawing a Vega-Lite spec into an element with the bundled vega-embed, and the few helpers a
// view needs around it (data copies, renderer choice, tooltips). Tests swap in a fake embed.
import { type changeset, logger, Warn } from "vega";
import vegaEmbed from "vega-embed";
import type { ChartDatasets } from "../model";

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

/** Route Vega's errors to console.warn: a broken chart must not look like a broken page. */
const vegaLogger = logger(Warn, "warn");

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

/** A copy of the datasets (Vega adds fields to the rows it is given). */
export function cloneData(data: ChartDatasets): ChartDatasets {
  const out: ChartDatasets = {};
  for (const [name, rows] of Object.entries(data)) {
    out[name] = Array.isArray(rows) ? rows.map((row) => ({ ...row })) : [];
  }
  return out;
}

/** Embed a (page-adapted) spec with its data into ``target``. */
export function embedChart(
  target: HTMLElement,
  spec: Record<string, unknown>,
  data: ChartDatasets,
): Promise<EmbedResult> {
  return embedFn(
    target,
    { ...spec, datasets: cloneData(data) },
    {
      renderer: rendererFor(data),
      actions: { export: true, source: false, compiled: false, editor: false },
      logger: vegaLogger,
      tooltip: { theme: "light" },
    },
  );
}

/** Hide a hover tooltip left over from marks that a data update moved or removed. */
export function hideTooltip(): void {
  document.getElementById("vg-tooltip-element")?.classList.remove("visible");
}

/** True when ``spec`` (or a view inside it) declares the param ``name``, e.g. "selected". */
export function declaresParam(spec: unknown, name: string): boolean {
  if (!spec || typeof spec !== "object") return false;
  const s = spec as Record<string, unknown>;
  const named = (p: unknown) =>
    Boolean(p) && typeof p === "object" && (p as { name?: unknown }).name === name;
  if (Array.isArray(s.params) && s.params.some(named)) return true;
  for (const key of ["layer", "hconcat", "vconcat", "concat"]) {
    const parts = s[key];
    if (Array.isArray(parts) && parts.some((part) => declaresParam(part, name))) return true;
  }
  return declaresParam(s.spec, name);
}

/** True for Vega's error on a data set the view does not have (a dataset the spec does not use). */
export function isUnknownDataset(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("Unrecognized data set");
}

/** An error's message, cut to a length a card can show. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
