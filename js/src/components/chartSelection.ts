// The selected group (the `selected` trait) as the charts see it: a click on a mark selects its
// group (a second click, or a click elsewhere, clears it), and new data without that group
// clears it.
import { jsonKey } from "../jsonKey";
import { type ChartDatasets, type Model, readCharts, readSelected } from "../model";

/** True when some row of some dataset of some chart has this level. */
export function levelExists(data: Record<string, ChartDatasets>, level: string): boolean {
  for (const datasets of Object.values(data)) {
    if (typeof datasets !== "object" || datasets === null) continue;
    for (const rows of Object.values(datasets)) {
      if (!Array.isArray(rows)) continue;
      for (const row of rows) {
        const value = row?.level;
        if (value !== undefined && value !== null && String(value) === level) return true;
      }
    }
  }
  return false;
}

export class ChartSelection {
  /** The chart data last checked for the selected level. */
  private lastData: string;

  constructor(private readonly model: Model) {
    this.lastData = jsonKey(readCharts(model).data);
  }

  /** A mark (or the background) was clicked. */
  click(item: { datum?: unknown } | null | undefined): void {
    const datum = item?.datum as Record<string, unknown> | undefined;
    const level = datum && typeof datum === "object" ? datum.level : undefined;
    const current = readSelected(this.model);
    let next: string | null = null;
    if (level !== undefined && level !== null) {
      const text = String(level);
      next = text === current ? null : text;
    }
    this.set(current, next);
  }

  /** Clear the selection when the new data no longer has the selected level. */
  checkData(): void {
    const { data } = readCharts(this.model);
    const key = jsonKey(data);
    if (key === this.lastData) return;
    this.lastData = key;
    const selected = readSelected(this.model);
    if (selected !== null && !levelExists(data, selected)) this.set(selected, null);
  }

  private set(current: string | null, next: string | null): void {
    if (next === current) return;
    this.model.set("selected", next);
    this.model.save_changes();
  }
}
