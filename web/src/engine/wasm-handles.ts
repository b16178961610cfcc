// The wasm objects a core owns (loaded models, running trainers), named by a number because objects
// cannot cross the worker boundary; every call on one is guarded (guard.ts).
import type { Result } from './types';
import { guard, type Answer } from './guard';

/** Handles by id; `unknown(id)` is the error for an id that names none. */
export class WasmHandles<H extends { delete(): void }> {
  private readonly handles = new Map<number, H>();
  private nextId = 1;

  constructor(private readonly unknown: (id: string) => string) {}

  /** Keeps `handle` and answers its new id. */
  add(handle: H): number {
    const id = this.nextId++;
    this.handles.set(id, handle);
    return id;
  }

  /** `body` on the handle named `id`, guarded; an unknown id is an error. */
  with<T>(id: number, body: (handle: H) => Answer<T>): Result<T> {
    const handle = this.handles.get(id);
    if (!handle) return { ok: false, error: this.unknown(String(id)) };
    return guard(() => body(handle));
  }

  /** Frees handle `id` (unknown ids are ignored). */
  delete(id: number): Result<null> {
    this.handles.get(id)?.delete();
    this.handles.delete(id);
    return { ok: true, value: null };
  }

  /** Frees every handle. */
  dispose(): void {
    for (const handle of this.handles.values()) handle.delete();
    this.handles.clear();
  }
}
