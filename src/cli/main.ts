import fs from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { openDeskgate, type Deskgate } from '../app.js';
import { DataDirBusyError } from '../db/data-dir-lock.js';
import type { Dialect, TicketStatus } from '../db/schema.js';
import { PaymentFileError, paymentFileFormat, type PaymentFileFormat } from '../domain/payment-records.js';
import { OperatorError } from '../services/accounts.js';
import type { OperatorService } from '../services/operator.js';
import { createLogger } from '../log.js';
import { remoteOperator } from './admin-client.js';
import { printResult, shellOption, type OutputOptions } from './output.js';
import { serve } from './serve.js';
import { notificationCommands } from './notifications.js';
import { webhookCommands } from './webhooks.js';
import { AppError } from '../domain/errors.js';

const program = new Command('deskgate')
  .description('Support-ticket API for payment-platform partners (Ripio Ramp and Circle CPN dialects).')
  .option('--remote <url>', 'run operator commands through the admin API of the deskgate at <url> (default: DESKGATE_ADMIN_URL) with the key in DESKGATE_ADMIN_KEY');

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

/**
 * Runs an operator action: through a remote deskgate's admin API when
 * --remote or DESKGATE_ADMIN_URL is given, else against the database.
 */
async function withOperator<T>(action: (operator: OperatorService) => Promise<T>): Promise<T> {
  const remoteUrl = (program.opts<{ remote?: string }>().remote ?? process.env.DESKGATE_ADMIN_URL) || undefined;
  if (!remoteUrl) return withDeskgate((d) => action(d.operator));
  const adminKey = process.env.DESKGATE_ADMIN_KEY;
  if (!adminKey) throw new OperatorError('Remote mode needs an operator key in DESKGATE_ADMIN_KEY (see `deskgate admin-keys create`).');
  return action(remoteOperator(remoteUrl, adminKey));
}

function positiveInteger(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new InvalidArgumentError('Not a whole number.');
  return Number(raw);
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
    const account = await withOperator((op) => op.createAccount(options.name, options.enableSupportTickets));
    printResult(account, options, { id: 'ACCOUNT_ID' });
  });
accounts.command('list').action(async () => printResult(await withOperator((op) => op.listAccounts()), {}));
accounts.command('show <accountId>').action(async (id: string) => printResult(await withOperator((op) => op.getAccount(id)), {}));
accounts
  .command('enable-support-tickets <accountId>')
  .action(async (id: string) => printResult(await withOperator((op) => op.setSupportTickets(id, true)), {}));
accounts
  .command('disable-support-tickets <accountId>')
  .action(async (id: string) => printResult(await withOperator((op) => op.setSupportTickets(id, false)), {}));

const clients = program.command('clients').description('manage OAuth clients (Ripio dialect credentials)');
clients
  .command('create')
  .requiredOption('--account <accountId>')
  .option('--name <name>', 'label for the client', '')
  .addOption(shellOption)
  .description('create a client; its secret is printed once and never stored')
  .action(async (options: { account: string; name: string } & OutputOptions) => {
    const client = await withOperator((op) => op.createOAuthClient(options.account, options.name));
    printResult(client, options, { clientId: 'CLIENT_ID', clientSecret: 'CLIENT_SECRET' });
  });
clients
  .command('list')
  .requiredOption('--account <accountId>')
  .action(async (options: { account: string }) => printResult(await withOperator((op) => op.listOAuthClients(options.account)), {}));
clients
  .command('revoke <clientId>')
  .description('revoke a client; its tokens stop working at once')
  .action(async (clientId: string) => {
    await withOperator((op) => op.revokeOAuthClient(clientId));
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
    const key = await withOperator((op) => op.createApiKey(options.account, { live: options.live, name: options.name }));
    printResult(key, options, { apiKey: 'API_KEY', id: 'API_KEY_ID' });
  });
apiKeys
  .command('list')
  .option('--account <accountId>', 'only this account')
  .action(async (options: { account?: string }) => printResult(await withOperator((op) => op.listApiKeys(options.account)), {}));
apiKeys
  .command('revoke <keyId>')
  .description('revoke a key; it stops working at once')
  .action(async (keyId: string) => {
    await withOperator((op) => op.revokeApiKey(keyId));
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
    const report = await withOperator((op) => op.importPayments(options.account, content, format));
    printResult(report, {});
    if (report.rejected > 0) process.exitCode = 1;
  });

const customers = program.command('customers').description("inspect an account's customers (Ripio dialect)");
customers
  .command('list')
  .requiredOption('--account <accountId>')
  .option('--limit <n>', 'how many', positiveInteger, 100)
  .option('--offset <n>', 'how many to skip', positiveInteger, 0)
  .action(async (options: { account: string; limit: number; offset: number }) =>
    printResult(await withOperator((op) => op.listCustomers(options.account, options.limit, options.offset)), {}),
  );
customers
  .command('show <customerId>')
  .requiredOption('--account <accountId>')
  .action(async (customerId: string, options: { account: string }) => printResult(await withOperator((op) => op.getCustomer(options.account, customerId)), {}));

const tickets = program.command('tickets').description('inspect support tickets');
tickets
  .command('list')
  .requiredOption('--account <accountId>')
  .addOption(new Option('--status <status>').choices(['PENDING', 'CREATED', 'FAILED']))
  .addOption(new Option('--dialect <dialect>').choices(['ripio', 'cpn']))
  .option('--customer <customerId>', "only this customer's tickets")
  .option('--payment <paymentId>', "only this payment's tickets")
  .option('--limit <n>', 'how many', positiveInteger, 50)
  .option('--offset <n>', 'how many to skip', positiveInteger, 0)
  .description('newest first')
  .action(async (options: { account: string; status?: TicketStatus; dialect?: Dialect; customer?: string; payment?: string; limit: number; offset: number }) => {
    const filter = { status: options.status, dialect: options.dialect, customerId: options.customer, paymentId: options.payment };
    printResult(await withOperator((op) => op.listTickets(options.account, filter, options.limit, options.offset)), {});
  });
tickets
  .command('show <ticketId>')
  .description('one ticket with its failure reason and attachments')
  .action(async (ticketId: string) => printResult(await withOperator((op) => op.showTicket(ticketId)), {}));

const adminKeys = program.command('admin-keys').description('manage operator keys of the admin API (/admin/v1); always against the database, never --remote');
adminKeys
  .command('create')
  .option('--name <name>', 'label for the key', '')
  .addOption(shellOption)
  .description('create a key; it is printed once and only a keyed hash of its secret is stored')
  .action(async (options: { name: string } & OutputOptions) => {
    const key = await withDeskgate((d) => d.adminKeys.create(options.name));
    printResult(key, options, { adminKey: 'DESKGATE_ADMIN_KEY' });
  });
adminKeys.command('list').action(async () => printResult(await withDeskgate((d) => d.adminKeys.list()), {}));
adminKeys
  .command('revoke <keyId>')
  .description('revoke a key; it stops working at once')
  .action(async (keyId: string) => {
    await withDeskgate((d) => d.adminKeys.revoke(keyId));
    console.log(`Revoked ${keyId}.`);
  });

const desk = program.command('desk').description('the help desk tickets are registered in');
desk
  .command('check')
  .description("verify the configured desk's credentials and ids (read-only)")
  .action(async () => {
    const result = await withOperator((op) => op.checkDesk());
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
