import fs from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { openDeskgate, type Deskgate } from '../app.js';
import { DataDirBusyError } from '../db/data-dir-lock.js';
import { PermanentDeskError, TransientDeskError } from '../desks/desk.js';
import { PaymentFileError, paymentFileFormat, type PaymentFileFormat } from '../domain/payment-records.js';
import { OperatorError } from '../services/accounts.js';
import { createLogger } from '../log.js';
import { printResult, shellOption, type OutputOptions } from './output.js';
import { serve } from './serve.js';
import { notificationCommands } from './notifications.js';
import { webhookCommands } from './webhooks.js';
import { AppError } from '../domain/errors.js';

const program = new Command('deskgate').description('Support-ticket API for payment-platform partners (Ripio Ramp and Circle CPN dialects).');

/** Runs an operator command against the database (attaching to a running deskgate's embedded one). */
async function withDeskgate<T>(action: (deskgate: Deskgate) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const deskgate = await openDeskgate(config, { role: 'cli', log: createLogger('warn', 2), attachToRunning: true });
  try {
    return await action(deskgate);
  } finally {
    await deskgate.close();
  }
}

program
  .command('serve')
  .description('run the HTTP API with an in-process job worker')
  .option('--no-worker', 'serve HTTP only; run `deskgate worker` elsewhere')
  .action(async (options: { worker: boolean }) => serve({ api: true, worker: options.worker }));

program
  .command('worker')
  .description('run job workers only (ticket registration, webhook deliveries)')
  .action(async () => serve({ api: false, worker: true }));

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    await withDeskgate(async () => undefined);
    console.log('Migrations are up to date.');
  });

const accounts = program.command('accounts').description('manage partner accounts (tenants)');
accounts
  .command('create')
  .requiredOption('--name <name>', 'display name')
  .option('--enable-support-tickets', 'enable support tickets right away (disabled by default)')
  .addOption(shellOption)
  .action(async (options: { name: string; enableSupportTickets?: boolean } & OutputOptions) => {
    const account = await withDeskgate(async (d) => {
      const created = await d.accounts.create(options.name);
      return options.enableSupportTickets ? d.accounts.setSupportTickets(created.id, true) : created;
    });
    printResult(account, options, { id: 'ACCOUNT_ID' });
  });
accounts.command('list').action(async () => printResult(await withDeskgate((d) => d.accounts.list()), {}));
accounts
  .command('enable-support-tickets <accountId>')
  .action(async (id: string) => printResult(await withDeskgate((d) => d.accounts.setSupportTickets(id, true)), {}));
accounts
  .command('disable-support-tickets <accountId>')
  .action(async (id: string) => printResult(await withDeskgate((d) => d.accounts.setSupportTickets(id, false)), {}));

const clients = program.command('clients').description('manage OAuth clients (Ripio dialect credentials)');
clients
  .command('create')
  .requiredOption('--account <accountId>')
  .option('--name <name>', 'label for the client', '')
  .addOption(shellOption)
  .description('create a client; its secret is printed once and never stored')
  .action(async (options: { account: string; name: string } & OutputOptions) => {
    const client = await withDeskgate((d) => d.accounts.createOAuthClient(options.account, options.name));
    printResult(client, options, { clientId: 'CLIENT_ID', clientSecret: 'CLIENT_SECRET' });
  });
clients
  .command('list')
  .requiredOption('--account <accountId>')
  .action(async (options: { account: string }) => printResult(await withDeskgate((d) => d.accounts.listOAuthClients(options.account)), {}));
clients
  .command('revoke <clientId>')
  .description('revoke a client; its tokens stop working at once')
  .action(async (clientId: string) => {
    await withDeskgate((d) => d.accounts.revokeOAuthClient(clientId));
    console.log(`Revoked ${clientId}.`);
  });

const apiKeys = program.command('api-keys').description('manage API keys (Circle CPN dialect credentials, PREFIX:ID:SECRET)');
apiKeys
  .command('create')
  .requiredOption('--account <accountId>')
  .option('--live', 'a LIVE_API_KEY (default: TEST_API_KEY)')
  .option('--name <name>', 'label for the key', '')
  .addOption(shellOption)
  .description('create a key; it is printed once and only a keyed hash of its secret is stored')
  .action(async (options: { account: string; live?: boolean; name: string } & OutputOptions) => {
    const key = await withDeskgate((d) => d.apiKeys.create(options.account, { live: options.live, name: options.name }));
    printResult(key, options, { apiKey: 'API_KEY', id: 'API_KEY_ID' });
  });
apiKeys
  .command('list')
  .option('--account <accountId>', 'only this account')
  .action(async (options: { account?: string }) => printResult(await withDeskgate((d) => d.apiKeys.list(options.account)), {}));
apiKeys
  .command('revoke <keyId>')
  .description('revoke a key; it stops working at once')
  .action(async (keyId: string) => {
    await withDeskgate((d) => d.apiKeys.revoke(keyId));
    console.log(`Revoked ${keyId}.`);
  });

const payments = program.command('payments').description("register an account's payments (CPN tickets refer to them)");
payments
  .command('import')
  .requiredOption('--account <accountId>')
  .requiredOption('--file <path>', 'a .csv file with a header row, or a .jsonl file (one JSON object per line)')
  .addOption(new Option('--format <format>', 'instead of guessing from the file name').choices(['csv', 'jsonl']))
  .description('upsert payments by id (fields: id, status, amount, currency, createDate); exits 1 if any line is rejected')
  .action(async (options: { account: string; file: string; format?: PaymentFileFormat }) => {
    const format = options.format ?? paymentFileFormat(options.file);
    if (!format) throw new OperatorError(`Cannot tell the format of ${options.file}; name it .csv or .jsonl, or pass --format.`);
    const content = await fs.readFile(options.file, 'utf8').catch((error: Error) => {
      throw new OperatorError(`Cannot read ${options.file}: ${error.message}`);
    });
    const report = await withDeskgate((d) => d.payments.importFile(options.account, content, format));
    printResult({ accepted: report.accepted.length, rejected: report.rejected.length, lines: [...report.accepted, ...report.rejected].sort((a, b) => a.line - b.line) }, {});
    if (report.rejected.length > 0) process.exitCode = 1;
  });

const tickets = program.command('tickets').description('inspect support tickets');
tickets
  .command('list')
  .requiredOption('--account <accountId>')
  .addOption(new Option('--status <status>').choices(['PENDING', 'CREATED', 'FAILED']))
  .option('--limit <n>', 'how many', '50')
  .action(async (options: { account: string; status?: 'PENDING' | 'CREATED' | 'FAILED'; limit: string }) => {
    const result = await withDeskgate((d) => d.tickets.list({ accountId: options.account, status: options.status }, Number(options.limit), 0));
    printResult(result, {});
  });

const desk = program.command('desk').description('the help desk tickets are registered in');
desk
  .command('check')
  .description("verify the configured desk's credentials and ids (read-only)")
  .action(async () => {
    const result = await withDeskgate((d) =>
      d.desk.check(AbortSignal.timeout(30_000)).catch((error: unknown) => {
        // An answer the connector could not make sense of is still a failed check, said in plain words.
        if (error instanceof TransientDeskError || error instanceof PermanentDeskError) return { ok: false, lines: [error.message] };
        throw error;
      }),
    );
    for (const line of result.lines) console.log(line);
    process.exitCode = result.ok ? 0 : 1;
  });

webhookCommands(program, withDeskgate);
notificationCommands(program, withDeskgate);

/** A domain error as an operator reads it: the message and any broken field rules. */
function describeAppError(error: AppError): string {
  const fields = error.violations.map((v) => `${v.field}: ${String(v.params?.message ?? v.rule)}`);
  return [error.message, ...fields].join('\n  ');
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof OperatorError || error instanceof PaymentFileError || error instanceof DataDirBusyError) {
    console.error(`deskgate: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof AppError) {
    console.error(`deskgate: ${describeAppError(error)}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
}
