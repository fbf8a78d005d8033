import type { Command } from 'commander';
import { presentPublicKey, presentSubscription } from '../http/cpn/presenters.js';
import { printResult } from './output.js';
import type { WithDeskgate } from './webhooks.js';

/** `deskgate subscriptions ...` and `deskgate notifications ...`: Circle CPN notifications for operators. */
export function notificationCommands(program: Command, withDeskgate: WithDeskgate): void {
  program
    .command('subscriptions')
    .description('CPN notification subscriptions (their deliveries: deskgate webhooks deliveries|replay|test <subscriptionId>)')
    .command('list')
    .option('--account <accountId>', 'only this account')
    .action(async (options: { account?: string }) => {
      const subscriptions = await withDeskgate((d) => d.cpnSubscriptions.list({ accountId: options.account }));
      printResult(subscriptions.map((s) => ({ accountId: s.account_id, ...presentSubscription(s), disabledReason: s.disabled_reason })), {});
    });

  program
    .command('notifications')
    .description('the keys CPN notifications are signed with')
    .command('rotate-key')
    .description('a new signing key signs from now on, in every process; the old public key stays served by its id')
    .action(async () => printResult(presentPublicKey(await withDeskgate((d) => d.notificationSigningKeys.rotate())), {}));
}
