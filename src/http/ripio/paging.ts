import type { FastifyRequest } from 'fastify';

export interface Page {
  limit: number;
  offset: number;
  count: number;
}

/** DRF-style `next` / `previous` links of a limit/offset list, keeping its filters. */
export function pageLinks(request: FastifyRequest, publicBaseUrl: string | null, path: string, filters: Record<string, string | undefined>, page: Page) {
  const link = (offset: number) => {
    const url = new URL(path, publicBaseUrl ?? `${request.protocol}://${request.host}`);
    url.searchParams.set('limit', String(page.limit));
    if (offset > 0) url.searchParams.set('offset', String(offset));
    for (const [name, value] of Object.entries(filters)) if (value) url.searchParams.set(name, value);
    return url.toString();
  };
  return {
    next: page.offset + page.limit < page.count ? link(page.offset + page.limit) : null,
    previous: page.offset > 0 ? link(Math.max(0, page.offset - page.limit)) : null,
  };
}
