import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

// The built web app (Vite output in dist/web): the booking page at / (and /manage/<ref>,
// the link in a confirmation), the owner console at /owner (and its setup, invite and
// reset links). Hashed assets are cached for
// good; pages are always revalidated so a deploy shows up at once.

export const webRoutes =
  (root: string): FastifyPluginAsync =>
  async (app) => {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: false,
      setHeaders: (reply, path) => {
        reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const page = (file: string) => async (_request: unknown, reply: FastifyReply) =>
      reply.header('cache-control', 'no-cache').sendFile(file);
    app.get('/', { schema: { hide: true } }, page('index.html'));
    app.get('/manage/:ref', { schema: { hide: true } }, page('index.html'));
    app.get('/owner', { schema: { hide: true } }, page('owner.html'));
    // The links the console sends people: first-owner setup, an invite, a password reset.
    for (const path of ['/owner/setup', '/owner/invite', '/owner/reset']) {
      app.get(path, { schema: { hide: true } }, page('owner.html'));
    }
  };
