import type { TestApp } from './app.js';

export interface Scrape {
  text: string;
  /** The sample of `name` whose labels are exactly `labels`, or undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** GET /metrics, parsed just enough to look samples up by name and label set. */
export async function scrapeMetrics(app: TestApp): Promise<Scrape> {
  const res = await fetch(`${app.url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  const samples = text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = SAMPLE.exec(line) ?? [];
      return { name, labels: Object.fromEntries([...labels.matchAll(LABEL)].map((m) => [m[1], m[2]])), value: Number(value) };
    });
  return {
    text,
    value(name, labels = {}) {
      const wanted = Object.entries(labels);
      const match = samples.find(
        (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v),
      );
      return match?.value;
    },
  };
}
