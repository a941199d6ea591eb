// @vitest-environment jsdom
// The page on what the kernel really sends (fixtures.json, written from Python): real chart payloads
// are drawn with their data and captions, and the summary shows the real numbers.
import { afterEach, describe, expect, it } from "vitest";
import type { ChartView, EmbedFn } from "../src/components/chartEmbed";
import { type Charts, createCharts, setEmbed } from "../src/components/charts";
import { WidgetContext } from "../src/context";
import { datasetRows } from "../src/model";
import { FakeModel } from "./fakeModel";
import { keyNumbers, mixedFit, charts as sent } from "./fixtures";

const view: ChartView = {
  change: () => view,
  signal: () => view,
  runAsync: async () => view,
  addEventListener: () => view,
  finalize: () => view,
};

let board: Charts | undefined;

afterEach(() => {
  board?.destroy();
  board?.el.remove();
  board = undefined;
  setEmbed();
});

describe("real payloads", () => {
  it("draws every chart the kernel sends as JSON text, with its data as rows and its caption", async () => {
    const specs: Record<string, Record<string, unknown>> = {};
    const embed: EmbedFn = async (el, spec) => {
      const name = el.closest<HTMLElement>("[data-chart]")?.dataset.chart ?? "";
      specs[name] = spec;
      return { view, finalize: () => undefined };
    };
    setEmbed(embed);
    const model = new FakeModel({
      chart_names: sent.names,
      chart_specs: JSON.stringify(sent.specs),
      chart_data: JSON.stringify(sent.data),
      chart_captions: sent.captions,
    });
    board = createCharts(new WidgetContext(model));
    document.body.append(board.el);
    await board.idle();
    expect(Object.keys(specs).sort()).toEqual([...sent.names].sort());
    for (const name of sent.names) {
      const card = board.el.querySelector<HTMLElement>(`[data-chart="${name}"]`);
      expect(card?.dataset.state).toBe(`drawn`);
      expect(card?.querySelector("h3")?.textContent).toBe(sent.captions[name]?.title);
      const datasets = specs[name]?.datasets as Record<string, unknown>;
      for (const [dataset, columns] of Object.entries(sent.data[name] ?? {}))
        expect(datasets[dataset]).toEqual(datasetRows(columns));
      expect(specs[name]?.$schema).toBe(sent.specs[name]?.$schema);
    }
    expect(sent.captions.effects?.title).toContain("PrivPubpublic");
  });

  it("are what Python computes for the science model", () => {
    const privPub = mixedFit.fixed.find((f) => f.term === "PrivPubpublic");
    expect(privPub?.t_value?.toFixed(3)).toBe("2.217"); // lmerTest's t value
    expect(mixedFit.loglik?.toFixed(2)).toBe("-2773.27"); // lme4's REML logLik
    expect(keyNumbers.term).toBe("PrivPubpublic");
  });
});
