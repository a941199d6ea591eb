import { describe, expect, it } from "vitest";
import { adaptSpec, roundDescription, widthSignals } from "../src/chartLook";

describe("chart look", () => {
  it("rounds long decimals in descriptions", () => {
    expect(roundDescription("estimate: 4.9386881851; n: 12; t: -2.21697632")).toBe(
      "estimate: 4.939; n: 12; t: -2.217",
    );
  });

  it("finds the fixed view widths of a compiled spec", () => {
    const found = widthSignals({
      width: 460,
      signals: [
        { name: "childWidth", value: 420 },
        { name: "concat_0_width", value: 300 },
        { name: "width_step", update: "x" },
        { name: "selected", value: null },
      ],
    });
    expect([...found]).toEqual([
      ["width", 460],
      ["childWidth", 420],
      ["concat_0_width", 300],
    ]);
  });

  it("gives dark pages light text and a dark background, and leaves light pages alone", () => {
    const spec = {
      mark: { type: "rule", color: "#333" },
      config: { axis: { gridColor: "#e6e6e6" } },
    };
    expect(adaptSpec(spec, { dark: false, background: "" })).toBe(spec);
    const dark = adaptSpec(spec, { dark: true, background: "rgb(17, 17, 17)" });
    const config = dark.config as Record<string, Record<string, unknown>>;
    expect(config.background).toBe("rgb(17, 17, 17)");
    expect(config.axis?.labelColor).toBe("#e6e6e6");
    expect(config.axis?.gridColor).toBe("#3a3a3a");
    expect((dark.mark as Record<string, unknown>).color).toBe("#bdbdbd");
  });
});
