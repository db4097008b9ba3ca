import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const publicDir = join(__dirname, '..', '..', 'public');
const pages: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/board.js': { file: 'board.js', type: 'text/javascript; charset=utf-8' },
  '/board.css': { file: 'board.css', type: 'text/css; charset=utf-8' },
};

/** The board's page: three static files, read once, with a strict content security policy. */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  for (const [url, { file, type }] of Object.entries(pages)) {
    const body = await readFile(join(publicDir, file));
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header('content-security-policy', "default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'")
        .send(body),
    );
  }
  app.get('/favicon.ico', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.status(204).send());
}
