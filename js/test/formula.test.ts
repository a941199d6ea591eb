import { describe, expect, it } from "vitest";
import {
  checkFormula,
  closestName,
  editDistance,
  type FormulaState,
  formulaVariables,
  joinGroup,
  normalizeExpression,
  parseFormula,
  quoteName,
  serializeFormula,
  splitGroup,
  unknownColumns,
} from "../src/formula";

function parse(src: string): FormulaState {
  const r = parseFormula(src);
  if (!r.ok) throw new Error(`expected ${src} to parse: ${r.message}`);
  return r.state;
}

function roundTrip(src: string): { state: FormulaState; text: string } {
  const state = parse(src);
  const text = serializeFormula(state);
  expect(parse(text)).toEqual(state);
  expect(serializeFormula(parse(text))).toBe(text);
  return { state, text };
}

describe("round trips of the reference formulas", () => {
  it.each([
    [
      "like ~ sex + PrivPub + (1|school) + (1|school:class)",
      "like ~ sex + PrivPub + (1 | school) + (1 | school:class)",
    ],
    [
      "sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time",
      "sqrt(weight) ~ Time + Diet:Time + (0 + Time | Chick)",
    ],
    [
      "sqrt(weight) ~ Time + (Time | Chick) + Diet:Time",
      "sqrt(weight) ~ Time + Diet:Time + (Time | Chick)",
    ],
    ["Reaction ~ Days + (Days || Subject)", "Reaction ~ Days + (Days || Subject)"],
    ["diameter ~ 1 + (1 | plate) + (1 | sample)", "diameter ~ 1 + (1 | plate) + (1 | sample)"],
    ["strength ~ 1 + (1 | batch/cask)", "strength ~ 1 + (1 | batch/cask)"],
    ["like ~ sex * PrivPub + (0 + sex | school)", "like ~ sex * PrivPub + (0 + sex | school)"],
  ])("%s", (src, canonical) => {
    expect(roundTrip(src).text).toBe(canonical);
  });

  it("gives the expected state for the science model", () => {
    expect(parse("like ~ sex + PrivPub + (1|school) + (1|school:class)")).toEqual({
      response: "like",
      fixed: ["sex", "PrivPub"],
      intercept: true,
      random: [
        { group: "school", intercept: true, slopes: [], correlated: true },
        { group: "school:class", intercept: true, slopes: [], correlated: true },
      ],
    });
  });

  it("gives the expected state for the ChickWeight model", () => {
    expect(parse("sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time")).toEqual({
      response: "sqrt(weight)",
      fixed: ["Time", "Diet:Time"],
      intercept: true,
      random: [{ group: "Chick", intercept: false, slopes: ["Time"], correlated: true }],
    });
  });

  it("reads || as uncorrelated with an implicit intercept", () => {
    expect(parse("Reaction ~ Days + (Days || Subject)").random).toEqual([
      { group: "Subject", intercept: true, slopes: ["Days"], correlated: false },
    ]);
  });

  it("reads an intercept-only fixed part", () => {
    const s = parse("diameter ~ 1 + (1 | plate) + (1 | sample)");
    expect(s.fixed).toEqual([]);
    expect(s.intercept).toBe(true);
    expect(s.random.map((r) => r.group)).toEqual(["plate", "sample"]);
  });

  it("keeps nested grouping as typed", () => {
    expect(parse("strength ~ 1 + (1 | batch/cask)").random[0]?.group).toBe("batch/cask");
  });

  it("keeps a*b as one term", () => {
    const s = parse("like ~ sex * PrivPub + (0 + sex | school)");
    expect(s.fixed).toEqual(["sex * PrivPub"]);
    expect(s.random[0]).toEqual({
      group: "school",
      intercept: false,
      slopes: ["sex"],
      correlated: true,
    });
  });
});

describe("random-term syntax", () => {
  it.each([
    ["y ~ x + (1|g)", { group: "g", intercept: true, slopes: [], correlated: true }, "(1 | g)"],
    ["y ~ x + (x|g)", { group: "g", intercept: true, slopes: ["x"], correlated: true }, "(x | g)"],
    [
      "y ~ x + (1 + x|g)",
      { group: "g", intercept: true, slopes: ["x"], correlated: true },
      "(x | g)",
    ],
    [
      "y ~ x + (0 + x|g)",
      { group: "g", intercept: false, slopes: ["x"], correlated: true },
      "(0 + x | g)",
    ],
    [
      "y ~ x + (x - 1|g)",
      { group: "g", intercept: false, slopes: ["x"], correlated: true },
      "(0 + x | g)",
    ],
    [
      "y ~ x + (-1 + x|g)",
      { group: "g", intercept: false, slopes: ["x"], correlated: true },
      "(0 + x | g)",
    ],
    [
      "y ~ x + (x || g)",
      { group: "g", intercept: true, slopes: ["x"], correlated: false },
      "(x || g)",
    ],
    [
      "y ~ x + (0 + x || g)",
      { group: "g", intercept: false, slopes: ["x"], correlated: false },
      "(0 + x || g)",
    ],
    [
      "y ~ x + (1|a/b)",
      { group: "a/b", intercept: true, slopes: [], correlated: true },
      "(1 | a/b)",
    ],
    [
      "y ~ x + (1|a:b)",
      { group: "a:b", intercept: true, slopes: [], correlated: true },
      "(1 | a:b)",
    ],
    [
      "y ~ x + (1 | a / b)",
      { group: "a/b", intercept: true, slopes: [], correlated: true },
      "(1 | a/b)",
    ],
    [
      "y ~ x + (1 | a : b)",
      { group: "a:b", intercept: true, slopes: [], correlated: true },
      "(1 | a:b)",
    ],
    [
      "y ~ x + (x + z | g)",
      { group: "g", intercept: true, slopes: ["x", "z"], correlated: true },
      "(x + z | g)",
    ],
    [
      "y ~ x + (log(x) | g)",
      { group: "g", intercept: true, slopes: ["log(x)"], correlated: true },
      "(log(x) | g)",
    ],
    ["y ~ x + ((1|g))", { group: "g", intercept: true, slopes: [], correlated: true }, "(1 | g)"],
  ])("%s", (src, term, printed) => {
    const { state, text } = roundTrip(src);
    expect(state.random).toEqual([term]);
    expect(text).toBe(`y ~ x + ${printed}`);
  });

  it("keeps crossed terms in order", () => {
    const { state, text } = roundTrip("y ~ x + (1|a) + (1|b)");
    expect(state.random.map((r) => r.group)).toEqual(["a", "b"]);
    expect(text).toBe("y ~ x + (1 | a) + (1 | b)");
  });

  it("puts random terms after fixed terms", () => {
    expect(roundTrip("y ~ (1|g) + x").text).toBe("y ~ x + (1 | g)");
  });
});

describe("fixed-term syntax", () => {
  it.each([
    ["y ~ a:b", ["a:b"]],
    ["y ~ a : b", ["a:b"]],
    ["y ~ a*b", ["a * b"]],
    ["y ~ a * b * c", ["a * b * c"]],
    ["y ~ I(x^2)", ["I(x^2)"]],
    ["y ~ I( x ^ 2 )", ["I(x^2)"]],
    ["y ~ x + I(x^2)", ["x", "I(x^2)"]],
    ["y ~ log(x + 1)", ["log(x + 1)"]],
    ["y ~ poly(x, 2)", ["poly(x, 2)"]],
    ["y ~ poly(x,degree=2)", ["poly(x, degree = 2)"]],
    ["y ~ (a + b)^2", ["(a + b)^2"]],
    ["y ~ `my var` + z", ["`my var`", "z"]],
    ["y ~ x.1 + x_2 + .x", ["x.1", "x_2", ".x"]],
    ["y ~ I(x^-1)", ["I(x^-1)"]],
  ])("%s", (src, fixed) => {
    const { state } = roundTrip(src);
    expect(state.fixed).toEqual(fixed);
  });

  it.each([
    ["sqrt(weight) ~ Time", "sqrt(weight)"],
    ["log(y) ~ x", "log(y)"],
    ["log( y ) ~ x", "log(y)"],
    ["I(y/10) ~ x", "I(y/10)"],
  ])("response %s", (src, response) => {
    expect(roundTrip(src).state.response).toBe(response);
  });

  it.each([
    ["y ~ 0 + x", false, "y ~ 0 + x"],
    ["y ~ x - 1", false, "y ~ 0 + x"],
    ["y ~ -1 + x", false, "y ~ 0 + x"],
    ["y ~ x + 0", false, "y ~ 0 + x"],
    ["y ~ 1 + x", true, "y ~ x"],
    ["y ~ x", true, "y ~ x"],
    ["y ~ 1", true, "y ~ 1"],
    ["y ~ 0 + (1 | g)", false, "y ~ 0 + (1 | g)"],
    ["y ~ 0 + x - 0", true, "y ~ x"],
  ])("intercept in %s", (src, intercept, text) => {
    const r = roundTrip(src);
    expect(r.state.intercept).toBe(intercept);
    expect(r.text).toBe(text);
  });

  it("ignores spacing, tabs and newlines", () => {
    const a = parse("Reaction~Days+(Days||Subject)");
    const b = parse("  Reaction  ~\tDays +\n ( Days  ||  Subject )  ");
    expect(a).toEqual(b);
    expect(serializeFormula(a)).toBe("Reaction ~ Days + (Days || Subject)");
  });
});

describe("parse errors", () => {
  function fail(src: string): { message: string; position: number } {
    const r = parseFormula(src);
    if (r.ok) throw new Error(`expected ${src} to fail`);
    return r;
  }

  // The messages are Python's (tests/formula_cases.json holds many more, checked by formulaContract.test.ts).
  it("reports an unclosed parenthesis with its position", () => {
    const src = "like ~ sex + PrivPub + (1 | school";
    expect(fail(src)).toMatchObject({
      message: "unbalanced parenthesis: '(' at character 24 is never closed",
      position: 24,
    });
    expect(src.charAt(23)).toBe("(");
  });

  it("reports an extra closing parenthesis", () => {
    expect(fail("y ~ x + (1 | g))")).toMatchObject({
      message: "unbalanced parenthesis: ')' at character 16 has no matching '('",
      position: 16,
    });
  });

  it("reports a missing tilde", () => {
    expect(fail("like sex + PrivPub").message).toBe(
      "missing '~': write the formula as response ~ terms, e.g. like ~ sex + (1 | school)",
    );
  });

  it("reports an empty random term", () => {
    const r = fail("like ~ sex + ( | school)");
    expect(r.message).toBe(
      "empty random term: put 1 (an intercept) or a variable before '|' at character 16",
    );
    expect(r.position).toBe(16);
  });

  it("reports a missing grouping factor", () => {
    expect(fail("y ~ x + (1 | )").message).toBe(
      "missing grouping factor after '|' at character 14",
    );
  });

  it("reports a missing response and missing terms", () => {
    expect(fail("~ x").message).toBe(
      "missing response: put the column to model before '~', e.g. like ~ sex",
    );
    expect(fail("y ~").message).toBe("expected a term after '~' at character 4");
  });

  it("reports an empty formula", () => {
    expect(fail("   ").message).toBe(
      "the formula is empty; write it as response ~ terms, e.g. like ~ sex + (1 | school)",
    );
  });

  it("reports a trailing plus", () => {
    expect(fail("y ~ x +").message).toBe("expected a term after '+' at character 8");
  });

  it("reports a bar outside parentheses", () => {
    expect(fail("y ~ x + 1 | g").message).toBe(
      "a random term needs parentheses, e.g. (x + 1 | g) (character 5)",
    );
  });

  it("reports a second tilde", () => {
    expect(fail("y ~ x ~ z").message).toBe("more than one '~' (the second is at character 7)");
  });

  it("reports two bars in one term", () => {
    expect(fail("y ~ (1 | a | b)").message).toBe(
      "one '|' per random term: (1 | a | b) (character 5)",
    );
  });

  it("keeps the removal of a term, as R reads it", () => {
    expect(roundTrip("y ~ x * z - z").state.fixed).toEqual(["x * z", "- z"]);
    expect(roundTrip("y ~ x * z - z").text).toBe("y ~ x * z - z");
    expect(fail("y ~ x - (1 | g)").message).toBe(
      "a random term cannot be subtracted (character 9)",
    );
  });

  it("refuses what the Python parser refuses", () => {
    expect(fail("y ~ x + (0 | g)").message).toMatch(/needs an intercept or a slope/);
    expect(parseFormula("cbind(k, n - k) ~ x + (1 | g)").ok).toBe(true); // a binomial response
    expect(fail("cbind(k) ~ x").message).toMatch(/cbind\(\) needs b/);
    expect(fail("y ~ foo(x)").message).toMatch(/unknown function 'foo'/);
    expect(fail("y ~ x + (1 | g) + (1 | g)").message).toMatch(/appears twice/);
    expect(fail("y ~ x + (1 | g/g)").message).toMatch(/names g twice/);
  });

  it("reports unexpected characters and unterminated quotes", () => {
    expect(fail("y ~ x $ z").message).toBe("unexpected character '$' at character 7");
    expect(fail("y ~ `x").message).toBe(
      "unexpected character '`' at character 5; a name in backticks needs a closing backtick",
    );
    expect(fail("y ~ x; z").message).toBe("unexpected character ';' at character 6");
  });

  it("reads R's quoted levels, contrasts, splines and pkg::fun as Python does", () => {
    const r = roundTrip(
      "yield ~ relevel(Variety, ref = 'Victory') + C(Block, contr.sum) + splines::ns(nitro, df = 3)",
    );
    expect(r.state.fixed).toEqual([
      'relevel(Variety, ref = "Victory")',
      "C(Block, contr.sum)",
      "splines::ns(nitro, df = 3)",
    ]);
    expect(fail('y ~ "a" + x').message).toMatch(/text in quotes \("a"\) can only be/);
    expect(roundTrip('y ~ I(g == "a") + x').state.fixed).toEqual(['I(g == "a")', "x"]);
    expect(fail("y ~ stats::ns(x)").message).toMatch(/in R's package splines, not stats/);
  });

  it("treats T and F as columns, as Python does", () => {
    expect(roundTrip("y ~ T + F").state.fixed).toEqual(["T", "F"]);
    expect(formulaVariables("y ~ T + F + TRUE")).toEqual(["y", "T", "F"]);
  });

  it("never throws on arbitrary input", () => {
    const samples = [
      "(((",
      ")))",
      "~~",
      "|",
      "||",
      "( | )",
      "y ~ (|)",
      "y ~ ()",
      "y ~ (x|)",
      "%",
      "y ~ x %in",
      "\u0000",
    ];
    for (const s of samples) expect(() => parseFormula(s)).not.toThrow();
    let seed = 7;
    const alphabet = "yx~+-*/:^|() 01g";
    for (let n = 0; n < 2000; n++) {
      let s = "";
      const len = 1 + (n % 25);
      for (let i = 0; i < len; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        s += alphabet[seed % alphabet.length];
      }
      const r = parseFormula(s);
      if (r.ok) {
        // whatever parses must survive a round trip
        expect(parseFormula(serializeFormula(r.state))).toEqual(r);
      } else {
        expect(typeof r.message).toBe("string");
        expect(r.position).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe("column checks", () => {
  const columns = ["like", "sex", "PrivPub", "school", "class"].map((name) => ({ name }));

  it("lists variables but not functions, argument names or constants", () => {
    expect(
      formulaVariables(
        "sqrt(weight) ~ Time + I(Time^2) + poly(x, degree = 2) + (Time | Chick) + TRUE",
      ),
    ).toEqual(["weight", "Time", "x", "Chick"]);
    expect(formulaVariables("y ~ `my var` + (1 | a/b)")).toEqual(["y", "my var", "a", "b"]);
  });

  it("suggests the closest name", () => {
    const [u] = unknownColumns("like ~ sex + (1 | shcool)", columns);
    expect(u?.message).toBe("column 'shcool' not in data; did you mean 'school'?");
    expect(u?.position).toBe(19);
  });

  it("suggests a different-case match", () => {
    expect(unknownColumns("Like ~ sex", columns)[0]?.suggestion).toBe("like");
  });

  it("gives no suggestion for unrelated names", () => {
    expect(unknownColumns("like ~ zzzzzz", columns)[0]?.message).toBe(
      "column 'zzzzzz' not in data",
    );
  });

  it("is quiet when every column is known, or when columns are not known yet", () => {
    expect(unknownColumns("like ~ sex * PrivPub + (1 | school/class)", columns)).toEqual([]);
    expect(unknownColumns("anything ~ at + all", [])).toEqual([]);
  });

  it("checkFormula reports parse errors first, then unknown columns", () => {
    expect(checkFormula("like ~ (1 | school", columns)).toMatchObject({
      ok: false,
      message: "unbalanced parenthesis: '(' at character 8 is never closed",
    });
    expect(checkFormula("like ~ C(sex, contr.sum) + splines::ns(school, 3)", columns).ok).toBe(
      true,
    );
    expect(checkFormula("like ~ sexx + (1 | shcool)", columns)).toMatchObject({
      ok: false,
      message:
        "column 'sexx' not in data; did you mean 'sex'?; column 'shcool' not in data; did you mean 'school'?",
    });
    expect(checkFormula("like ~ sex + (1 | school)", columns).ok).toBe(true);
  });

  it("computes edit distances with transpositions", () => {
    expect(editDistance("shcool", "school")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closestName("PrivPb", ["PrivPub", "sex"])).toBe("PrivPub");
    expect(closestName("q", ["PrivPub", "sex"])).toBeNull();
  });
});

describe("helpers", () => {
  it("quotes non-syntactic names", () => {
    expect(quoteName("school")).toBe("school");
    expect(quoteName("my var")).toBe("`my var`");
    expect(quoteName("2nd")).toBe("`2nd`");
    expect(quoteName("TRUE")).toBe("`TRUE`");
    expect(quoteName(".x")).toBe(".x");
  });

  it("splits and joins grouping expressions", () => {
    expect(splitGroup("school")).toEqual({ outer: "school", inner: "", op: "/" });
    expect(splitGroup("batch/cask")).toEqual({ outer: "batch", inner: "cask", op: "/" });
    expect(splitGroup("school:class")).toEqual({ outer: "school", inner: "class", op: ":" });
    expect(splitGroup("a/b/c")).toBeNull();
    expect(joinGroup({ outer: "batch", inner: "cask", op: "/" })).toBe("batch/cask");
    expect(joinGroup({ outer: "school", inner: "", op: ":" })).toBe("school");
    expect(joinGroup({ outer: "my school", inner: "class", op: ":" })).toBe("`my school`:class");
  });

  it("normalises expression spacing", () => {
    expect(normalizeExpression("Diet : Time")).toBe("Diet:Time");
    expect(normalizeExpression("a*b")).toBe("a * b");
    expect(normalizeExpression("( Days||Subject )")).toBe("(Days || Subject)");
  });
});
