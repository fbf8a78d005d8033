import fs from 'node:fs';
import { ConfigError } from './config-error.js';

type Env = Record<string, string | undefined>;

const SETTING_NAME = /^(DATABASE_URL|DESKGATE_[A-Z0-9_]+)$/;

/**
 * The environment layered over `DESKGATE_CONFIG_FILE` (a JSON object keyed by
 * the same setting names as the environment variables). A non-empty variable
 * wins over the file, so one file can serve many machines with per-machine
 * overrides.
 */
export function withConfigFile(env: Env): Env {
  const file = env.DESKGATE_CONFIG_FILE;
  if (file === undefined || file === '') return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`DESKGATE_CONFIG_FILE ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`DESKGATE_CONFIG_FILE ${file} must hold a JSON object of settings, such as {"DESKGATE_PORT": 8080}.`);
  }
  const fromFile: Env = {};
  for (const [name, value] of Object.entries(parsed)) {
    // Keys that are not setting names ("port", "DESKGATE_PORT ") would otherwise be ignored silently.
    if (!SETTING_NAME.test(name) || name === 'DESKGATE_CONFIG_FILE') {
      throw new ConfigError(`DESKGATE_CONFIG_FILE ${file}: "${name}" is not a deskgate setting.`);
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new ConfigError(`${name} in DESKGATE_CONFIG_FILE ${file} must be a string, number or boolean.`);
    }
    fromFile[name] = String(value);
  }
  const overrides = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  return { ...fromFile, ...overrides };
}
