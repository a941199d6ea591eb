// Local preview of the widget with a fake model that imitates the Python side.
import type { Traits } from "../src/model";
import widget from "../src/widget";
import { FakeModel } from "../test/fakeModel";
import {
  comparison,
  mixedFit,
  olsFit,
  scienceColumns,
  scienceFormula,
  variants,
} from "../test/fixtures";
import { brokenSpec, caterpillarSpec, demoData, demoSpec } from "./charts";

const params = new URLSearchParams(location.search);
const traitsUrl = params.get("traits");
const model = new FakeModel({
  columns: scienceColumns,
  formula: scienceFormula,
  current: mixedFit,
  previous: params.has("noprev") ? null : olsFit,
  status: { state: "idle", elapsed_ms: 35, message: "" },
  variants,
  pinned: params.has("nopins") ? [] : [olsFit, mixedFit],
  comparison: params.has("nopins") ? {} : comparison,
  error: params.get("error") ?? "",
  ...(params.has("nocharts") ? {} : chartTraits(0)),
});

function chartData(shift: number): Traits["chart_data"] {
  return { shrinkage: demoData(shift), caterpillar: demoData(shift) };
}

function chartTraits(shift: number): Partial<Traits> {
  const names = ["shrinkage", "caterpillar", "lines"];
  if (params.has("broken")) names.push("residuals");
  return {
    chart_names: names,
    chart_specs: { shrinkage: demoSpec, caterpillar: caterpillarSpec, residuals: brokenSpec },
    chart_data: chartData(shift),
    chart_notes: { lines: "Lines need a random slope; add one, e.g. (Time | Chick)" },
    chart_group: "class",
    chart_groups: ["class", "school"],
    selected: params.get("selected"),
  };
}

// Imitate Python: refit after every formula or REML change.
let fits = 10;
function refit(): void {
  model.update("status", { state: "fitting", elapsed_ms: null, message: "" });
  setTimeout(() => {
    const prev = model.get("current");
    model.update("previous", prev);
    model.update("current", {
      ...mixedFit,
      id: fits++,
      formula: model.get("formula"),
      reml: model.get("reml"),
    });
    // With ?traits the chart data stays as dumped from Python.
    if (!traitsUrl) model.update("chart_data", chartData(fits / 3));
    model.update("status", { state: "idle", elapsed_ms: 412, message: "" });
  }, 400);
}
model.on("change:formula", refit);
model.on("change:reml", refit);
model.on("change:chart_group", refit);

const el = document.getElementById("root") as HTMLElement;
widget.render({ model, el });
if (params.has("typo")) {
  const input = el.querySelector<HTMLInputElement>('[data-testid="formula-input"]');
  if (input) {
    input.value = "like ~ sex + PrivPub + (1 | shcool)";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
  }
}
if (params.has("fitting"))
  model.update("status", { state: "fitting", elapsed_ms: null, message: "" });
(window as unknown as { model: FakeModel }).model = model;

// ?traits=dist/real.json: load chart traits dumped from the Python side (json.dump of the
// widget's chart_* and selected traits) to check real specs in the browser.
if (traitsUrl) {
  fetch(traitsUrl)
    .then((response) => response.json())
    .then((traits: Partial<Traits>) => {
      for (const [key, value] of Object.entries(traits)) {
        model.update(key as keyof Traits, value as never);
      }
    })
    .catch((err) => console.warn("harness: could not load traits", err));
}
