// Light or dark: what the notebook around the widget looks like, told to Python (`theme`) and
// to the charts (class "mw-dark" on the widget's root).
import type { Model } from "./model";

/** Relative luminance (0 black … 1 white) of a computed CSS colour: "rgb(17, 17, 17)", or
 * "color(srgb 0.09 0.11 0.1)" as browsers give colours written in oklch or hsl (marimo's); null if
 * unknown or transparent. */
export function luminance(color: string): number | null {
  const rgb = color.match(/rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+))?/);
  const srgb = color.match(/color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+%?))?/);
  const m = rgb ?? srgb;
  if (!m) return null;
  const alpha = m[4] === undefined ? 1 : Number.parseFloat(m[4]) / (m[4].endsWith("%") ? 100 : 1);
  if (alpha === 0) return null; // transparent
  const scale = rgb ? 255 : 1;
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / scale;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/** The element around `node`: its parent, or the host of the shadow root it is in (marimo's cells). */
function around(node: Element): Element | null {
  if (node.parentElement) return node.parentElement;
  const top = node.getRootNode();
  return top instanceof ShadowRoot ? top.host : null;
}

/** The first non-transparent background from `el` up to the page, through shadow roots. */
function background(el: Element | null): number | null {
  for (let node = el; node; node = around(node)) {
    const value = luminance(getComputedStyle(node).backgroundColor);
    if (value !== null) return value;
  }
  return null;
}

/** Whether the page around `el` is dark: JupyterLab's theme flag, else the first background
 * behind the widget (its own background only where nothing behind it has one: VS Code gives the
 * widget its colours through variables). */
export function isDark(el: HTMLElement): boolean {
  const body = document.body;
  if (body?.dataset.jpThemeLight === "false") return true;
  if (body?.dataset.jpThemeLight === "true") return false;
  const behind = around(el);
  const lum = (behind && background(behind)) ?? background(el);
  return lum !== null && lum < 0.25;
}

/** Keep `theme` and the root's "mw-dark" class in step with the page; returns a stop function. */
export function followTheme(model: Model, root: HTMLElement, onChange: () => void): () => void {
  function check(): void {
    const dark = isDark(root);
    const was = root.classList.contains("mw-dark");
    root.classList.toggle("mw-dark", dark);
    const theme = dark ? "dark" : "light";
    if (model.get("theme") !== theme) {
      model.set("theme", theme);
      model.save_changes();
    }
    if (was !== dark) onChange();
  }
  const observer =
    typeof MutationObserver === "function" ? new MutationObserver(() => check()) : null;
  observer?.observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-light", "data-theme", "class", "style"],
  });
  const media =
    typeof window.matchMedia === "function"
      ? window.matchMedia("(prefers-color-scheme: dark)")
      : null;
  media?.addEventListener?.("change", check);
  check();
  return () => {
    observer?.disconnect();
    media?.removeEventListener?.("change", check);
  };
}
