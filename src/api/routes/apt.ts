// GET/HEAD /apt/…: the repository directory as a static tree (what any web server would
// serve), with Content-Length, ETag, Last-Modified, Range and conditional requests.
import type { Stats } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Db } from '../../db/in-transaction.ts';
import { PUBLIC_KEY_FILES, type Repository } from '../../repo/repository.ts';
import { authenticateToken } from '../../tokens/tokens.ts';
import { HttpProblem } from '../problem.ts';

export interface AptRoutesOptions {
  db: Db;
  repo: Repository;
  /** 'basic': every request needs HTTP Basic with an API token as the password (apt's auth.conf). */
  auth: 'none' | 'basic';
}

const basicChallenge = { 'www-authenticate': 'Basic realm="stubbuild apt repository", charset="UTF-8"' };

function basicPassword(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

function setHeaders(reply: FastifyReply, path: string, stat: Stats): void {
  // An HTTP date has whole seconds, and the indices change several times a second while
  // packages are added. apt sends If-Modified-Since from its copy's mtime (the Last-Modified
  // it got, or the time it downloaded), so a server comparing whole seconds answers 304 for
  // an InRelease rewritten within that second and apt keeps a stale one. So If-Modified-Since
  // is not used to answer 304 here (send's `lastModified` is off; If-None-Match/ETag still
  // is), and Last-Modified is the mtime rounded up, sent only once that time has passed.
  const lastModified = Math.ceil(stat.mtimeMs / 1000) * 1000;
  if (lastModified <= Date.now()) reply.header('last-modified', new Date(lastModified).toUTCString());
  // by-hash names are content addresses: what they hold never changes.
  if (path.includes('/by-hash/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
  else reply.header('cache-control', 'no-cache');
  if (path.endsWith(`/${PUBLIC_KEY_FILES.armored}`) || path.endsWith(`/${PUBLIC_KEY_FILES.binary}`)) {
    reply.header('content-type', 'application/pgp-keys');
  }
}

// Only what apt needs is served, whatever else REPO_DIR may come to hold.
const SERVED = /^\/(?:(?:dists|pool)\/.+|key\.asc|key\.gpg)$/;
// Percent-escapes of characters decodeURI() leaves encoded but Debian file names use: apt
// sends `+` (every +stubdomN and +bN version) as %2B, and the static server would look for
// a file named with the escape.
const KEPT_BY_DECODE_URI = /%(?:2B|3A|40|26|3D|24|2C|3B)/gi;

/** The request path under /apt, decoded, or undefined when it is not one we serve. */
function servedPath(url: string): string | undefined {
  const pathname = url.split('?', 1)[0]!.replace(/^\/apt/, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  return SERVED.test(decoded) ? decoded : undefined;
}

export const aptRoutes: FastifyPluginAsync<AptRoutesOptions> = async (app, { db, repo, auth }) => {
  app.addHook('onRequest', async (request) => {
    if (servedPath(request.raw.url ?? '') === undefined) {
      throw new HttpProblem(404, 'not-found', 'the apt repository serves dists/, pool/, key.asc and key.gpg only');
    }
    const [pathname, query] = (request.raw.url ?? '').split(/\?(.*)/s, 2);
    request.raw.url =
      pathname!.replace(KEPT_BY_DECODE_URI, (escape) => decodeURIComponent(escape)) + (query !== undefined ? `?${query}` : '');
  });
  if (auth === 'basic') {
    app.addHook('onRequest', async (request) => {
      const password = basicPassword(request.headers.authorization);
      if (password === undefined) {
        throw new HttpProblem(
          401,
          'unauthenticated',
          'the apt repository needs HTTP Basic authentication: any user name, an API token as the password',
          basicChallenge,
        );
      }
      const check = await authenticateToken(db, password);
      if (!check.ok) {
        const why = { unknown: 'is not known', expired: 'has expired', revoked: 'has been revoked' }[check.why];
        throw new HttpProblem(401, 'unauthenticated', `the token ${why}`, basicChallenge);
      }
    });
  }
  await app.register(fastifyStatic, {
    root: repo.settings.dir,
    prefix: '/',
    decorateReply: false,
    // Temporary files and the collector's state start with a dot; they are never served.
    dotfiles: 'ignore',
    serveDotFiles: false,
    index: false,
    list: false,
    redirect: false,
    etag: true,
    lastModified: false,
    acceptRanges: true,
    cacheControl: false,
    setHeaders,
  });
};
