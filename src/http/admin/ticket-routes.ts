import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AdminDeps } from './plugin.js';
import { AccountParams, DeskCheck, TicketDetail, TicketList, TicketListQuery, TicketParams, adminOperation, errorResponses } from './schemas.js';

/** Support tickets as operators inspect them (with failure reasons and attachments), and the help desk's status. */
export async function ticketRoutes(app: FastifyInstance, { operator }: AdminDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/accounts/:accountId/tickets',
    {
      schema: {
        ...adminOperation("List an account's tickets (newest first), filtered"),
        params: AccountParams,
        querystring: TicketListQuery,
        response: { 200: TicketList, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { limit = 100, offset = 0, ...filter } = request.query;
      return operator.listTickets(request.params.accountId, filter, limit, offset);
    },
  );
  api.get(
    '/tickets/:ticketId',
    { schema: { ...adminOperation('Get a ticket with its failure reason and attachments'), params: TicketParams, response: { 200: TicketDetail, ...errorResponses(401, 404) } } },
    async (request) => operator.showTicket(request.params.ticketId),
  );

  api.get(
    '/desk/check',
    { schema: { ...adminOperation("Verify the configured help desk's credentials and ids (read-only)"), response: { 200: DeskCheck, ...errorResponses(401) } } },
    async () => operator.checkDesk(),
  );
}
