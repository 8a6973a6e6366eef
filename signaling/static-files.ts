/**
 * Serves the built client (`dist/`) with sirv, plus what sirv leaves to us: an SPA fallback (an
 * extension-less path that is not a file, such as `/lobby/<code>`, gets `index.html`), our content types
 * and cache policy (content-hashed `assets/` immutable, everything else `no-cache`, weak ETags), 405 for
 * methods other than GET/HEAD, and plain-text 400/404s. The percent-decoded path is checked here to stay
 * inside the root before sirv sees it, so `..` in any encoding is refused (sirv checks again).
 * sirv runs in its `dev` mode, which looks files up on each request instead of listing them once: a
 * `dist/` rebuilt (or first built) while the server runs is served as it is now, never with a stale
 * length or a missing asset.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import sirv, { type RequestHandler } from 'sirv';

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** Handles GET/HEAD for files under `rootDir`. */
export type StaticHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Keeps one well-formed `bytes=START-END` range (START <= END) and drops any other `Range` header, so the
 * file is sent whole (RFC 9110 lets a server ignore Range): sirv would pass a reversed range to
 * `createReadStream`, which throws.
 */
function saneRange(req: IncomingMessage): void {
  const range = req.headers.range;
  if (range === undefined) return;
  const m = /^bytes=(\d{1,15})?-(\d{1,15})?$/.exec(range);
  const ok = m !== null && (m[1] !== undefined || m[2] !== undefined) && (m[1] === undefined || m[2] === undefined || Number(m[1]) <= Number(m[2]));
  if (!ok) delete req.headers.range;
}

/** A handler serving `rootDir`; `pathname` is the raw (still percent-encoded) URL path. */
export function createStaticHandler(rootDir: string): StaticHandler {
  const root = resolve(rootDir);
  const files: RequestHandler = sirv(root, {
    dev: true,
    etag: true,
    // No guessing of `.html` for extension-less paths: those are client routes (the fallback below).
    extensions: [],
    setHeaders: (res, path) => {
      res.setHeader('content-type', CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream');
      // Vite puts content-hashed files under assets/: they never change.
      res.setHeader('cache-control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  const serve = (req: IncomingMessage, res: ServerResponse, path: string, next: () => void): void => {
    req.url = path;
    files(req, res, next);
  };
  return async (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed');
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendText(res, 400, 'bad path');
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return sendText(res, 400, 'bad path');
    const target = resolve(root, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
    if (target !== root && !target.startsWith(root + sep)) return sendText(res, 404, 'not found');
    saneRange(req);
    const notFound = (): void => sendText(res, 404, 'not found');
    const path = pathname.startsWith('/') ? pathname : `/${pathname}`;
    // sirv pipes a read stream without an error listener: a file removed between its stat and its read
    // (a rebuild) would throw out of the server. The destination sees the pipe first and handles it.
    res.once('pipe', (source: NodeJS.ReadableStream) => source.once('error', () => res.destroy()));
    await new Promise<void>((done) => {
      res.once('finish', done).once('close', done);
      serve(req, res, path.endsWith('/') ? `${path}index.html` : path, () => {
        // SPA fallback: client-side routes (`/lobby/<code>`) have no extension.
        if (extname(decoded) === '') serve(req, res, '/index.html', notFound);
        else notFound();
      });
    });
  };
}
