// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { isDark, luminance } from "../src/theme";

describe("luminance", () => {
  it("reads rgb() and the color(srgb ...) that browsers give for oklch or hsl colours", () => {
    expect(luminance("rgb(255, 255, 255)")).toBeCloseTo(1);
    expect(luminance("rgb(0, 0, 0)")).toBe(0);
    expect(luminance("color(srgb 0.0941176 0.109804 0.101961)")).toBeLessThan(0.02); // marimo's dark
    expect(luminance("color(srgb 1 1 1)")).toBeCloseTo(1);
  });

  it("treats transparent as unknown", () => {
    expect(luminance("rgba(0, 0, 0, 0)")).toBeNull();
    expect(luminance("color(srgb 0 0 0 / 0)")).toBeNull();
    expect(luminance("transparent")).toBeNull();
  });
});

describe("isDark", () => {
  afterEach(() => {
    document.body.replaceChildren();
    document.body.removeAttribute("style");
  });

  it("looks behind the widget, through a shadow root (marimo renders widgets in one)", () => {
    document.body.style.backgroundColor = "rgb(24, 28, 26)";
    const host = document.createElement("div");
    document.body.append(host);
    const shadow = host.attachShadow({ mode: "open" });
    const root = document.createElement("div");
    root.style.backgroundColor = "rgb(255, 255, 255)"; // the widget's own light fallback
    shadow.append(root);
    expect(isDark(root)).toBe(true);
    document.body.style.backgroundColor = "rgb(250, 250, 250)";
    expect(isDark(root)).toBe(false);
  });

  it("uses the widget's own background when nothing behind it has one", () => {
    const root = document.createElement("div");
    root.style.backgroundColor = "rgb(30, 30, 30)"; // as VS Code's variables give it
    document.body.append(root);
    expect(isDark(root)).toBe(true);
  });
});
