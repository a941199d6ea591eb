// One chart card: heading, subtitle and a Vega view, or a note in its place. The card reuses a
// view it keeps for the same spec (chartViews.ts), updating its data in place, and embeds a new
// view only for a spec it has not drawn; it fits the view to its width (chartWrap.ts).
import { changeset } from "vega";
import {
  adaptSpec,
  type ChartLook,
  fillWidth,
  labelChart,
  naturalWidth,
  widthSignals,
  wrapPanels,
} from "../chartLook";
import { h } from "../dom";
import type { ChartCaption, ChartDatasets, ChartSpec } from "../model";
import {
  cloneData,
  declaresParam,
  embedChart,
  errorText,
  hideTooltip,
  isUnknownDataset,
} from "./chartEmbed";
import { ChartViews, type Drawn } from "./chartViews";
import { PanelWrap } from "./chartWrap";

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

const SELECTED_SIGNAL = "selected";

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

/** What was last asked of the card, to draw it again with panels wrapped. */
interface Request {
  spec: ChartSpec;
  specKey: string;
  data: ChartDatasets;
  dataKey: string;
}

export class ChartCard {
  readonly el: HTMLElement;
  private readonly body = h("div", { class: "mw-chart-body" });
  private readonly heading: HTMLElement;
  private readonly subtitle = h("div", { class: "mw-chart-subtitle" });
  /** Why the card shows an older view than was asked for (its own Vega error, or the board's). */
  private readonly issue = h("p", {
    class: "mw-note mw-chart-issue",
    role: "status",
    "data-testid": "chart-issue",
  });
  /** The issues on show: drawing the view asked for, highlighting the selection, the board's. */
  private readonly issues = { draw: "", select: "", board: "" };
  private _state: ChartState = "pending";
  /** The note or error on show ("" with a view). */
  private text = "";
  private readonly views: ChartViews;
  private readonly wrap = new PanelWrap();
  private latest: Request | null = null;
  /** The running width fitting: one at a time. */
  private filling: Promise<void> = Promise.resolve();
  private destroyed = false;

  constructor(
    readonly name: string,
    private readonly options: ChartCardOptions,
  ) {
    this.heading = h("h3", { class: "mw-panel-title mw-chart-title" }, chartTitle(name));
    this.el = h(
      "section",
      { class: "mw-chart mw-panel", "data-testid": `chart-${name}`, "data-chart": name },
      this.heading,
      this.subtitle,
      this.issue,
      this.body,
    );
    this.views = new ChartViews(name);
    this.setState("pending");
    this.renderIssue();
  }

  get state(): ChartState {
    return this._state;
  }

  /** True when the card shows a view whose spec is ``specKey`` and data ``dataKey``. */
  shows(specKey: string, dataKey: string): boolean {
    const drawn = this.views.onShow;
    return drawn?.specKey === specKey && drawn.dataKey === dataKey;
  }

  /** True when showing ``specKey`` needs a new embed (no view kept for it). */
  needsEmbed(specKey: string): boolean {
    return !this.views.find(specKey, this.wrap.columns);
  }

  /** Show the chart for this spec and data: reuse a kept view (panels wrapped alike) or embed one. */
  async draw(
    spec: ChartSpec,
    specKey: string,
    data: ChartDatasets,
    dataKey: string,
  ): Promise<void> {
    if (this.destroyed) return;
    this.latest = { spec, specKey, data, dataKey };
    const reuse = this.views.find(specKey, this.wrap.columns);
    if (reuse) await this.update(reuse, data, dataKey);
    else await this.embed(spec, specKey, data, dataKey);
  }

  /** Show a note, an error or "Drawing…" instead of the view (the views are kept). */
  showText(next: "note" | "error" | "pending", message: string): void {
    if (this._state === next && this.text === message && !this.views.onShow) return;
    this.views.onShow = null;
    this.text = message;
    this.issues.select = "";
    this.setIssue("draw", ""); // the issues were the view's
    this.body.style.minHeight = "";
    const cls = next === "error" ? "mw-chart-error" : "mw-note mw-chart-note";
    this.body.replaceChildren(h("p", { class: cls, "data-testid": `chart-${next}` }, message));
    this.setState(next);
    this.el.classList.remove("mw-chart-wide");
  }

  /** Put controls for this chart (e.g. the prediction chart's interval switch) above its view. */
  setControls(controls: HTMLElement): void {
    if (controls.parentNode !== this.el) this.el.insertBefore(controls, this.body);
  }

  showCaption(caption: ChartCaption | null): void {
    const title = caption?.title || chartTitle(this.name);
    if (this.heading.textContent !== title) this.heading.textContent = title;
    const lines = caption?.subtitle ?? [];
    const current = [...this.subtitle.children].map((c) => c.textContent);
    if (current.length !== lines.length || current.some((t, i) => t !== lines[i])) {
      this.subtitle.replaceChildren(...lines.map((line) => h("p", {}, line)));
    }
  }

  /** A problem of the whole board (chart traits Python sent that could not be read), "" for none. */
  setBoardIssue(text: string): void {
    this.setIssue("board", text);
  }

  /** The view on show is the one asked for (spec and data): a problem drawing it is over. */
  upToDate(): void {
    this.setIssue("draw", "");
  }

  /** Send the selected level to the view on show (if its spec has a "selected" param). */
  async applySelected(): Promise<void> {
    const drawn = this.views.onShow;
    if (!drawn?.selectable) return;
    try {
      drawn.result.view.signal(SELECTED_SIGNAL, this.options.selected());
      await drawn.result.view.runAsync();
      this.setIssue("select", "");
    } catch (err) {
      console.warn(`mixwidget: chart "${this.name}" could not highlight the selected group`, err);
      this.setIssue("select", `The selected group could not be highlighted: ${errorText(err)}`);
    }
  }

  /** The natural width of the view on show, in px (0 without one). */
  naturalWidth(): number {
    return this.views.onShow ? naturalWidth(this.body) : 0;
  }

  /** Scale the view to the card's width (no new spec, no refit) and name it for screen readers. */
  fill(): Promise<void> {
    this.filling = this.filling.then(() => this.fillNow());
    return this.filling;
  }

  destroy(): void {
    this.destroyed = true;
    this.views.clear();
  }

  private async fillNow(): Promise<void> {
    const drawn = this.views.onShow;
    if (!drawn || this.destroyed || this._state !== "drawn") return;
    const { body } = this;
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
      console.warn(`mixwidget: chart "${this.name}" could not be resized`, err);
    }
    // Rounding the marks' descriptions walks every mark: only after they were drawn anew.
    labelChart(
      body,
      this.heading.textContent ?? chartTitle(this.name),
      refitted || !drawn.labelled,
    );
    drawn.labelled = true;
    const latest = this.latest;
    if (latest && drawn.specKey === latest.specKey) {
      const row = this.options.rowWidth?.() ?? 0;
      if (this.wrap.rewrap(drawn, latest.spec, body, row)) {
        void this.draw(latest.spec, latest.specKey, latest.data, latest.dataKey);
      }
    }
  }

  private setIssue(kind: keyof ChartCard["issues"], text: string): void {
    this.issues[kind] = text;
    this.renderIssue();
  }

  private renderIssue(): void {
    const { draw, select, board } = this.issues;
    const text = [draw, select, board].filter(Boolean).join(" ");
    if (this.issue.textContent !== text) this.issue.textContent = text;
    this.issue.hidden = text === "";
  }

  private setState(next: ChartState): void {
    this._state = next;
    this.el.dataset.state = next;
  }

  private holdHeight(): void {
    const height = this.body.offsetHeight;
    if (height > 0) this.body.style.minHeight = `${height}px`;
  }

  private async embed(
    spec: ChartSpec,
    specKey: string,
    data: ChartDatasets,
    dataKey: string,
  ): Promise<void> {
    const { body, options, name } = this;
    this.holdHeight();
    const target = h("div", { class: "mw-chart-view" });
    const previous = this.views.onShow;
    body.replaceChildren(target);
    this.views.onShow = null;
    const columns = this.wrap.columns;
    try {
      const laidOut = columns ? wrapPanels(spec, columns) : spec;
      const result = await embedChart(target, adaptSpec(laidOut, options.look()), data);
      if (this.destroyed || target.parentNode !== body) {
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
        columns,
        labelled: false,
        selectable: declaresParam(laidOut, SELECTED_SIGNAL),
      };
      result.view.addEventListener("click", (_event, item) => options.onClick(name, item));
      // What a canvas shows is not in the page's DOM: the view (its data and scenegraph) is
      // reachable from its element, for tools and browser tests that read what is drawn.
      Object.defineProperty(target, "vegaView", { value: result.view, configurable: true });
      this.show(drawn);
      options.onDrawn(this);
      // The page may still be settling (an output area being laid out): fit again shortly.
      setTimeout(() => options.onDrawn(this), 400);
      await this.applySelected();
    } catch (err) {
      console.warn(`mixwidget: chart "${name}" could not be drawn`, err);
      if (this.destroyed) return;
      if (previous && this.views.find(previous.specKey, previous.columns) === previous) {
        // Keep the last good view on show, and say why it is not the one asked for.
        body.replaceChildren(previous.target);
        this.show(previous);
        this.setIssue(
          "draw",
          `This chart could not be drawn for the current model (${errorText(err)}); it shows the last chart that could be drawn.`,
        );
        options.onDrawn(this);
      } else this.showText("error", `This chart could not be drawn: ${errorText(err)}`);
    } finally {
      body.style.minHeight = "";
    }
  }

  private async update(drawn: Drawn, data: ChartDatasets, dataKey: string): Promise<void> {
    const { view } = drawn.result;
    // A kept view is drawn already: swapping it in leaves no gap to hold (and reading the
    // height would lay the page out once per chart).
    if (drawn.target.parentNode !== this.body) this.body.replaceChildren(drawn.target);
    this.show(drawn);
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
          } catch (err) {
            if (!isUnknownDataset(err)) throw err; // else a dataset the spec does not use
          }
        }
        view.resize?.(); // new data can change the drawn size (a canvas keeps its old one otherwise)
        await view.runAsync();
        hideTooltip();
        drawn.labelled = false;
        drawn.dataKey = dataKey;
        drawn.datasets = Object.keys(fresh);
      }
      this.options.onDrawn(this);
      await this.applySelected();
    } catch (err) {
      console.warn(`mixwidget: chart "${this.name}" could not be updated`, err);
      // The view keeps what it drew last (the last good chart); its data are not the new ones,
      // so the next change of data tries again.
      drawn.dataKey = "";
      this.setIssue(
        "draw",
        `This chart could not be updated (${errorText(err)}); it shows the chart as it was before.`,
      );
    } finally {
      this.body.style.minHeight = "";
    }
  }

  /** Make ``drawn`` the view on show (a new view or new data: no issue drawing it until one arises). */
  private show(drawn: Drawn): void {
    this.views.keep(drawn);
    this.views.onShow = drawn;
    this.text = "";
    this.setIssue("draw", "");
    this.setState("drawn");
  }
}
