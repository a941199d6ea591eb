// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { rendererFor } from "../src/components/chartEmbed";
import {
  type Charts,
  type ChartView,
  createCharts,
  type EmbedFn,
  levelExists,
  setEmbed,
} from "../src/components/charts";
import { WidgetContext } from "../src/context";
import { type ChartDatasets, chartTrait, datasetRows, type Traits } from "../src/model";
import widget from "../src/widget";
import { FakeModel } from "./fakeModel";

type Click = (event: Event, item?: { datum?: unknown } | null) => void;

class MockView implements ChartView {
  changes: { name: string; changes: unknown }[] = [];
  signals: [string, unknown][] = [];
  clicks: Click[] = [];
  runs = 0;
  finalized = false;
  constructor(readonly hasSelected = true) {}
  change(name: string, changes: unknown): this {
    this.changes.push({ name, changes });
    return this;
  }
  signal(name: string, value: unknown): this {
    if (name !== "selected" || !this.hasSelected) throw new Error(`Unrecognized signal: ${name}`);
    this.signals.push([name, value]);
    return this;
  }
  async runAsync(): Promise<this> {
    this.runs++;
    return this;
  }
  addEventListener(type: string, handler: Click): this {
    if (type === "click") this.clicks.push(handler);
    return this;
  }
  finalize(): this {
    this.finalized = true;
    return this;
  }
  click(datum: unknown): void {
    for (const c of this.clicks) c(new Event("click"), datum === null ? null : { datum });
  }
}

interface EmbedCall {
  el: HTMLElement;
  spec: Record<string, unknown>;
  options: Record<string, unknown>;
  view: MockView;
}

function mockEmbed(fail: (spec: Record<string, unknown>) => boolean = () => false) {
  const calls: EmbedCall[] = [];
  const fn: EmbedFn = async (el, spec, options) => {
    if (fail(spec)) throw new Error("Invalid specification");
    const view = new MockView();
    calls.push({ el, spec, options, view });
    el.append(Object.assign(document.createElement("svg"), { className: "marks" }));
    return { view, finalize: () => view.finalize() };
  };
  return { calls, fn };
}

const spec = (mark: string, dataset: string) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  params: [{ name: "selected", value: null }],
  data: { name: dataset },
  mark,
  encoding: { x: { field: "n", type: "quantitative" } },
});

const points = (levels: string[]) =>
  levels.map((level, i) => ({ level, n: 10 + i, no_pooling: i, partial: i / 2 }));

const shrinkData = (levels: string[]): ChartDatasets => ({ shrinkage_points: points(levels) });

function traits(levels = ["1:1", "1:2", "2:1"]): Partial<Traits> {
  return {
    chart_names: ["effects", "shrinkage", "lines"],
    chart_specs: {
      effects: spec("point", "effects_rows"),
      shrinkage: spec("circle", "shrinkage_points"),
      lines: spec("line", "lines_rows"),
    },
    chart_data: {
      effects: { effects_rows: [{ term: "(Intercept)", estimate: 1 }] },
      shrinkage: shrinkData(levels),
    },
    chart_notes: { lines: "Lines need a random slope; add one, e.g. (Time | Chick)" },
  };
}

let charts: Charts | undefined;

function mount(initial: Partial<Traits>): { model: FakeModel; charts: Charts } {
  const model = new FakeModel(initial);
  charts = createCharts(new WidgetContext(model));
  document.body.append(charts.el);
  return { model, charts };
}

const q = (root: HTMLElement, testid: string): HTMLElement => {
  const found = root.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
  if (!found) throw new Error(`no ${testid}`);
  return found;
};

afterEach(() => {
  charts?.destroy();
  charts?.el.remove();
  charts = undefined;
  setEmbed();
  vi.restoreAllMocks();
});

describe("charts", () => {
  it("renders one container per chart, in order, with a heading", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { charts } = mount(traits());
    const ids = [...charts.el.querySelectorAll<HTMLElement>("[data-chart]")].map(
      (e) => e.dataset.testid,
    );
    expect(ids).toEqual(["chart-effects", "chart-shrinkage", "chart-lines"]);
    await charts.idle();
    expect(q(charts.el, "chart-effects").dataset.state).toBe("drawn");
    expect(q(charts.el, "chart-shrinkage").dataset.state).toBe("drawn");
    expect(q(charts.el, "chart-shrinkage").querySelector("h3")?.textContent).toBe("Shrinkage");
    expect(embed.calls).toHaveLength(2);
    const call = embed.calls[1];
    expect(call?.options.renderer).toBe("svg");
    expect(call?.spec.datasets).toEqual(shrinkData(["1:1", "1:2", "2:1"]));
    expect(call?.spec.mark).toBe("circle");
  });

  it("draws the specs and data the kernel sends as JSON text, parsing each text once", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const plain = traits();
    const { model, charts } = mount({
      ...plain,
      chart_specs: JSON.stringify(plain.chart_specs),
      chart_data: JSON.stringify(plain.chart_data),
    });
    await charts.idle();
    expect(embed.calls).toHaveLength(2);
    expect(embed.calls[1]?.spec.datasets).toEqual(shrinkData(["1:1", "1:2", "2:1"]));
    expect(embed.calls[1]?.spec.mark).toBe("circle");
    expect(chartTrait(model, "chart_data")).toBe(chartTrait(model, "chart_data"));
    const shrink = embed.calls[1]?.view;
    const parse = vi.spyOn(JSON, "parse");
    model.update(
      "chart_data",
      JSON.stringify({
        ...(plain.chart_data as Traits["chart_data"] & object),
        shrinkage: shrinkData(["9:9"]),
      }),
    );
    await charts.idle();
    expect(parse).toHaveBeenCalledTimes(1); // the new text, once, however many parts read it
    expect(embed.calls).toHaveLength(2); // the same specs: data changed in place
    expect(shrink?.changes[shrink.changes.length - 1]?.name).toBe("shrinkage_points");
    expect(q(charts.el, "chart-shrinkage").dataset.state).toBe("drawn");
    model.update("chart_data", "not json");
    await charts.idle();
    expect(q(charts.el, "chart-effects").isConnected).toBe(true);
  });

  it("draws the charts one after another", async () => {
    let inFlight = 0;
    let most = 0;
    let count = 0;
    const fn: EmbedFn = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      count++;
      const view = new MockView();
      return { view, finalize: () => view.finalize() };
    };
    setEmbed(fn);
    const names = ["effects", "variance", "shrinkage", "caterpillar", "lines", "slopes2d"];
    const { charts } = mount({
      chart_names: names,
      chart_specs: Object.fromEntries(names.map((n) => [n, spec("point", `${n}_rows`)])),
      chart_data: {},
    });
    await charts.idle();
    expect(count).toBe(names.length);
    expect(most).toBe(1);
  });

  it("draws charts with many rows on a canvas", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const many = Array.from({ length: 1385 }, (_, i) => ({ level: `${i}`, n: i }));
    const { charts } = mount({
      chart_names: ["effects", "residuals"],
      chart_specs: { effects: spec("point", "effects_rows"), residuals: spec("point", "rows") },
      chart_data: {
        effects: { effects_rows: [{ term: "(Intercept)", estimate: 1 }] },
        residuals: { rows: many },
      },
    });
    await charts.idle();
    const renderers = embed.calls.map((c) => c.options.renderer);
    expect(renderers).toEqual(["svg", "canvas"]);
    expect(rendererFor({ rows: many.slice(0, 500) })).toBe("svg");
  });

  it("shows the note instead of a chart when one is given", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount(traits());
    const lines = q(charts.el, "chart-lines");
    expect(lines.dataset.state).toBe("note");
    expect(lines.textContent).toContain("Lines need a random slope");
    await charts.idle();
    expect(embed.calls.map((c) => c.spec.mark)).not.toContain("line");

    // The note goes away: the chart is drawn.
    model.update("chart_notes", {});
    model.update("chart_data", {
      ...(model.get("chart_data") as Traits["chart_data"] & object),
      lines: { lines_rows: [{ level: "1:1", x: 1 }] },
    });
    await charts.idle();
    expect(lines.dataset.state).toBe("drawn");
    expect(lines.textContent).not.toContain("random slope");

    // And comes back: the view is kept aside, and reused when the chart applies again.
    const view = embed.calls.find((c) => c.spec.mark === "line")?.view;
    model.update("chart_notes", { lines: "Lines need a random slope" });
    expect(lines.dataset.state).toBe("note");
    expect(view?.finalized).toBe(false);
    const embeds = embed.calls.length;
    const changes = view?.changes.length ?? 0;
    model.update("chart_notes", {});
    model.update("chart_data", {
      ...(model.get("chart_data") as Traits["chart_data"] & object),
      lines: { lines_rows: [{ level: "1:2", x: 2 }] },
    });
    await charts.idle();
    expect(lines.dataset.state).toBe("drawn");
    expect(embed.calls).toHaveLength(embeds);
    expect(view?.changes.slice(changes).map((c) => c.name)).toEqual(["lines_rows"]);
  });

  it("updates data in place when the spec is unchanged", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount(traits());
    await charts.idle();
    const shrink = embed.calls.find((c) => c.spec.mark === "circle");
    const body = q(charts.el, "chart-shrinkage").querySelector(".mw-chart-view");

    const next = traits(["1:1", "1:2", "3:3"]);
    model.update("chart_data", next.chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(embed.calls).toHaveLength(2);
    expect(shrink?.view.changes.map((c) => c.name)).toEqual(["shrinkage_points"]);
    expect(shrink?.view.finalized).toBe(false);
    // The same element still holds the chart.
    expect(q(charts.el, "chart-shrinkage").querySelector(".mw-chart-view")).toBe(body);
    // Charts whose data did not change are left alone.
    const effects = embed.calls.find((c) => c.spec.mark === "point");
    expect(effects?.view.changes).toHaveLength(0);
  });

  it("updates in place when a light page's colours change under it, and draws a dark page's again", async () => {
    // A theme's stylesheet may load after the first draw: on a light page the spec is drawn as
    // sent, so the card's new background is no reason to embed the view again.
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const root = document.createElement("div");
    root.className = "mixwidget";
    document.body.append(root);
    const model = new FakeModel(traits());
    charts = createCharts(new WidgetContext(model));
    root.append(charts.el);
    await charts.idle();
    expect(embed.calls).toHaveLength(2);
    const paint = (color: string) => {
      for (const card of charts?.el.querySelectorAll<HTMLElement>(".mw-chart") ?? []) {
        card.style.backgroundColor = color;
      }
    };
    paint("rgb(250, 250, 250)");
    model.update("chart_data", traits(["1:1", "1:2", "3:3"]).chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(embed.calls).toHaveLength(2);
    const shrink = embed.calls.find((c) => c.spec.mark === "circle");
    expect(shrink?.view.changes.map((c) => c.name)).toEqual(["shrinkage_points"]);

    // On a dark page the background is drawn into the view: a new one means a new embed.
    root.classList.add("mw-dark");
    model.update("chart_data", traits(["1:1", "2:2", "3:3"]).chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(embed.calls).toHaveLength(4);
    expect((embed.calls[3]?.spec.config as { background?: string } | undefined)?.background).toBe(
      "rgb(250, 250, 250)",
    );
    paint("rgb(30, 30, 30)");
    model.update("chart_data", traits(["1:1", "2:2", "4:4"]).chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(embed.calls).toHaveLength(6);
    expect((embed.calls[5]?.spec.config as { background?: string } | undefined)?.background).toBe(
      "rgb(30, 30, 30)",
    );
    root.remove();
  });

  it("draws data sent as columns as the same rows", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const columns = { term: ["(Intercept)", "sexf"], estimate: [1, null] };
    const { model, charts } = mount({
      ...traits(),
      chart_data: { effects: { effects_rows: columns } },
    });
    await charts.idle();
    const effects = embed.calls.find((c) => c.spec.mark === "point");
    expect((effects?.spec.datasets as ChartDatasets).effects_rows).toEqual([
      { term: "(Intercept)", estimate: 1 },
      { term: "sexf", estimate: null },
    ]);
    model.update("chart_data", { effects: { effects_rows: { term: ["x"], estimate: [2] } } });
    await charts.idle();
    expect(effects?.view.changes.map((c) => c.name)).toEqual(["effects_rows"]);
    expect(datasetRows({ a: [1, 2], b: ["x", "y"] })).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
    expect(datasetRows({})).toEqual([]);
  });

  it("shows the fit's own title and subtitle above the view, updated without re-embedding", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount({
      ...traits(),
      chart_captions: {
        shrinkage: { title: "Small classes shrink more", subtitle: ["Median pull: 40%"] },
      },
    });
    await charts.idle();
    const card = q(charts.el, "chart-shrinkage");
    expect(card.querySelector(".mw-chart-title")?.textContent).toBe("Small classes shrink more");
    expect(card.querySelector(".mw-chart-subtitle")?.textContent).toBe("Median pull: 40%");
    model.update("chart_captions", {
      shrinkage: { title: "Small classes shrink more", subtitle: ["Median pull: 35%"] },
    });
    await charts.idle();
    expect(card.querySelector(".mw-chart-subtitle")?.textContent).toBe("Median pull: 35%");
    expect(embed.calls).toHaveLength(2);
    // Without a caption the card keeps its generic heading.
    expect(q(charts.el, "chart-effects").querySelector(".mw-chart-title")?.textContent).toBe(
      "Fixed effects",
    );
  });

  it("embeds again when the spec changes", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount(traits());
    await charts.idle();
    const old = embed.calls.find((c) => c.spec.mark === "circle");
    model.update("chart_specs", {
      ...(model.get("chart_specs") as Traits["chart_specs"] & object),
      shrinkage: { ...spec("square", "shrinkage_points"), width: 300 },
    });
    await charts.idle();
    expect(embed.calls).toHaveLength(3);
    expect(old?.view.finalized).toBe(false);
    expect(embed.calls[2]?.spec.mark).toBe("square");
    expect(q(charts.el, "chart-shrinkage").dataset.state).toBe("drawn");
    expect(charts.el.dataset.busy).toBe("false");

    // Back to the first spec with new data: its view is shown again with the data, no embed.
    const first = traits(["4:1", "4:2"]);
    model.update("chart_specs", first.chart_specs as Traits["chart_specs"]);
    model.update("chart_data", first.chart_data as Traits["chart_data"]);
    expect(charts.el.dataset.busy).toBe("true");
    await charts.idle();
    expect(embed.calls).toHaveLength(3);
    expect(old?.view.changes.map((c) => c.name)).toEqual(["shrinkage_points"]);
    expect(q(charts.el, "chart-shrinkage").querySelector(".mw-chart-view")).toBe(old?.el);

    // A card keeps a few views; the oldest beyond that is finalized.
    for (const width of [301, 302, 303]) {
      model.update("chart_specs", {
        ...(model.get("chart_specs") as Traits["chart_specs"] & object),
        shrinkage: { ...spec("square", "shrinkage_points"), width },
      });
      await charts.idle();
    }
    expect(embed.calls).toHaveLength(6);
    expect(embed.calls[2]?.view.finalized).toBe(true);
    expect(old?.view.finalized).toBe(true);
    expect(embed.calls[5]?.view.finalized).toBe(false);
  });

  it("wraps panels that do not fit a whole row, and puts them side by side again when wider", async () => {
    // jsdom lays nothing out: the card's body is 900 px wide, the grid a row of 926 px.
    let room = 900;
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockImplementation(function (
      this: HTMLElement,
    ) {
      if (this.classList.contains("mw-chart-body")) return room;
      if (this.classList.contains("mw-charts")) return room + 26;
      return 0;
    });
    const specs: Record<string, unknown>[] = [];
    const fn: EmbedFn = async (el, spec) => {
      specs.push(spec);
      const view = new MockView();
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("class", "marks");
      svg.setAttribute("width", Array.isArray(spec.hconcat) ? "1100" : "560"); // side by side: too wide
      el.append(svg);
      return { view, finalize: () => view.finalize() };
    };
    setEmbed(fn);
    const panel = (n: number) => ({
      data: { name: "caterpillar_modes" },
      mark: "point",
      width: 420 + n,
    });
    const { charts } = mount({
      chart_names: ["caterpillar"],
      chart_specs: { caterpillar: { hconcat: [panel(0), panel(1)], spacing: 20 } },
      chart_data: { caterpillar: { caterpillar_modes: [] } },
    });
    await charts.idle();
    await vi.waitFor(() => expect(specs).toHaveLength(2));
    expect(specs[1]?.concat).toEqual([panel(0), panel(1)]);
    expect(specs[1]?.columns).toBe(1);
    expect(specs[1]?.hconcat).toBeUndefined();
    const card = q(charts.el, "chart-caterpillar");
    expect(card.querySelector("svg.marks")?.getAttribute("width")).toBe("560");
    // A wider window: side by side again, the view kept from before shown again (no new embed).
    room = 1400;
    await vi.waitFor(
      () => expect(card.querySelector("svg.marks")?.getAttribute("width")).toBe("1100"),
      {
        timeout: 3000,
      },
    );
    expect(specs).toHaveLength(2);
  });

  it("shows an error in one chart without breaking the others", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error");
    const embed = mockEmbed((s) => s.mark === "point");
    setEmbed(embed.fn);
    const { charts } = mount(traits());
    await charts.idle();
    const effects = q(charts.el, "chart-effects");
    expect(effects.dataset.state).toBe("error");
    expect(effects.textContent).toContain("could not be drawn");
    expect(q(charts.el, "chart-shrinkage").dataset.state).toBe("drawn");
    expect(warn).toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it("sets the selected level on click and toggles it off", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount(traits());
    await charts.idle();
    const view = embed.calls.find((c) => c.spec.mark === "circle")?.view as MockView;
    view.click({ level: "1:2", n: 11 });
    expect(model.get("selected")).toBe("1:2");
    expect(model.saved.slice(-1)[0]).toEqual({ selected: "1:2" });
    await charts.idle();
    // Every chart gets the signal.
    for (const call of embed.calls)
      expect(call.view.signals.slice(-1)[0]).toEqual(["selected", "1:2"]);

    view.click({ level: "1:2" });
    expect(model.get("selected")).toBeNull();
    view.click({ level: 7 });
    expect(model.get("selected")).toBe("7");
    view.click(null); // empty space
    expect(model.get("selected")).toBeNull();
    view.click({ level: "2:1" });
    view.click({ term: "x" }); // a mark without a level
    expect(model.get("selected")).toBeNull();
  });

  it("applies a selection set from Python", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount({ ...traits(), selected: "2:1" });
    await charts.idle();
    for (const call of embed.calls)
      expect(call.view.signals.slice(-1)[0]).toEqual(["selected", "2:1"]);
    model.update("selected", "1:1");
    await charts.idle();
    await Promise.resolve();
    for (const call of embed.calls)
      expect(call.view.signals.slice(-1)[0]).toEqual(["selected", "1:1"]);
  });

  it("keeps the selection over a refit when the level still exists, else clears it", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount({ ...traits(), selected: "1:2" });
    await charts.idle();
    const view = embed.calls.find((c) => c.spec.mark === "circle")?.view as MockView;

    model.update("chart_data", traits(["1:2", "4:4"]).chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(model.get("selected")).toBe("1:2");
    expect(view.signals.slice(-1)[0]).toEqual(["selected", "1:2"]);

    model.update("chart_data", traits(["4:4", "5:5"]).chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(model.get("selected")).toBeNull();
    expect(model.saved.slice(-1)[0]).toEqual({ selected: null });
    expect(view.signals.slice(-1)[0]).toEqual(["selected", null]);
  });

  it("asks only views whose spec has a selected param, and says when highlighting fails", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const views: MockView[] = [];
    const fn: EmbedFn = async (_el, s) => {
      // The effects spec has no "selected" param; the shrinkage view lacks the signal its spec declares.
      const view = new MockView(s.mark !== "circle");
      views.push(view);
      return { view, finalize: () => view.finalize() };
    };
    setEmbed(fn);
    const plain = traits();
    const specs = plain.chart_specs as Record<string, Record<string, unknown>>;
    const { params: _unused, ...effects } = specs.effects ?? {};
    const { model, charts } = mount({
      ...plain,
      chart_specs: { ...specs, effects },
      selected: "1:1",
    });
    await charts.idle();
    model.update("selected", "1:2");
    await charts.idle();
    const effectsCard = q(charts.el, "chart-effects");
    expect(effectsCard.dataset.state).toBe("drawn");
    expect(q(effectsCard, "chart-issue").hidden).toBe(true);
    expect(views[0]?.signals).toEqual([]);
    const shrink = q(charts.el, "chart-shrinkage");
    expect(shrink.dataset.state).toBe("drawn");
    expect(q(shrink, "chart-issue").textContent).toBe(
      "The selected group could not be highlighted: Unrecognized signal: selected",
    );
  });

  it("removes charts that are no longer listed and finalizes their views", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount(traits());
    await charts.idle();
    model.update("chart_names", ["shrinkage"]);
    expect(charts.el.querySelector('[data-testid="chart-effects"]')).toBeNull();
    expect(embed.calls.find((c) => c.spec.mark === "point")?.view.finalized).toBe(true);
    charts.destroy();
    expect(embed.calls.find((c) => c.spec.mark === "circle")?.view.finalized).toBe(true);
  });

  it("offers a choice of grouping factor only when there is more than one", async () => {
    setEmbed(mockEmbed().fn);
    const { model, charts } = mount({
      ...traits(),
      chart_group: "Chick",
      chart_groups: ["Chick"],
    });
    expect(charts.el.querySelector('[data-testid="chart-group"]')).toBeNull();
    model.update("chart_groups", ["Chick", "Diet"]);
    const select = q(charts.el, "chart-group") as HTMLSelectElement;
    expect(select.value).toBe("Chick");
    expect(charts.el.firstElementChild?.contains(select)).toBe(true);
    select.value = "Diet";
    select.dispatchEvent(new Event("change"));
    expect(model.get("chart_group")).toBe("Diet");
    expect(model.saved.slice(-1)[0]).toEqual({ chart_group: "Diet" });
    await charts.idle();
  });

  it("finds levels in any dataset of any chart", () => {
    const data = { a: { x: [{ level: 3 }] }, b: { y: [{ level: "1:2" }], z: [] } };
    expect(levelExists(data, "3")).toBe(true);
    expect(levelExists(data, "1:2")).toBe(true);
    expect(levelExists(data, "2")).toBe(false);
    expect(levelExists({}, "2")).toBe(false);
  });

  it("is wired into the widget and cleaned up with it", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const model = new FakeModel(traits());
    const el = document.createElement("div");
    document.body.append(el);
    const cleanup = widget.render({ model, el });
    expect(el.querySelector('[data-testid="charts"] [data-testid="chart-shrinkage"]')).not.toBe(
      null,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(embed.calls.length).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    for (const call of embed.calls) expect(call.view.finalized).toBe(true);
    el.remove();
  });
});

describe("chart problems are shown on the card, and the last good view stays", () => {
  it("keeps the views when chart data are not JSON, and says why on every card", async () => {
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const start = traits();
    const { model, charts } = mount({
      ...start,
      chart_specs: JSON.stringify(start.chart_specs),
      chart_data: JSON.stringify(start.chart_data),
    });
    await charts.idle();
    const shrink = q(charts.el, "chart-shrinkage");
    const view = shrink.querySelector(".mw-chart-view");
    expect(q(shrink, "chart-issue").hidden).toBe(true);

    model.update("chart_data", '{"shrinkage": {"shrinkage_points": [{"level": "1:1"');
    await charts.idle();
    expect(shrink.dataset.state).toBe("drawn");
    expect(shrink.querySelector(".mw-chart-view")).toBe(view);
    expect(embed.calls).toHaveLength(2);
    expect(embed.calls[1]?.view.changes).toHaveLength(0); // the last data readable stay drawn
    const issue = q(shrink, "chart-issue");
    expect(issue.hidden).toBe(false);
    expect(issue.textContent).toMatch(
      /^The chart data from Python could not be read \(SyntaxError: .+\); the chart shows the last that could\.$/,
    );
    expect(q(q(charts.el, "chart-effects"), "chart-issue").textContent).toBe(issue.textContent);

    model.update("chart_data", JSON.stringify(traits(["7:7"]).chart_data));
    await charts.idle();
    expect(issue.hidden).toBe(true);
    expect(embed.calls[1]?.view.changes.map((c) => c.name)).toEqual(["shrinkage_points"]);
  });

  it("keeps a view whose update failed, says why, and tries the next data", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const embed = mockEmbed();
    setEmbed(embed.fn);
    const { model, charts } = mount(traits());
    await charts.idle();
    const shrink = embed.calls.find((c) => c.spec.mark === "circle");
    if (!shrink) throw new Error("no shrinkage view");
    const card = q(charts.el, "chart-shrinkage");
    const el = card.querySelector(".mw-chart-view");
    const issue = q(card, "chart-issue");

    // A dataset the spec does not use is Vega's "Unrecognized data set": no problem.
    const change = vi.spyOn(shrink.view, "change").mockImplementation((name) => {
      if (name === "extra_rows") throw new Error('Unrecognized data set: "extra_rows"');
      return shrink.view;
    });
    const withExtra = traits(["2:2"]).chart_data as Record<string, ChartDatasets>;
    model.update("chart_data", {
      ...withExtra,
      shrinkage: { ...withExtra.shrinkage, extra_rows: [{ n: 1 }] },
    } as Traits["chart_data"]);
    await charts.idle();
    expect(change).toHaveBeenCalledWith("extra_rows", expect.anything());
    expect(issue.hidden).toBe(true);
    change.mockRestore();

    // Any other error: the view stays on show with a note that says why.
    vi.spyOn(shrink.view, "runAsync").mockRejectedValueOnce(new Error("bad transform"));
    model.update("chart_data", traits(["5:5"]).chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(card.dataset.state).toBe("drawn");
    expect(card.querySelector(".mw-chart-view")).toBe(el);
    expect(shrink.view.finalized).toBe(false);
    expect(issue.textContent).toBe(
      "This chart could not be updated (bad transform); it shows the chart as it was before.",
    );
    expect(warn).toHaveBeenCalled();

    model.update("chart_data", traits(["6:6"]).chart_data as Traits["chart_data"]);
    await charts.idle();
    expect(issue.hidden).toBe(true);
    expect(embed.calls).toHaveLength(2);
  });

  it("keeps the last good view when a new spec cannot be drawn", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const embed = mockEmbed((s) => s.mark === "square");
    setEmbed(embed.fn);
    const { model, charts } = mount(traits());
    await charts.idle();
    const old = embed.calls.find((c) => c.spec.mark === "circle");
    const card = q(charts.el, "chart-shrinkage");
    model.update("chart_specs", {
      ...(model.get("chart_specs") as Traits["chart_specs"] & object),
      shrinkage: spec("square", "shrinkage_points"),
    });
    await charts.idle();
    expect(card.dataset.state).toBe("drawn");
    expect(card.querySelector(".mw-chart-view")).toBe(old?.el);
    expect(old?.view.finalized).toBe(false);
    expect(q(card, "chart-issue").textContent).toBe(
      "This chart could not be drawn for the current model (Invalid specification); it shows the last chart that could be drawn.",
    );
    // Back to a spec that draws: the note goes.
    model.update("chart_specs", traits().chart_specs as Traits["chart_specs"]);
    await charts.idle();
    expect(q(card, "chart-issue").hidden).toBe(true);
  });
});
