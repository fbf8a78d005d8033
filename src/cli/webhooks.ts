import { Option, type Command } from 'commander';
import type { Deskgate } from '../app.js';
import { presentDelivery, presentWebhook, presentWebhookWithSecret } from '../http/ripio/presenters.js';
import { OperatorError } from '../services/accounts.js';
import { printResult, shellOption, type OutputOptions } from './output.js';

export type WithDeskgate = <T>(action: (deskgate: Deskgate) => Promise<T>) => Promise<T>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function date(value: string, option: string): Date {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new OperatorError(`${option} must be an ISO-8601 date or time, got "${value}".`);
  return parsed;
}

/** `deskgate webhooks ...`: the partner self-service, for operators, plus the delivery log and replays. */
export function webhookCommands(program: Command, withDeskgate: WithDeskgate): void {
  const webhooks = program
    .command('webhooks')
    .description('webhook endpoints (Ripio dialect), their delivery log and replays; test, deliveries, replay and delete also take CPN subscription ids');
  const eventTypeOption = new Option('--event-type <type>', 'SUPPORT_TICKET.CREATED or SUPPORT_TICKET.FAILED (repeatable; default both)').argParser(collect);

  webhooks
    .command('create')
    .description('register an endpoint for an account; its signing secret is printed once')
    .requiredOption('--account <accountId>')
    .requiredOption('--url <url>')
    .addOption(eventTypeOption)
    .option('--disabled', 'register it disabled')
    .addOption(shellOption)
    .action(async (options: { account: string; url: string; eventType?: string[]; disabled?: boolean } & OutputOptions) => {
      const created = await withDeskgate(async (d) => {
        await d.accounts.get(options.account);
        return d.webhookEndpoints.create(options.account, { url: options.url, eventTypes: options.eventType, enabled: !options.disabled });
      });
      printResult(presentWebhookWithSecret(created), options, { id: 'WEBHOOK_ID', secret: 'WEBHOOK_SECRET' });
    });

  webhooks
    .command('list')
    .description('Ripio endpoints and CPN subscriptions (dialect "cpn"; eventTypes are their notification types)')
    .option('--account <accountId>', 'only this account')
    .action(async (options: { account?: string }) => {
      const endpoints = await withDeskgate((d) => d.webhookEndpoints.list({ accountId: options.account }));
      printResult(endpoints.map((e) => ({ accountId: e.account_id, dialect: e.dialect, ...presentWebhook(e) })), {});
    });

  webhooks
    .command('update <webhookId>')
    .option('--url <url>')
    .addOption(eventTypeOption)
    .addOption(new Option('--enable', 're-enable (clears the failure streak)').conflicts('disable'))
    .option('--disable')
    .action(async (id: string, options: { url?: string; eventType?: string[]; enable?: boolean; disable?: boolean }) => {
      const enabled = options.enable ? true : options.disable ? false : undefined;
      const endpoint = await withDeskgate((d) => d.webhookEndpoints.update('operator', id, { url: options.url, eventTypes: options.eventType, enabled }));
      printResult(presentWebhook(endpoint), {});
    });

  webhooks
    .command('delete <webhookId>')
    .description('delete an endpoint and its delivery log')
    .action(async (id: string) => {
      await withDeskgate((d) => d.webhookEndpoints.remove('operator', id));
      console.log(`Deleted ${id}.`);
    });

  webhooks
    .command('rotate-secret <webhookId>')
    .description('new signing secret (printed once); the previous one keeps signing for 24 h')
    .action(async (id: string) => printResult(presentWebhookWithSecret(await withDeskgate((d) => d.webhookEndpoints.rotateSecret('operator', id))), {}));

  webhooks
    .command('test <webhookId>')
    .description('send a WEBHOOK.TEST event now and print the attempt')
    .action(async (id: string) => printResult(presentDelivery(await withDeskgate((d) => d.webhookEndpoints.sendTest('operator', id))), {}));

  webhooks
    .command('deliveries <webhookId>')
    .description('deliveries of an endpoint with every attempt, newest first')
    .addOption(new Option('--status <status>').choices(['pending', 'delivered', 'failed']))
    .option('--limit <n>', 'how many', '20')
    .action(async (id: string, options: { status?: 'pending' | 'delivered' | 'failed'; limit: string }) => {
      const { count, deliveries } = await withDeskgate((d) => d.webhookDeliveries.list('operator', id, { status: options.status, limit: Number(options.limit), offset: 0 }));
      printResult({ count, deliveries: deliveries.map(presentDelivery) }, {});
    });

  webhooks
    .command('replay <deliveryId>')
    .description('send one delivery (one event to one endpoint) again, same body and webhook-id')
    .action(async (deliveryId: string) => printResult(presentDelivery(await withDeskgate((d) => d.webhookDeliveries.replay('operator', deliveryId))), {}));

  webhooks
    .command('replay-failed <webhookId>')
    .description('replay every failed delivery of an endpoint created in [--since, --until)')
    .requiredOption('--since <time>', 'ISO-8601, inclusive')
    .option('--until <time>', 'ISO-8601, exclusive (default: now)')
    .action(async (id: string, options: { since: string; until?: string }) => {
      const since = date(options.since, '--since');
      const until = options.until ? date(options.until, '--until') : new Date();
      const replayed = await withDeskgate((d) => d.webhookDeliveries.replayFailed(id, since, until));
      printResult({ replayed: replayed.length, deliveryIds: replayed }, {});
    });
}
