import type { FastifyInstance } from 'fastify';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** The web app as `npm run build` leaves it (services/board/web, built by Vite). */
export const webDist = join(__dirname, '..', '..', 'web', 'dist');
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The board's page: the built web app's files, read once at start, with a strict content security
 * policy. The page talks to the board, its feed, intake (the submitter's form files there) and dispatch (the directory).
 */
export async function pageRoutes(app: FastifyInstance, options: { intakePublicUrl: string; dispatchPublicUrl: string }): Promise<void> {
  const others = [options.intakePublicUrl, options.dispatchPublicUrl].map((u) => new URL(u).origin).join(' ');
  const policy = `default-src 'self'; connect-src 'self' ws: wss: ${others}; frame-ancestors 'none'`;
  const assets = await readdir(join(webDist, 'assets')).catch(() => {
    throw new Error(`the web app is not built (${webDist}): run npm run build`);
  });
  const files: [string, string][] = [['/', 'index.html'], ...assets.map((f): [string, string] => [`/assets/${f}`, join('assets', f)])];
  for (const [url, file] of files) {
    const body = await readFile(join(webDist, file));
    const type = types[extname(file)] ?? 'application/octet-stream';
    // the assets' names carry a hash of their content: kept for a year; the page itself is asked again each time
    const cache = url === '/' ? 'no-cache' : 'public, max-age=31536000, immutable';
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', type)
        .header('cache-control', cache)
        .header('content-security-policy', policy)
        .send(body),
    );
  }
  app.get('/favicon.ico', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.status(204).send());
}
