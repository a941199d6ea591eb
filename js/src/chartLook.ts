// How a chart looks on this page, apart from what Python sent: the theme's colours, widths
// that fill the card (re-laid out on resize, without a refit or a new spec), and names and
// rounded descriptions for screen readers.
import type { ChartSpec } from "./model";

export interface ChartLook {
  dark: boolean;
  /** The card's background colour, e.g. "rgb(17, 17, 17)". */
  background: string;
}

const DARK_TEXT = "#e6e6e6";
const DARK_MUTED = "#bdbdbd";

/** Colours that vanish on a dark background, and what replaces them there. */
const ON_DARK: Record<string, string> = {
  "#000": DARK_TEXT,
  "#000000": DARK_TEXT,
  black: DARK_TEXT,
  "#333": DARK_MUTED,
  "#333333": DARK_MUTED,
  "#444": DARK_MUTED,
  "#444444": DARK_MUTED,
  "#555": "#a8a8a8",
  "#555555": "#a8a8a8",
  "#e6e6e6": "#3a3a3a",
  // Okabe-Ito blue (partial pooling, the caterpillar's modes) is dim on a dark page (3.2:1); its
  // sky blue keeps the hue at 7:1.
  "#0072b2": "#56B4E9",
};

const COLOR_KEYS = new Set(["color", "stroke", "fill", "gridColor", "domainColor", "tickColor"]);

function darkValue(value: unknown): unknown {
  return typeof value === "string" ? (ON_DARK[value.toLowerCase()] ?? value) : value;
}

function recolorChannel(channel: Record<string, unknown>): unknown {
  const out = recolor(channel) as Record<string, unknown>;
  if ("value" in out) out.value = darkValue(out.value);
  const condition = out.condition;
  if (Array.isArray(condition)) {
    out.condition = condition.map((c) =>
      typeof c === "object" && c !== null
        ? { ...c, value: darkValue((c as { value?: unknown }).value) }
        : c,
    );
  } else if (typeof condition === "object" && condition !== null && "value" in condition) {
    out.condition = { ...condition, value: darkValue((condition as { value?: unknown }).value) };
  }
  return out;
}

function recolor(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(recolor);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (COLOR_KEYS.has(k) && typeof v === "string" && ON_DARK[v.toLowerCase()]) {
      out[k] = ON_DARK[v.toLowerCase()];
    } else if (COLOR_KEYS.has(k) && typeof v === "object" && v !== null && !Array.isArray(v)) {
      // An encoded colour: a fixed value, and the values of its conditions (the selected level's).
      out[k] = recolorChannel(v as Record<string, unknown>);
    } else if (k === "range" && Array.isArray(v)) {
      // A scale's colours (e.g. least squares' dark grey in the prediction chart's legend).
      out[k] = v.map((x) => (typeof x === "string" ? (ON_DARK[x.toLowerCase()] ?? x) : recolor(x)));
    } else {
      out[k] = recolor(v);
    }
  }
  return out;
}

function merge(a: unknown, b: Record<string, unknown>): Record<string, unknown> {
  const base = typeof a === "object" && a !== null && !Array.isArray(a) ? { ...(a as object) } : {};
  const out = base as Record<string, unknown>;
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      typeof v === "object" && v !== null && !Array.isArray(v)
        ? merge(out[k], v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** What of the look changes a drawn chart: the background only counts on a dark page (a light
 * page draws the spec as sent), so a light theme's late-loading colours do not draw it again. */
export function lookKey(look: ChartLook): string {
  return look.dark ? `dark ${look.background}` : "light";
}

/** The spec as drawn on this page: the dark theme's colours when the notebook is dark. */
export function adaptSpec(spec: ChartSpec, look: ChartLook): ChartSpec {
  if (!look.dark) return spec;
  const guide = { labelColor: DARK_TEXT, titleColor: DARK_TEXT };
  const config = merge(recolor(spec.config ?? {}), {
    background: look.background || "#1e1e1e",
    axis: { ...guide, gridColor: "#3a3a3a", domainColor: "#8a8a8a", tickColor: "#8a8a8a" },
    legend: guide,
    header: guide,
    title: { color: DARK_TEXT, subtitleColor: DARK_MUTED },
    text: { color: DARK_TEXT },
    view: { stroke: null },
  });
  return { ...(recolor(spec) as ChartSpec), config };
}

/** The part of vega-embed's result the width fitting uses. */
export interface SizedView {
  signal(name: string, value?: unknown): unknown;
  runAsync(): Promise<unknown>;
  /** Re-run the layout's size on the next run: a canvas keeps its old size without it. */
  resize?(): unknown;
}

interface VgSignal {
  name?: unknown;
  value?: unknown;
  update?: unknown;
}

/**
 * Names and initial values of the compiled spec's fixed view widths: the top-level "width"
 * (single views, stacked panels sharing it) and signals such as "childWidth" or
 * "concat_0_width".
 */
export function widthSignals(vgSpec: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const spec = vgSpec as { width?: unknown; signals?: VgSignal[] } | null;
  if (typeof spec?.width === "number") out.set("width", spec.width);
  const signals = spec?.signals;
  if (!Array.isArray(signals)) return out;
  for (const s of signals) {
    if (typeof s.name === "string" && /width$/i.test(s.name) && typeof s.value === "number") {
      if (s.update === undefined) out.set(s.name, s.value);
    }
  }
  return out;
}

const MIN_VIEW = 220;
const MAX_VIEW = 1400;

/** The drawn width of the chart in `body`, in CSS px (an svg's width, or a canvas's). */
export function naturalWidth(body: HTMLElement): number {
  const drawn = body.querySelector("svg.marks, canvas.marks");
  if (!drawn) return 0;
  if (drawn.tagName.toLowerCase() === "canvas") {
    return Number.parseFloat((drawn as HTMLElement).style.width) || 0;
  }
  return Number(drawn.getAttribute("width")) || 0;
}

/**
 * Scale every view's width so the chart fills `body` (`available` px wide). The width of what
 * is not a view (axis labels, legends) is learnt from one trial scaling, so this works for
 * single views, stacked panels and side-by-side ones alike. It starts from the spec's widths
 * each time, so a chart's width depends on its data and the room only, not on what it showed
 * before.
 */
export async function fillWidth(
  view: SizedView,
  base: Map<string, number>,
  body: HTMLElement,
  available: number,
): Promise<void> {
  if (base.size === 0 || available <= 0) return;
  const apply = async (scale: number): Promise<number> => {
    for (const [name, w] of base) {
      view.signal(name, Math.round(Math.min(MAX_VIEW, Math.max(MIN_VIEW, w * scale))));
    }
    // Panels' widths are inner signals of a concat: without this a canvas is not resized to
    // them, so it clips the chart and the next trial measures its stale width.
    view.resize?.();
    await view.runAsync();
    return naturalWidth(body);
  };
  // Close enough when up to 2% narrower than the room; never left wider than it.
  const fits = (w: number): boolean => w <= available && available - w < 0.02 * available;
  let a = { scale: 1, width: await apply(1) };
  if (a.width <= 0 || fits(a.width)) return;
  let b = { scale: available / a.width, width: 0 };
  b.width = await apply(b.scale);
  // natural(scale) = fixed + content * scale, learnt from the last two trials (secant steps):
  // views held at their least width make the first trials bend away from a straight line.
  for (let step = 0; step < 3 && !fits(b.width); step++) {
    const content = (b.width - a.width) / (b.scale - a.scale);
    if (!(content > 1) || !Number.isFinite(content)) return;
    const scale = b.scale + (available - b.width) / content;
    if (!(scale > 0) || Math.abs(scale - b.scale) < 1e-3) return;
    a = b;
    b = { scale, width: await apply(scale) };
  }
  if (b.width > available) await apply(b.scale * (available / b.width) * 0.99);
}

/** Round long decimals in screen-reader descriptions ("4.9386881851" -> "4.939"). */
export function roundDescription(text: string): string {
  return text.replace(/-?\d+\.\d{4,}/g, (m) => {
    const x = Number(m);
    return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : m;
  });
}

/**
 * Name the chart's SVG and menu for screen readers and, with `marks`, round its marks'
 * descriptions (needed once after each redraw of the marks).
 */
export function labelChart(body: HTMLElement, title: string, marks = true): void {
  const svg = body.querySelector("svg.marks, canvas.marks");
  if (svg) {
    svg.setAttribute("role", "img");
    const label = `Chart: ${title}`;
    if (svg.getAttribute("aria-label") !== label) svg.setAttribute("aria-label", label);
    if (marks && svg.tagName.toLowerCase() === "svg") {
      for (const el of svg.querySelectorAll("[aria-label]")) {
        const text = el.getAttribute("aria-label") ?? "";
        const rounded = roundDescription(text);
        if (rounded !== text) el.setAttribute("aria-label", rounded);
      }
    }
  }
  const menu = body.querySelector(".vega-embed summary");
  if (menu && !menu.getAttribute("aria-label")) {
    menu.setAttribute("aria-label", `Save ${title} as SVG or PNG`);
  }
}

type SpecNode = Record<string, unknown>;

function isNode(value: unknown): value is SpecNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The most views side by side in any row of the spec (`hconcat`, or `concat` columns), or 1. */
export function panelsSideBySide(spec: unknown): number {
  let most = 1;
  const visit = (node: unknown): void => {
    if (!isNode(node)) return;
    if (Array.isArray(node.hconcat)) most = Math.max(most, node.hconcat.length);
    if (Array.isArray(node.concat)) {
      const columns = typeof node.columns === "number" ? node.columns : node.concat.length;
      most = Math.max(most, Math.min(columns, node.concat.length));
    }
    for (const key of ["hconcat", "vconcat", "concat"]) {
      const children = node[key];
      if (Array.isArray(children)) for (const child of children) visit(child);
    }
  };
  visit(spec);
  return most;
}

/**
 * The spec with every row of more than `columns` side-by-side views wrapped into a grid of
 * `columns` columns (`hconcat` becomes `concat` with `columns`; a `concat` gets fewer columns),
 * so panels that do not fit the card's width go below each other instead of being cut.
 */
export function wrapPanels(spec: ChartSpec, columns: number): ChartSpec {
  const wrap = (node: unknown): unknown => {
    if (!isNode(node)) return node;
    const { hconcat, vconcat, concat, ...rest } = node;
    const out: SpecNode = { ...rest };
    if (Array.isArray(vconcat)) out.vconcat = vconcat.map(wrap);
    if (Array.isArray(concat)) {
      out.concat = concat.map(wrap);
      const now = typeof node.columns === "number" ? node.columns : concat.length;
      if (now > columns) out.columns = columns;
    }
    if (Array.isArray(hconcat)) {
      const views = hconcat.map(wrap);
      if (views.length > columns) {
        out.concat = views;
        out.columns = columns;
      } else {
        out.hconcat = views;
      }
    }
    return out;
  };
  return wrap(spec) as ChartSpec;
}
