// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import {
  adaptSpec,
  fillWidth,
  naturalWidth,
  panelsSideBySide,
  roundDescription,
  widthSignals,
  wrapPanels,
} from "../src/chartLook";

/** A chart body holding what vega drew: an svg or a canvas of class "marks". */
function drawnIn<K extends "svg" | "canvas">(
  kind: K,
): { body: HTMLDivElement; marks: K extends "svg" ? SVGSVGElement : HTMLCanvasElement } {
  const body = document.createElement("div");
  const marks =
    kind === "svg"
      ? document.createElementNS("http://www.w3.org/2000/svg", "svg")
      : document.createElement("canvas");
  marks.setAttribute("class", "marks");
  body.append(marks);
  return { body, marks: marks as K extends "svg" ? SVGSVGElement : HTMLCanvasElement };
}

describe("chart look", () => {
  it("rounds long decimals in descriptions", () => {
    expect(roundDescription("estimate: 4.9386881851; n: 12; t: -2.21697632")).toBe(
      "estimate: 4.939; n: 12; t: -2.217",
    );
  });

  it("lightens a scale's dark colours on a dark page", () => {
    const spec = {
      mark: "point",
      encoding: { color: { scale: { range: ["#D55E00", "#555555", "#000"] } } },
    };
    const dark = adaptSpec(spec, { dark: true, background: "rgb(17, 17, 17)" }) as typeof spec;
    expect(dark.encoding.color.scale.range).toEqual(["#D55E00", "#a8a8a8", "#e6e6e6"]);
    expect(adaptSpec(spec, { dark: false, background: "" })).toBe(spec);
  });

  it("lightens encoded colours and their conditions on a dark page (the caterpillar's dots)", () => {
    const spec = {
      mark: { type: "point", filled: true },
      encoding: {
        color: { condition: { test: "selected != null", value: "#D55E00" }, value: "#0072B2" },
        stroke: { value: "#333" },
        x: { field: "estimate", type: "quantitative" },
      },
    };
    const dark = adaptSpec(spec, { dark: true, background: "rgb(17, 17, 17)" }) as typeof spec;
    expect(dark.encoding.color).toEqual({
      condition: { test: "selected != null", value: "#D55E00" },
      value: "#56B4E9",
    });
    expect(dark.encoding.stroke).toEqual({ value: "#bdbdbd" });
    expect(dark.encoding.x).toEqual(spec.encoding.x);
    expect(adaptSpec(spec, { dark: false, background: "" })).toBe(spec);
  });

  it("finds the fixed view widths of a compiled spec", () => {
    const found = widthSignals({
      width: 460,
      signals: [
        { name: "childWidth", value: 420 },
        { name: "concat_0_width", value: 300 },
        { name: "width_step", update: "x" },
        { name: "selected", value: null },
      ],
    });
    expect([...found]).toEqual([
      ["width", 460],
      ["childWidth", 420],
      ["concat_0_width", 300],
    ]);
  });

  it("gives dark pages light text and a dark background, and leaves light pages alone", () => {
    const spec = {
      mark: { type: "rule", color: "#333" },
      config: { axis: { gridColor: "#e6e6e6" } },
    };
    expect(adaptSpec(spec, { dark: false, background: "" })).toBe(spec);
    const dark = adaptSpec(spec, { dark: true, background: "rgb(17, 17, 17)" });
    const config = dark.config as Record<string, Record<string, unknown>>;
    expect(config.background).toBe("rgb(17, 17, 17)");
    expect(config.axis?.labelColor).toBe("#e6e6e6");
    expect(config.axis?.gridColor).toBe("#3a3a3a");
    expect((dark.mark as Record<string, unknown>).color).toBe("#bdbdbd");
  });

  it("wraps side-by-side panels into fewer columns, rows below rows alike", () => {
    const view = (n: number) => ({ mark: "point", width: 300 + n });
    const two = { hconcat: [view(0), view(1)], spacing: 20, config: { axis: {} } };
    expect(panelsSideBySide(two)).toBe(2);
    expect(panelsSideBySide(view(0))).toBe(1);
    const one = wrapPanels(two, 1);
    expect(one).toEqual({
      concat: [view(0), view(1)],
      columns: 1,
      spacing: 20,
      config: { axis: {} },
    });
    expect(panelsSideBySide(one)).toBe(1);
    expect(wrapPanels(two, 2)).toEqual(two);
    // A plot above a row of three quantile plots; and a grid of two columns.
    const rows = {
      vconcat: [{ hconcat: [view(0), view(1)] }, { hconcat: [view(2), view(3), view(4)] }],
    };
    expect(panelsSideBySide(rows)).toBe(3);
    expect(wrapPanels(rows, 2)).toEqual({
      vconcat: [
        { hconcat: [view(0), view(1)] },
        { concat: [view(2), view(3), view(4)], columns: 2 },
      ],
    });
    const grid = { concat: [view(0), view(1), view(2)], columns: 2 };
    expect(panelsSideBySide(grid)).toBe(2);
    expect(wrapPanels(grid, 1)).toEqual({ ...grid, columns: 1 });
  });

  it("never leaves a chart a little wider than its card", async () => {
    // A view 420 px wide plus 300 px of axes and legend: 720 px in a card 711 px wide.
    const { body, marks: svg } = drawnIn("svg");
    let width = 420;
    const view = {
      signal(_name: string, value?: unknown) {
        width = Number(value);
        return view;
      },
      async runAsync() {
        svg.setAttribute("width", String(300 + width));
        return view;
      },
    };
    await fillWidth(view, new Map([["width", 420]]), body, 711);
    expect(Number(svg.getAttribute("width"))).toBeLessThanOrEqual(711);
    expect(Number(svg.getAttribute("width"))).toBeGreaterThan(700);
    // A chart a little narrower than its card is left alone.
    await fillWidth(view, new Map([["width", 420]]), body, 725);
    expect(Number(svg.getAttribute("width"))).toBe(720);
  });

  it("fills the card when the spec's views are narrower than the least a view is drawn at", async () => {
    // Three panels of 190 px (held at 220 px at first) stacked in one column, plus 110 px of axis
    // labels: the first trials do not lie on one straight line.
    const { body, marks: svg } = drawnIn("svg");
    let width = 190;
    const view = {
      signal(_name: string, value?: unknown) {
        width = Number(value);
        return view;
      },
      async runAsync() {
        svg.setAttribute("width", String(110 + width));
        return view;
      },
    };
    await fillWidth(view, new Map([["concat_0_width", 190]]), body, 934);
    expect(Number(svg.getAttribute("width"))).toBeLessThanOrEqual(934);
    expect(Number(svg.getAttribute("width"))).toBeGreaterThan(915);
  });

  it("resizes a canvas to panels whose widths are inner signals", async () => {
    // Vega resizes a canvas only when told to re-run the layout's size (view.resize()):
    // two side-by-side panels of `width` px each plus 100 px of axes, drawn on a canvas.
    const { body, marks: canvas } = drawnIn("canvas");
    canvas.style.width = "600px";
    let width = 250;
    let resized = false;
    const view = {
      signal(_name: string, value?: unknown) {
        width = Number(value);
        return view;
      },
      resize() {
        resized = true;
        return view;
      },
      async runAsync() {
        if (resized) canvas.style.width = `${2 * width + 100}px`;
        resized = false;
        return view;
      },
    };
    const base = new Map([
      ["concat_0_width", 250],
      ["concat_1_width", 250],
    ]);
    await fillWidth(view, base, body, 900);
    expect(Number.parseFloat(canvas.style.width)).toBeLessThanOrEqual(900);
    expect(Number.parseFloat(canvas.style.width)).toBeGreaterThan(880);
  });

  it("fills the card's width from the spec's widths, whatever it was drawn at before", async () => {
    // A chart whose view is `width` px wide plus 60 px of axis labels, drawn as an svg.
    const { body, marks: svg } = drawnIn("svg");
    let width = 400;
    const view = {
      signal(name: string, value?: unknown) {
        if (name === "width") width = value as number;
        return view;
      },
      async runAsync() {
        svg.setAttribute("width", String(width + 60));
        return view;
      },
    };
    const base = new Map([["width", 400]]);
    await fillWidth(view, base, body, 660);
    expect(svg.getAttribute("width")).toBe("660");
    await fillWidth(view, base, body, 460);
    expect(svg.getAttribute("width")).toBe("460");
    // A canvas gives its width in CSS px in its style (its own width counts device pixels).
    const canvas = document.createElement("canvas");
    canvas.className = "marks";
    canvas.setAttribute("width", "1000");
    canvas.style.width = "500px";
    const other = document.createElement("div");
    other.append(canvas);
    expect(naturalWidth(other)).toBe(500);
  });
});
