// Realistic example data: the `science` data set (lme4 formula from the mlmRev package).
import type { Comparison, FitSummary, Traits } from "../src/model";

export const scienceColumns: Traits["columns"] = [
  { name: "like", kind: "numeric", levels: 0, integer_codes: false },
  { name: "sex", kind: "categorical", levels: 2, integer_codes: false },
  { name: "PrivPub", kind: "categorical", levels: 2, integer_codes: false },
  { name: "school", kind: "categorical", levels: 41, integer_codes: true },
  { name: "class", kind: "categorical", levels: 4, integer_codes: true },
  { name: "Class", kind: "categorical", levels: 66, integer_codes: false },
  { name: "grade", kind: "numeric", levels: 0, integer_codes: false },
];

export const scienceFormula = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)";

export const mixedFit: FitSummary = {
  id: 2,
  formula: scienceFormula,
  reml: true,
  kind: "mixed",
  nobs: 1383,
  n_dropped: 2,
  ngroups: { "school:class": 66, school: 41 },
  fixed: [
    {
      term: "(Intercept)",
      estimate: 4.7218,
      std_error: 0.1624,
      t_value: 29.072,
      df: 71.52,
      p_value: 1.2e-41,
    },
    {
      term: "sexm",
      estimate: 0.1823,
      std_error: 0.0982,
      t_value: 1.857,
      df: 1379.48,
      p_value: 0.0635,
    },
    {
      term: "PrivPubpublic",
      estimate: 0.4117,
      std_error: 0.1857,
      t_value: 2.217,
      df: 60.16,
      p_value: 0.0304,
    },
  ],
  variance: [
    {
      group: "school:class",
      term: "(Intercept)",
      variance: 0.3206,
      std_dev: 0.5662,
      corr: null,
      share: 0.0951,
    },
    { group: "school", term: "(Intercept)", variance: 0, std_dev: 0, corr: null, share: 0 },
    { group: "Residual", term: "", variance: 3.0521, std_dev: 1.747, corr: null, share: 0.9049 },
  ],
  messages: ["boundary (singular) fit: see help('isSingular')"],
  loglik: -2762.4,
  aic: 5536.8,
  bic: 5568.2,
  deviance: null,
  reml_criterion: 5524.8,
  sigma: 1.747,
  singular: true,
  converged: true,
};

export const olsFit: FitSummary = {
  id: 1,
  formula: "like ~ sex + PrivPub",
  reml: true,
  kind: "ols",
  nobs: 1383,
  n_dropped: 2,
  ngroups: {},
  fixed: [
    {
      term: "(Intercept)",
      estimate: 4.7001,
      std_error: 0.0937,
      t_value: 50.161,
      df: 1380,
      p_value: 1e-300,
    },
    { term: "sexm", estimate: 0.1562, std_error: 0.0997, t_value: 1.567, df: 1380, p_value: 0.117 },
    {
      term: "PrivPubpublic",
      estimate: 0.4311,
      std_error: 0.1147,
      t_value: 3.759,
      df: 1380,
      p_value: 0.000178,
    },
  ],
  variance: [
    { group: "Residual", term: "", variance: 3.4389, std_dev: 1.8544, corr: null, share: 1 },
  ],
  messages: [],
  loglik: -2819.6,
  aic: 5647.2,
  bic: 5668.1,
  deviance: 4745.7,
  reml_criterion: null,
  sigma: 1.8544,
  singular: false,
  converged: true,
};

export const comparison: Comparison = {
  models: ["M1", "M2"],
  fixed: [
    ...olsFit.fixed.map((f) => ({
      term: f.term,
      model: "M1",
      estimate: f.estimate,
      std_error: f.std_error,
      t_value: f.t_value,
    })),
    ...mixedFit.fixed.map((f) => ({
      term: f.term,
      model: "M2",
      estimate: f.estimate,
      std_error: f.std_error,
      t_value: f.t_value,
    })),
  ],
  variance: [
    { model: "M1", group: "Residual", term: "", variance: 3.4389, std_dev: 1.8544 },
    { model: "M2", group: "school:class", term: "(Intercept)", variance: 0.3206, std_dev: 0.5662 },
    { model: "M2", group: "school", term: "(Intercept)", variance: 0, std_dev: 0 },
    { model: "M2", group: "Residual", term: "", variance: 3.0521, std_dev: 1.747 },
  ],
  stats: [
    {
      model: "M1",
      formula: olsFit.formula,
      nobs: 1383,
      npar: 4,
      loglik: -2819.6,
      aic: 5647.2,
      bic: 5668.1,
    },
    {
      model: "M2",
      formula: mixedFit.formula,
      nobs: 1383,
      npar: 6,
      loglik: -2760.9,
      aic: 5533.8,
      bic: 5565.2,
    },
  ],
  lrt: [{ model: "M2", vs: "M1", chisq: 117.4, df: 2, p_value: 1e-25 }],
  lrt_note:
    "Models refitted with ML for the likelihood-ratio test. The test of a variance at zero is conservative.",
  lrt_method: "",
};

export const variants: Traits["variants"] = [
  { label: "Drop (1 | school)", formula: "like ~ sex + PrivPub + (1 | school:class)" },
  { label: "No random effects (OLS)", formula: "like ~ sex + PrivPub" },
  { label: "Nested: (1 | school/class)", formula: "like ~ sex + PrivPub + (1 | school/class)" },
];
