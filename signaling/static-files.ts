/**
 * Serves the built client (`dist/`) with an SPA fallback: an extension-less path that is not a file
 * (such as `/lobby/<code>`) gets `index.html`. Paths are percent-decoded, then resolved and checked
 * to stay inside the root, so `..` in any encoding cannot reach other files.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

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

async function fileAt(path: string): Promise<{ path: string; size: number } | null> {
  try {
    const info = await stat(path);
    if (info.isFile()) return { path, size: info.size };
    if (info.isDirectory()) return await fileAt(resolve(path, 'index.html'));
  } catch {
    // missing or unreadable: not found
  }
  return null;
}

/** A handler serving `rootDir`; `pathname` is the raw (still percent-encoded) URL path. */
export function createStaticHandler(rootDir: string): StaticHandler {
  const root = resolve(rootDir);
  // Vite puts content-hashed files under assets/: they never change.
  const assets = resolve(root, 'assets') + sep;
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
    let file = await fileAt(target);
    // SPA fallback: client-side routes (`/lobby/<code>`) have no extension.
    if (file === null && extname(decoded) === '') file = await fileAt(resolve(root, 'index.html'));
    if (file === null) return sendText(res, 404, 'not found');
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': file.path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
