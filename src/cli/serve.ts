import { loadConfig } from '../config.js';
import { openDeskgate } from '../app.js';
import { createLogger } from '../log.js';

/** `serve` and `worker`: run until SIGTERM/SIGINT, then shut down gracefully. */
export async function serve(options: { api: boolean; worker: boolean }): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const deskgate = await openDeskgate(config, { role: options.api ? 'serve' : 'worker', log });
  log.info({ database: deskgate.database.source, dataDir: config.dataDir, desk: deskgate.desk.kind }, 'deskgate starting');

  if (options.worker) await deskgate.startWorker();
  if (options.api) {
    const server = await deskgate.buildServer();
    await server.listen({ host: config.host, port: config.port });
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    deskgate.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
