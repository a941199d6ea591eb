// Light or dark: what the notebook around the widget looks like, told to Python (`theme`) and
// to the charts (class "mw-dark" on the widget's root).
import type { Model } from "./model";

/** Relative luminance (0 black … 1 white) of a CSS colour like "rgb(17, 17, 17)"; null if unknown. */
export function luminance(color: string): number | null {
  const m = color.match(/rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+))?/);
  if (!m) return null;
  if (m[4] !== undefined && Number(m[4]) === 0) return null; // transparent
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/** The first non-transparent background from `el` up to the page. */
function background(el: Element | null): number | null {
  for (let node = el; node; node = node.parentElement) {
    const value = luminance(getComputedStyle(node).backgroundColor);
    if (value !== null) return value;
  }
  return null;
}

export function isDark(el: HTMLElement): boolean {
  const body = document.body;
  if (body?.dataset.jpThemeLight === "false") return true;
  if (body?.dataset.jpThemeLight === "true") return false;
  const lum = background(el);
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
    attributeFilter: ["data-jp-theme-light", "class", "style"],
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
