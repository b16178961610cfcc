// The message protocol between the page (client.ts) and the engine worker
// (worker.ts). Kept free of Worker globals so both sides and tests share it.
import type { Embedding, LayerSpec, Result, Trace } from './types';

/** What the worker needs from the engine; EngineCore satisfies it. */
export interface EngineMethods {
  forward(spec: LayerSpec, input: Float32Array, tokens: number): Result<Trace>;
  embed(text: string): Result<Embedding>;
}

export type Call =
  | { method: 'ping'; args: [] }
  | { method: 'forward'; args: [spec: LayerSpec, input: Float32Array, tokens: number] }
  | { method: 'embed'; args: [text: string] };

export type Request = { id: number } & Call;
export type Reply = { id: number; result: Result<unknown> };
/** Sent once, unprompted, when the engine has loaded (or failed to). */
export type Hello = { id: 0; ready: true } | { id: 0; ready: false; error: string };

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one request against the engine; never throws, errors come back as values. */
export function handleRequest(engine: EngineMethods, request: Request): Reply {
  try {
    switch (request.method) {
      case 'ping':
        return { id: request.id, result: { ok: true, value: null } };
      case 'forward':
        return { id: request.id, result: engine.forward(...request.args) };
      case 'embed':
        return { id: request.id, result: engine.embed(...request.args) };
      default: {
        const unknown = request as { id: number; method: string };
        return { id: unknown.id, result: { ok: false, error: `engine: unknown method "${unknown.method}"` } };
      }
    }
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
