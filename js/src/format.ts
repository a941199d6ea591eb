// Number formatting that follows what lme4's summary prints.

function finite(x: number | null | undefined): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

const MISSING = "—";

/** Avoid printing "-0.0000". */
function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** R-style exponent: 1.23e-05. */
function exponential(x: number, digits: number): string {
  return x.toExponential(digits).replace(/e([+-])(\d)$/, "e$10$2");
}

/** Variance and standard deviation: 4 decimals (0.3206, 0.0000, 3.0521). */
export function formatVariance(x: number | null | undefined): string {
  return finite(x) ? fixed(x, 4) : MISSING;
}

/** Estimates and standard errors: 4 decimals, scientific when tiny or huge. */
export function formatEstimate(x: number | null | undefined): string {
  if (!finite(x)) return MISSING;
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e7)) return exponential(x, 3);
  return fixed(x, 4);
}

/** t values: 3 decimals (2.217). */
export function formatT(x: number | null | undefined): string {
  return finite(x) ? fixed(x, 3) : MISSING;
}

/** Degrees of freedom: 2 decimals (71.52). */
export function formatDf(x: number | null | undefined): string {
  return finite(x) ? fixed(x, 2) : MISSING;
}

/** p values like R's format.pval: "< 2e-16", "1.23e-05", "0.0418", "0.5". */
export function formatP(p: number | null | undefined): string {
  if (!finite(p)) return MISSING;
  if (p < 2.2e-16) return "< 2e-16";
  if (p < 1e-4) return exponential(p, 2);
  return String(Number(p.toPrecision(3)));
}

/** Share of total variance as a percentage with 1 decimal (9.5%). */
export function formatShare(x: number | null | undefined): string {
  return finite(x) ? `${fixed(x * 100, 1)}%` : "";
}

/** Correlations: 2 decimals, as lme4 prints them. */
export function formatCorr(x: number | null | undefined): string {
  return finite(x) ? fixed(x, 2) : "";
}

/** Likelihood-based statistics (logLik, AIC, BIC, deviance): 1 decimal. */
export function formatStat(x: number | null | undefined): string {
  return finite(x) ? fixed(x, 1) : MISSING;
}

/** Chi-square statistics: 3 decimals. */
export function formatChisq(x: number | null | undefined): string {
  return finite(x) ? fixed(x, 3) : MISSING;
}

/** Counts with no decimals. */
export function formatCount(x: number | null | undefined): string {
  return finite(x) ? String(Math.round(x)) : MISSING;
}

/** Elapsed time: "35 ms", "1.2 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "Number of obs: 1383, groups: school:class, 66; school, 41". */
export function formatObsLine(
  nobs: number,
  ngroups: Record<string, number> | null | undefined,
): string {
  const groups = Object.entries(ngroups ?? {}).map(([g, n]) => `${g}, ${n}`);
  const base = `Number of obs: ${formatCount(nobs)}`;
  return groups.length > 0 ? `${base}, groups: ${groups.join("; ")}` : base;
}

/** "2 rows dropped (missing values)", or "" when none were. */
export function formatDropped(n: number | null | undefined): string {
  if (!finite(n) || n <= 0) return "";
  return `${n} ${n === 1 ? "row" : "rows"} dropped (missing values)`;
}
