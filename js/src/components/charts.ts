// Charts built in Python (Vega-Lite specs), drawn with a bundled vega-embed.
// The board is the reconciler: it lays out one card per chart (chartCard.ts) in the order of
// chart_names and brings each card in line with the traits, one chart at a time.
import { type ChartLook, lookKey } from "../chartLook";
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { jsonKey } from "../jsonKey";
import { listen, type Model, readCaption, readCharts, readSelected } from "../model";
import { ChartCard, type ChartCardOptions } from "./chartCard";
import { type ChartGroupBar, createChartGroupBar } from "./chartGroupBar";
import { ChartSelection } from "./chartSelection";
import { createIntervalSwitch } from "./intervalSwitch";

export { chartTitle } from "./chartCard";
export { type ChartView, type EmbedFn, type EmbedResult, setEmbed } from "./chartEmbed";
export { levelExists } from "./chartSelection";

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

export interface Charts extends Component {
  /** Resolves once every queued render and update has finished. */
  idle(): Promise<void>;
  /** Draw again with the page's current look (e.g. after a theme change). */
  restyle(): void;
}

class ChartBoard implements Charts {
  // data-busy is "true" from a trait change until every chart shows it (benchmarks wait on it).
  readonly el = h("div", { class: "mw-charts", "data-testid": "charts", "data-busy": "true" });
  private readonly model: Model;
  private readonly bar: ChartGroupBar;
  private readonly selection: ChartSelection;
  private readonly cards = new Map<string, ChartCard>();
  private readonly cardOptions: ChartCardOptions;
  private destroyed = false;
  /** The reconcile under way, and whether another must follow it. */
  private running: Promise<void> | null = null;
  private again = false;
  /** The look of the reconcile under way: read once per pass (reading styles forces a restyle). */
  private passLook: ChartLook | null = null;
  /** Cards drawn during the reconcile under way, to be fitted to their width once it is done. */
  private toFill: Set<ChartCard> | null = null;
  private readonly resizeObserver: ResizeObserver | null;
  private readonly offs: (() => void)[];

  /** Controls shown in a chart's card, by chart name, made with its card. */
  private readonly controls = new Map<string, Component>();
  private readonly makeControls: Record<string, () => Component>;

  constructor(ctx: WidgetContext) {
    this.model = ctx.model;
    this.makeControls = { prediction: () => createIntervalSwitch(ctx) };
    this.bar = createChartGroupBar(ctx, () => this.placeBar());
    this.selection = new ChartSelection(this.model);
    this.cardOptions = {
      onClick: (_name, item) => {
        if (!this.destroyed) this.selection.click(item);
      },
      selected: () => readSelected(this.model),
      onDrawn: (card) => this.onDrawn(card),
      look: () => this.look(),
      rowWidth: () => this.el.clientWidth - CARD_CHROME,
    };
    this.resizeObserver =
      typeof ResizeObserver === "function"
        ? new ResizeObserver(() => {
            for (const card of this.cards.values()) this.onDrawn(card);
          })
        : null;
    this.resizeObserver?.observe(this.el);
    const update = (): void => {
      this.layout();
      void this.schedule();
    };
    this.offs = [
      listen(
        this.model,
        ["change:chart_names", "change:chart_specs", "change:chart_notes", "change:chart_captions"],
        update,
      ),
      listen(this.model, ["change:chart_data"], () => {
        this.selection.checkData();
        update();
      }),
      listen(this.model, ["change:selected"], () => {
        for (const card of this.cards.values()) void card.applySelected();
      }),
    ];
    void this.schedule();
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  restyle(): void {
    void this.schedule();
  }

  destroy(): void {
    this.destroyed = true;
    this.resizeObserver?.disconnect();
    for (const off of this.offs) off();
    this.bar.destroy();
    for (const controls of this.controls.values()) controls.destroy();
    for (const card of this.cards.values()) card.destroy();
    this.cards.clear();
  }

  /**
   * A chart wider than one column (e.g. several panels side by side) takes a whole row of
   * the grid. Its natural width does not depend on the card, so this cannot flip back and forth.
   */
  private fitWidth(card: ChartCard): void {
    const { el } = this;
    if (el.clientWidth === 0) return;
    const column = (el.clientWidth - GRID_GAP) / 2 - CARD_CHROME;
    card.el.classList.toggle(
      "mw-chart-wide",
      card.state === "drawn" && card.naturalWidth() > column,
    );
  }

  /** The page's look: dark or light, and the cards' background. */
  private look(): ChartLook {
    if (this.passLook) return this.passLook;
    const root = this.el.closest(".mixwidget");
    const card = this.el.querySelector(".mw-chart") ?? root;
    return {
      dark: Boolean(root?.classList.contains("mw-dark")),
      background: card ? getComputedStyle(card).backgroundColor : "",
    };
  }

  /** Fill the card's width, then see whether the chart needs a whole row. */
  private onDrawn(card: ChartCard): void {
    // During a reconcile, wait for the other charts: the page is then laid out once, not once
    // per chart (reading a width lays out whatever changed before it).
    if (this.toFill) this.toFill.add(card);
    else void card.fill().then(() => this.fitWidth(card));
  }

  /** The group bar first when there is a choice of groups, else no bar. */
  private placeBar(): void {
    if (!this.bar.render()) this.bar.el.remove();
    else if (this.bar.el.parentNode !== this.el) this.el.prepend(this.bar.el);
  }

  /** Cards in the order of chart_names; notes and captions are shown right away. */
  private layout(): void {
    const { names, notes, problem } = readCharts(this.model);
    const wanted = new Set(names);
    for (const [name, card] of this.cards) {
      if (!wanted.has(name)) {
        card.destroy();
        card.el.remove();
        this.cards.delete(name);
        this.controls.get(name)?.destroy();
        this.controls.delete(name);
      }
    }
    const ordered: HTMLElement[] = [];
    for (const name of names) {
      let card = this.cards.get(name);
      if (!card) {
        card = new ChartCard(name, this.cardOptions);
        this.cards.set(name, card);
        card.showText("pending", "Drawing…");
        const make = this.makeControls[name];
        if (make) {
          this.controls.get(name)?.destroy();
          const controls = make();
          this.controls.set(name, controls);
          card.setControls(controls.el);
        }
      }
      card.setBoardIssue(problem);
      const note = notes[name];
      const hasNote = typeof note === "string" && note !== "";
      if (hasNote) card.showText("note", note);
      card.showCaption(hasNote ? null : readCaption(this.model, name));
      ordered.push(card.el);
    }
    const children = this.bar.render() ? [this.bar.el, ...ordered] : ordered;
    const current = [...this.el.children];
    if (current.length !== children.length || current.some((c, i) => c !== children[i])) {
      this.el.replaceChildren(...children);
    }
  }

  /** Bring every card in line with the traits, one chart at a time. */
  private async reconcile(): Promise<void> {
    this.layout();
    this.passLook = null;
    this.passLook = this.look();
    this.toFill = new Set();
    try {
      await this.drawAll();
    } finally {
      const drawn = [...this.toFill];
      this.passLook = null;
      this.toFill = null;
      for (const card of drawn) {
        if (this.destroyed) break;
        await card.fill();
        this.fitWidth(card);
      }
    }
  }

  private async drawAll(): Promise<void> {
    let embedded = false;
    for (const name of readCharts(this.model).names) {
      if (this.destroyed) return;
      const card = this.cards.get(name);
      if (!card) continue;
      // Read the traits again: they may have changed while the previous chart was drawn.
      const { specs, data, notes } = readCharts(this.model);
      if (typeof notes[name] === "string" && notes[name]) continue;
      const spec = specs[name];
      if (!spec || typeof spec !== "object") {
        card.showText("pending", "No chart yet.");
        continue;
      }
      const chartData = data[name] ?? {};
      // The look is part of the key: a theme change draws the chart again.
      const specKey = `${lookKey(this.look())} ${jsonKey(spec)}`;
      const dataKey = jsonKey(chartData);
      if (card.shows(specKey, dataKey)) {
        card.upToDate();
        continue;
      }
      const embedding = card.needsEmbed(specKey);
      if (embedding) {
        if (embedded) await nextFrame(); // a new embed is the slow part: let the page paint first
        embedded = true;
        if (this.destroyed) return;
      }
      await card.draw(spec, specKey, chartData, dataKey);
      if (embedding && this.toFill?.delete(card)) {
        // A new view is shown at its full width before the page paints it.
        await card.fill();
        this.fitWidth(card);
      }
    }
  }

  private schedule(): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    this.el.dataset.busy = "true";
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.reconcile();
        } while (this.again && !this.destroyed);
      } catch (err) {
        console.warn("mixwidget: charts could not be updated", err);
      } finally {
        this.running = null;
        this.el.dataset.busy = "false";
      }
    })();
    return this.running;
  }
}

export function createCharts(ctx: WidgetContext): Charts {
  return new ChartBoard(ctx);
}
