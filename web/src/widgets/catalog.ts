// The widgets lessons may place, by name: each one's parameter schema and the
// typed state table it keeps in the URL. Plain TS (no Svelte) so the build-time
// lesson plugin and the tests can validate lessons against it.
import type * as z from 'zod';
import type { StateSpec } from '../player/url-state';
import { tokenWalkParams, tokenWalkState } from './token-walk/spec';

export interface WidgetSpec {
  params: z.ZodType;
  state: StateSpec;
}

export const widgetCatalog = {
  'token-walk': { params: tokenWalkParams, state: tokenWalkState },
} satisfies Record<string, WidgetSpec>;

export type WidgetName = keyof typeof widgetCatalog;

export function isWidgetName(name: string): name is WidgetName {
  return Object.hasOwn(widgetCatalog, name);
}
