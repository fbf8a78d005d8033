import { openDeskgate, type Deskgate } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

/** Runs `action` as an operator command would, on the database a spawned deskgate uses. */
export async function asOperator<T>(env: Record<string, string>, action: (deskgate: Deskgate) => Promise<T>): Promise<T> {
  const deskgate = await openDeskgate(loadConfig(env), { role: 'cli', log: createLogger('silent') });
  try {
    return await action(deskgate);
  } finally {
    await deskgate.close();
  }
}
