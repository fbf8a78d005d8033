import { Option } from 'commander';

/** How operator commands print results: JSON by default, or shell assignments for scripts. */
export interface OutputOptions {
  shell?: boolean;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export function printResult(result: unknown, options: OutputOptions, shellNames: Record<string, string> = {}): void {
  if (options.shell) {
    const record = result as Record<string, unknown>;
    for (const [field, name] of Object.entries(shellNames)) console.log(`${name}=${shellQuote(String(record[field] ?? ''))}`);
    return;
  }
  console.log(JSON.stringify(result, null, 2));
}

export const shellOption = new Option('--shell', 'print shell variable assignments instead of JSON (for scripts: eval "$(...)")');
