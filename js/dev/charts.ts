// Hand-written Vega-Lite specs and data imitating the Python side's charts.
import type { ChartDatasets, ChartSpec } from "../src/model";

const highlight = "selected !== null && datum.level === selected";

export const demoSpec: ChartSpec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  params: [{ name: "selected", value: null }],
  width: "container",
  height: 260,
  data: { name: "demo_points" },
  layer: [
    {
      mark: { type: "rule", strokeWidth: 1.5 },
      encoding: {
        x: { field: "no_pooling", type: "quantitative", title: "Group mean (no pooling)" },
        x2: { field: "partial" },
        y: { field: "n", type: "quantitative", title: "Group size" },
        color: { condition: { test: highlight, value: "#d55e00" }, value: "#999999" },
      },
    },
    {
      mark: { type: "circle", size: 90, cursor: "pointer" },
      encoding: {
        x: { field: "partial", type: "quantitative" },
        y: { field: "n", type: "quantitative" },
        color: { condition: { test: highlight, value: "#d55e00" }, value: "#0072b2" },
        size: { condition: { test: highlight, value: 260 }, value: 90 },
        opacity: {
          condition: { test: `selected === null || ${highlight}`, value: 1 },
          value: 0.35,
        },
        tooltip: [
          { field: "level", title: "Group" },
          { field: "n", title: "Size" },
          { field: "no_pooling", title: "No pooling", format: ".2f" },
          { field: "partial", title: "Partial pooling", format: ".2f" },
        ],
      },
    },
  ],
};

export const caterpillarSpec: ChartSpec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  params: [{ name: "selected", value: null }],
  width: "container",
  height: 260,
  data: { name: "demo_points" },
  mark: { type: "point", filled: true, size: 70, cursor: "pointer" },
  encoding: {
    y: { field: "level", type: "nominal", sort: { field: "partial" }, title: "Group" },
    x: { field: "partial", type: "quantitative", title: "Random intercept" },
    color: { condition: { test: highlight, value: "#d55e00" }, value: "#0072b2" },
    tooltip: [
      { field: "level", title: "Group" },
      { field: "partial", title: "Effect", format: ".2f" },
    ],
  },
};

/** A spec Vega-Lite rejects, to show a chart's error message. */
export const brokenSpec: ChartSpec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  data: { name: "demo_points" },
  mark: "no-such-mark",
};

/** Rows for a few groups; `shift` moves the estimates as a refit would. */
export function demoData(shift = 0, groups = 12): ChartDatasets {
  const rows = [];
  for (let i = 0; i < groups; i++) {
    const n = 5 + ((i * 7) % 23);
    const noPooling = Math.sin(i * 1.7 + shift) * 3;
    const partial = noPooling * (n / (n + 6));
    rows.push({
      level: `${1 + Math.floor(i / 4)}:${1 + (i % 4)}`,
      n,
      no_pooling: noPooling,
      partial,
    });
  }
  return { demo_points: rows };
}
