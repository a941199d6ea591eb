import { describe, expect, it } from "vitest";
import rCases from "../../tests/reference/rformat_cases.json";
import {
  formatChisq,
  formatCorr,
  formatDf,
  formatDropped,
  formatDuration,
  formatEstimate,
  formatNumberR,
  formatObsLine,
  formatP,
  formatShare,
  formatStat,
  formatT,
  formatVariance,
} from "../src/format";

describe("lme4-style number formatting", () => {
  it("prints variances and standard deviations with 4 decimals", () => {
    expect(formatVariance(0.3206)).toBe("0.3206");
    expect(formatVariance(0)).toBe("0.0000");
    expect(formatVariance(-0)).toBe("0.0000");
    expect(formatVariance(3.05214)).toBe("3.0521");
    expect(formatVariance(1.747)).toBe("1.7470");
    expect(formatVariance(null)).toBe("—");
    expect(formatVariance(Number.NaN)).toBe("—");
  });

  it("prints estimates and standard errors", () => {
    expect(formatEstimate(4.7218)).toBe("4.7218");
    expect(formatEstimate(0.0982)).toBe("0.0982");
    expect(formatEstimate(-0.00001)).toBe("-1.000e-05");
    expect(formatEstimate(251.4051)).toBe("251.4051");
    expect(formatEstimate(-0.0)).toBe("0.0000");
  });

  it("prints t values, df and p values", () => {
    expect(formatT(2.2171)).toBe("2.217");
    expect(formatT(29.072)).toBe("29.072");
    expect(formatDf(71.5234)).toBe("71.52");
    expect(formatDf(1379.48)).toBe("1379.48");
    expect(formatP(1e-20)).toBe("<2e-16");
    expect(formatP(2.3e-5)).toBe("2.3e-05");
    expect(formatP(1.2e-8)).toBe("1.2e-08");
    expect(formatP(0.000178)).toBe("0.000178");
    expect(formatP(0.03041)).toBe("0.0304");
    expect(formatP(0.5)).toBe("0.5");
    expect(formatP(0.117)).toBe("0.117");
    expect(formatP(1)).toBe("1");
    expect(formatP(null)).toBe("—");
  });

  it("prints shares, correlations and likelihood statistics", () => {
    expect(formatShare(0.0951)).toBe("9.5%");
    expect(formatShare(1)).toBe("100.0%");
    expect(formatShare(null)).toBe("");
    expect(formatCorr(0.0656)).toBe("0.07");
    expect(formatCorr(null)).toBe("");
    expect(formatStat(-2762.44)).toBe("-2762.4");
    expect(formatChisq(117.4)).toBe("117.400");
  });

  it("prints the observation line like lme4", () => {
    expect(formatObsLine(1383, { "school:class": 66, school: 41 })).toBe(
      "Number of obs: 1383, groups: school:class, 66; school, 41",
    );
    expect(formatObsLine(1383, {})).toBe("Number of obs: 1383");
    expect(formatDropped(2)).toBe("2 rows dropped (missing values)");
    expect(formatDropped(1)).toBe("1 row dropped (missing values)");
    expect(formatDropped(0)).toBe("");
  });

  it("prints durations", () => {
    expect(formatDuration(35.4)).toBe("35 ms");
    expect(formatDuration(1234)).toBe("1.2 s");
  });
});

// R's own answers (tests/reference/make_rformat_cases.R), the cases Python's rformat is tested on.
interface FormatCase {
  x: (number | null)[];
  digits: number[];
  nsmall: number[];
  out: string[];
}

describe("R's number formatting, against R's answers", () => {
  it.each(rCases.format_pval_single.map((c) => [String(c.p[0]), c.p[0], c.out[0]] as const))(
    "format.pval(%s, digits = 3)",
    (_, p, out) => {
      expect(formatP(p)).toBe(out);
    },
  );

  const single = (rCases.format as FormatCase[]).filter(
    (c) => c.x.length === 1 && c.x[0] !== null && c.nsmall[0] === 0,
  );
  it.each(single.map((c) => [`${c.x[0]}, digits = ${c.digits[0]}`, c] as const))(
    "format(%s)",
    (_, c) => {
      expect(formatNumberR(c.x[0] as number, c.digits[0] as number)).toBe(c.out[0]);
    },
  );
});
