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

/**
 * One number as R's ``format(x, digits)`` prints it (formatReal): rounded to ``digits``
 * significant digits, trailing zeros dropped, fixed notation unless scientific is narrower
 * ("0.000123", "1e-04", "1.2e-08").
 */
export function formatNumberR(x: number, digits: number): string {
  if (x === 0) return "0";
  const [mantissa = "0", exponent = "0"] = Math.abs(x)
    .toExponential(digits - 1)
    .split("e");
  const e10 = Number(exponent);
  const sig = mantissa.replace(".", "").replace(/0+$/, "") || "0";
  const sign = x < 0 ? "-" : "";
  const decimals = Math.max(0, sig.length - e10 - 1);
  const fixedWidth = (e10 >= 0 ? e10 + 1 : 1) + (decimals > 0 ? decimals + 1 : 0);
  const sciWidth = (sig.length > 1 ? sig.length + 1 : 1) + (Math.abs(e10) >= 100 ? 5 : 4);
  if (fixedWidth <= sciWidth) return sign + fixedC(Math.abs(x), decimals);
  const digitsShown = sig.length > 1 ? `${sig[0]}.${sig.slice(1)}` : sig;
  const power = String(Math.abs(e10)).padStart(2, "0");
  return `${sign}${digitsShown}e${e10 < 0 ? "-" : "+"}${power}`;
}

/** C's ``sprintf("%.*f")``, which R's fixed notation uses: an exact tie goes to the even digit (5546.5 -> "5546"). */
function fixedC(x: number, decimals: number): string {
  const scaled = x * 10 ** decimals;
  const below = Math.floor(scaled);
  if (scaled - below === 0.5 && below % 2 === 0) return (below / 10 ** decimals).toFixed(decimals);
  return x.toFixed(decimals);
}

/** R's ``.Machine$double.eps``: p-values below it print as "<2e-16". */
const DOUBLE_EPS = 2.220446049250313e-16;

/**
 * One p value as R's ``format.pval(p, digits = 3)`` prints it, the rule of Python's ``format_p``
 * (the page shows the text Python sends; this is for values without one): "<2e-16", "1.2e-08",
 * "0.000123", "0.0477", "0.5".
 */
export function formatP(p: number | null | undefined): string {
  if (!finite(p)) return MISSING;
  if (p < DOUBLE_EPS) return "<2e-16";
  return formatNumberR(p, 3);
}

/** A p value's text as Python sent it (R's format.pval), else formatted here by the same rule. */
export function pText(text: string | null | undefined, p: number | null | undefined): string {
  return typeof text === "string" && text !== "" ? text : formatP(p);
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
