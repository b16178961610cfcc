// The message protocol between the page (client.ts) and the engine worker
// (worker.ts). Kept free of Worker globals so both sides and tests share it.
import { isMethodName } from './api';
import type { ArgsOf, EngineMethods, MethodName } from './api';
import type { Result } from './types';

/** One request's method and arguments: a `ping`, or any call of the engine's table (api.ts). */
export type Call = { method: 'ping'; args: [] } | { [M in MethodName]: { method: M; args: ArgsOf<M> } }[MethodName];

export type Request = { id: number } & Call;
export type Reply = { id: number; result: Result<unknown> };
/** Sent once, unprompted, when the engine has loaded (or failed to). */
/** `threads`: how many threads the engine's layer forward uses now (1; ThreadsChanged follows in the threaded build). */
export type Hello = { id: 0; ready: true; threads?: number } | { id: 0; ready: false; error: string };
/** Sent after Hello when the threaded build has turned on its second thread (engine/load.ts). */
export type ThreadsChanged = { id: 0; threads: number };

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one request against the engine; never throws, errors come back as values. */
export function handleRequest(engine: EngineMethods, request: Request): Reply {
  try {
    if (request.method === 'ping') return { id: request.id, result: { ok: true, value: null } };
    if (!isMethodName(request.method)) {
      const unknown = request as { id: number; method: unknown };
      return { id: unknown.id, result: { ok: false, error: `engine: unknown method "${String(unknown.method)}"` } };
    }
    const method = engine[request.method] as (...args: unknown[]) => Result<unknown>;
    return { id: request.id, result: method.apply(engine, request.args) };
  } catch (err) {
    return { id: request.id, result: { ok: false, error: `engine: ${errorText(err)}` } };
  }
}

type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array | Int16Array | Uint16Array | Int8Array | Uint32Array;

/**
 * Makes a reply cheap to post: typed arrays that view the wasm heap are copied
 * out (posting a view would clone the whole heap) and their fresh buffers are
 * listed for transfer. Values are flat objects (Trace, Embedding).
 */
export function portable(reply: Reply): { reply: Reply; transfer: ArrayBuffer[] } {
  const { result } = reply;
  if (!result.ok || typeof result.value !== 'object' || result.value === null) return { reply, transfer: [] };
  const transfer: ArrayBuffer[] = [];
  const value: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(result.value)) {
    if (ArrayBuffer.isView(field) && !(field instanceof DataView)) {
      // An array that owns its whole buffer moves as is; a view into a larger one is copied out.
      const owns = field.byteOffset === 0 && field.byteLength === field.buffer.byteLength;
      const movable = owns ? (field as TypedArray) : (field as TypedArray).slice();
      if (!transfer.includes(movable.buffer as ArrayBuffer)) transfer.push(movable.buffer as ArrayBuffer);
      value[key] = movable;
    } else value[key] = field;
  }
  return { reply: { id: reply.id, result: { ok: true, value } }, transfer };
}
