// Test data: what the kernel really sends for fits of the `science` data (lme4 formula from mlmRev).
// fixtures.json is written by scripts/make_contracts.py; tests/test_contracts.py fails when it drifts.
import type {
  ChartCaption,
  ChartSpec,
  Comparison,
  FitSummary,
  KeyNumbers,
  SentDatasets,
  Traits,
} from "../src/model";
import data from "./fixtures.json";

export const scienceColumns = data.scienceColumns as Traits["columns"];
export const scienceFormula: string = data.scienceFormula;
export const mixedFit = data.mixedFit as FitSummary;
export const olsFit = data.olsFit as FitSummary;
export const comparison = data.comparison as Comparison;
export const variants: Traits["variants"] = data.variants;
export const keyNumbers = data.keyNumbers as KeyNumbers;
export const charts = data.charts as {
  names: string[];
  specs: Record<string, ChartSpec>;
  data: Record<string, SentDatasets>;
  captions: Record<string, ChartCaption>;
};
/** [family, link] pairs the explorer fits, each family's default link first (EXPLORER_LINKS). */
export const familyLinks = data.familyLinks as [string, string][];
