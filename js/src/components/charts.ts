// Charts built in Python (Vega-Lite specs), drawn with a bundled vega-embed.
// This module is the reconciler: it lays out one card per chart (chartView.ts) in the order of
// chart_names and brings each card in line with the traits, one chart at a time. A card
// updates its view's data in place, reuses a view it drew before for the same spec, and
// embeds a new view only for a spec it has not drawn.
import type { ChartLook } from "../chartLook";
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import {
  type ChartDatasets,
  listen,
  readCaption,
  readChartGroups,
  readCharts,
  readSelected,
} from "../model";
import { type ChartCard, createChartCard } from "./chartView";

export {
  type ChartView,
  chartTitle,
  type EmbedFn,
  type EmbedResult,
  setEmbed,
} from "./chartView";

/** Grid gap, and a chart card's padding plus border, in px (see widget.css). */
const GRID_GAP = 16;
const CARD_CHROME = 26;

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

/** JSON text of a trait value, once per object (trait values are replaced, never changed in place). */
const jsonKeys = new WeakMap<object, string>();
function jsonKey(value: object): string {
  let key = jsonKeys.get(value);
  if (key === undefined) {
    key = JSON.stringify(value);
    jsonKeys.set(value, key);
  }
  return key;
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

export interface Charts extends Component {
  /** Resolves once every queued render and update has finished. */
  idle(): Promise<void>;
  /** Draw again with the page's current look (e.g. after a theme change). */
  restyle(): void;
}

export function createCharts(ctx: WidgetContext): Charts {
  const { model } = ctx;
  // data-busy is "true" from a trait change until every chart shows it (benchmarks wait on it).
  const el = h("div", { class: "mw-charts", "data-testid": "charts", "data-busy": "true" });
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
  const cards = new Map<string, ChartCard>();
  let destroyed = false;
  let running: Promise<void> | null = null;
  let again = false;
  let lastData = jsonKey(readCharts(model).data);

  /**
   * A chart wider than one column (e.g. several panels side by side) takes a whole row of
   * the grid. Its natural width does not depend on the card, so this cannot flip back and forth.
   */
  function fitWidth(card: ChartCard): void {
    if (el.clientWidth === 0) return;
    const column = (el.clientWidth - GRID_GAP) / 2 - CARD_CHROME;
    card.el.classList.toggle(
      "mw-chart-wide",
      card.state === "drawn" && card.naturalWidth() > column,
    );
  }

  function onClick(_name: string, item: { datum?: unknown } | null | undefined): void {
    if (destroyed) return;
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

  /** The look of the reconcile under way: read once per pass (reading styles forces a restyle). */
  let passLook: ChartLook | null = null;
  /** Cards drawn during the reconcile under way, to be fitted to their width once it is done. */
  let toFill: Set<ChartCard> | null = null;

  /** The page's look: dark or light, and the cards' background. */
  function look(): ChartLook {
    if (passLook) return passLook;
    const root = el.closest(".mixwidget");
    const card = el.querySelector(".mw-chart") ?? root;
    return {
      dark: Boolean(root?.classList.contains("mw-dark")),
      background: card ? getComputedStyle(card).backgroundColor : "",
    };
  }

  /** Fill the card's width, then see whether the chart needs a whole row. */
  function onDrawn(card: ChartCard): void {
    // During a reconcile, wait for the other charts: the page is then laid out once, not once
    // per chart (reading a width lays out whatever changed before it).
    if (toFill) toFill.add(card);
    else void card.fill().then(() => fitWidth(card));
  }

  /** A card's body width when it takes a whole row of the grid. */
  const rowWidth = (): number => el.clientWidth - CARD_CHROME;

  const cardOptions = { onClick, selected: () => readSelected(model), onDrawn, look, rowWidth };

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

  /** Cards in the order of chart_names; notes and captions are shown right away. */
  function layout(): void {
    const { names, notes } = readCharts(model);
    const wanted = new Set(names);
    for (const [name, card] of cards) {
      if (!wanted.has(name)) {
        card.destroy();
        card.el.remove();
        cards.delete(name);
      }
    }
    const ordered: HTMLElement[] = [];
    for (const name of names) {
      let card = cards.get(name);
      if (!card) {
        card = createChartCard(name, cardOptions);
        cards.set(name, card);
        card.showText("pending", "Drawing…");
      }
      const note = notes[name];
      const hasNote = typeof note === "string" && note !== "";
      if (hasNote) card.showText("note", note);
      card.showCaption(hasNote ? null : readCaption(model, name));
      ordered.push(card.el);
    }
    renderBar();
    const children = bar.parentNode === el ? [bar, ...ordered] : ordered;
    const current = [...el.children];
    if (current.length !== children.length || current.some((c, i) => c !== children[i])) {
      el.replaceChildren(...children);
    }
  }

  /** Clear the selection when the new data no longer has the selected level. */
  function checkSelection(): void {
    const { data } = readCharts(model);
    const key = jsonKey(data);
    if (key === lastData) return;
    lastData = key;
    const selected = readSelected(model);
    if (selected !== null && !levelExists(data, selected)) {
      model.set("selected", null);
      model.save_changes();
    }
  }

  /** Bring every card in line with the traits, one chart at a time. */
  async function reconcile(): Promise<void> {
    layout();
    passLook = null;
    passLook = look();
    toFill = new Set();
    try {
      await drawAll();
    } finally {
      const drawn = [...toFill];
      passLook = null;
      toFill = null;
      for (const card of drawn) {
        if (destroyed) break;
        await card.fill();
        fitWidth(card);
      }
    }
  }

  async function drawAll(): Promise<void> {
    let embedded = false;
    for (const name of readCharts(model).names) {
      if (destroyed) return;
      const card = cards.get(name);
      if (!card) continue;
      // Read the traits again: they may have changed while the previous chart was drawn.
      const { specs, data, notes } = readCharts(model);
      if (typeof notes[name] === "string" && notes[name]) continue;
      const spec = specs[name];
      if (!spec || typeof spec !== "object") {
        card.showText("pending", "No chart yet.");
        continue;
      }
      const chartData = data[name] ?? {};
      // The look is part of the key: a theme change draws the chart again.
      const specKey = JSON.stringify(look()) + jsonKey(spec);
      const dataKey = jsonKey(chartData);
      if (card.shows(specKey, dataKey)) continue;
      const embedding = card.needsEmbed(specKey);
      if (embedding) {
        if (embedded) await nextFrame(); // a new embed is the slow part: let the page paint first
        embedded = true;
        if (destroyed) return;
      }
      await card.draw(spec, specKey, chartData, dataKey);
      if (embedding && toFill?.delete(card)) {
        // A new view is shown at its full width before the page paints it.
        await card.fill();
        fitWidth(card);
      }
    }
  }

  function schedule(): Promise<void> {
    if (destroyed) return Promise.resolve();
    el.dataset.busy = "true";
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
        el.dataset.busy = "false";
      }
    })();
    return running;
  }

  const resizeObserver =
    typeof ResizeObserver === "function"
      ? new ResizeObserver(() => {
          for (const card of cards.values()) onDrawn(card);
        })
      : null;
  resizeObserver?.observe(el);

  const offs = [
    listen(
      model,
      ["change:chart_names", "change:chart_specs", "change:chart_notes", "change:chart_captions"],
      () => {
        layout();
        schedule();
      },
    ),
    listen(model, ["change:chart_data"], () => {
      checkSelection();
      layout();
      schedule();
    }),
    listen(model, ["change:selected"], () => {
      for (const card of cards.values()) void card.applySelected();
    }),
    listen(model, ["change:chart_group", "change:chart_groups"], renderBar),
  ];
  schedule();

  return {
    el,
    idle: async () => {
      while (running) await running;
    },
    restyle: () => {
      void schedule();
    },
    destroy() {
      destroyed = true;
      resizeObserver?.disconnect();
      for (const off of offs) off();
      for (const card of cards.values()) card.destroy();
      cards.clear();
    },
  };
}
