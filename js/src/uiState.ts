// Client-only state: never synced to Python.

export interface UiState {
  /** Message from the client-side formula check (parse error or unknown column); "" when fine. */
  localError: string;
  /** Where in the formula the client-side check found the problem (from 1; 0 or null: nowhere). */
  localErrorAt: number | null;
  /** performance.now() when a change was sent and no reply has arrived yet, else null. */
  pendingSince: number | null;
  /** Whether the builder panel is expanded. */
  builderOpen: boolean;
}

type Listener = (state: UiState, previous: UiState) => void;

export class UiStore {
  private state: UiState;
  private listeners = new Set<Listener>();

  constructor(initial?: Partial<UiState>) {
    this.state = {
      localError: "",
      localErrorAt: null,
      pendingSince: null,
      builderOpen: true,
      ...initial,
    };
  }

  get(): UiState {
    return this.state;
  }

  update(patch: Partial<UiState>): void {
    const previous = this.state;
    const next = { ...previous, ...patch };
    const changed = (Object.keys(patch) as (keyof UiState)[]).some((k) => previous[k] !== next[k]);
    if (!changed) return;
    this.state = next;
    for (const listener of this.listeners) listener(next, previous);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
