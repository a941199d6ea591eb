// A stand-in for anywidget's model: get/set/on/off/save_changes/send.
import type { Callback, Model, OutgoingMessage, Traits } from "../src/model";

export class FakeModel implements Model {
  private values: Traits;
  private handlers = new Map<string, Set<Callback>>();
  readonly sent: OutgoingMessage[] = [];
  /** Snapshots of the values written with set() at each save_changes(). */
  readonly saved: Partial<Traits>[] = [];
  private dirty: Partial<Traits> = {};

  constructor(initial: Partial<Traits> = {}) {
    this.values = { ...defaultTraits(), ...initial };
  }

  get<K extends keyof Traits>(key: K): Traits[K] {
    return this.values[key];
  }

  set<K extends keyof Traits>(key: K, value: Traits[K]): void {
    this.dirty[key] = value;
    this.update(key, value);
  }

  /** Simulate a change arriving from Python. */
  update<K extends keyof Traits>(key: K, value: Traits[K]): void {
    const old = this.values[key];
    this.values[key] = value;
    if (JSON.stringify(old) !== JSON.stringify(value)) this.emit(`change:${key}`, value);
  }

  on(event: string, callback: Callback): void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(callback);
  }

  off(event?: string | null, callback?: Callback | null): void {
    if (!event) {
      this.handlers.clear();
      return;
    }
    if (!callback) this.handlers.delete(event);
    else this.handlers.get(event)?.delete(callback);
  }

  save_changes(): void {
    this.saved.push(this.dirty);
    this.dirty = {};
  }

  send(content: OutgoingMessage): void {
    this.sent.push(content);
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.handlers.values()) n += set.size;
    return n;
  }

  private emit(event: string, value: unknown): void {
    for (const cb of [...(this.handlers.get(event) ?? [])]) cb(this, value);
  }
}

export function defaultTraits(): Traits {
  return {
    formula: "",
    reml: true,
    family: "gaussian",
    link: "",
    family_hint: {},
    columns: [],
    status: { state: "idle", elapsed_ms: null, message: "" },
    error: "",
    current: null,
    previous: null,
    variants: [],
    pinned: [],
    comparison: {},
    chart_names: [],
    chart_specs: {},
    chart_data: {},
    chart_notes: {},
    chart_captions: {},
    selected: null,
    chart_group: "",
    chart_groups: [],
    group_levels: [],
    key_numbers: {},
    focus: null,
    prediction_interval: "prediction",
    code_text: {},
    undo_formula: "",
    chart_choices: [],
    charts_collapsed: [],
    large_text: false,
    theme: "light",
    simulation_options: {},
    simulation_status: {},
    intervals: null,
  };
}
