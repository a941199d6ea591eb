// The formula contract shared with Python: tests/formula_cases.json (written from Python by
// tests/formula_cases.py), also run by tests/test_formula_contract.py. The browser accepts and
// rejects exactly what Python does, with Python's messages and positions, prints formulas as R
// does, and quotes column names the same way.
import { describe, expect, it } from "vitest";
import shared from "../../tests/formula_cases.json";
import { parseFormula, quoteName } from "../src/formula";
import { checkSyntax, FormulaSyntaxError, FUNCTIONS } from "../src/formulaCheck";

interface Case {
  text: string;
  ok: boolean;
  canonical?: string;
  message?: string;
  position?: number | null;
}

const cases: Case[] = shared;

describe("shared formula cases", () => {
  it.each(cases.map((c) => [c.text.slice(0, 60), c] as const))("%s", (_, c) => {
    if (c.ok) {
      expect(checkSyntax(c.text)).toBe(c.canonical);
      expect(parseFormula(c.text).ok).toBe(true);
      return;
    }
    let error: unknown = null;
    try {
      checkSyntax(c.text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FormulaSyntaxError);
    expect((error as FormulaSyntaxError).message).toBe(c.message);
    expect((error as FormulaSyntaxError).position).toBe(c.position ?? null);
    const parsed = parseFormula(c.text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toBe(c.message);
      expect(parsed.position).toBe(
        c.position === null || c.position === undefined ? 0 : c.position + 1,
      );
    }
  });
});

describe("what the browser knows comes from Python", () => {
  it("knows Python's functions, with their arguments", () => {
    expect(FUNCTIONS.get("poly")?.params).toEqual(["x", "degree", "raw"]);
    expect(FUNCTIONS.has("foo")).toBe(false);
  });

  it("quotes names as Python does", () => {
    expect(quoteName("größe")).toBe("größe");
    expect(quoteName("days of study")).toBe("`days of study`");
    expect(quoteName("if")).toBe("`if`");
    expect(quoteName("Sepal.Length")).toBe("Sepal.Length");
    expect(quoteName("2x")).toBe("`2x`");
  });
});
