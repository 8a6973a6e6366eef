/**
 * A static server for the built client on 127.0.0.1 (an ephemeral port): the signaling server's own
 * static handler (sirv, `signaling/static-files.ts`), so e2e pages get the same SPA fallback (paths
 * without a file, e.g. `/lobby/abc`, get index.html), content types, cache policy and 404s as `npm start`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStaticHandler } from '../../../signaling/static-files.ts';

/** A running server. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1 at an ephemeral port. */
export function serveStatic(dir: string): Promise<RunningServer> {
  const handle = createStaticHandler(dir);
  const server: Server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/';
    handle(req, res, pathname).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}
