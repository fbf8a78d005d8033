import type { TestApp } from './app.js';

/** Tests read response bodies as loosely typed JSON on purpose: the assertions are the type check. */
type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

/** One real HTTP request to the test server; `token` goes in `Authorization: Bearer …` (either dialect). */
export async function api<T = Json>(
  app: Pick<TestApp, 'url'>,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; form?: Record<string, string>; body?: string | FormData; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | FormData | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.body) {
    body = options.body;
  }
  const res = await fetch(app.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}
