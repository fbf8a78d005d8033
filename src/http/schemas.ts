import { Type } from '@sinclair/typebox';

/** Route `response` entries pointing at a dialect's shared error schema (registered by its plugin under `schemaId`). */
export const errorResponsesFor =
  (schemaId: string) =>
  (...statuses: number[]) =>
    Object.fromEntries(statuses.map((s) => [s, { ...Type.Ref(schemaId), description: `Error ${s}` }]));
