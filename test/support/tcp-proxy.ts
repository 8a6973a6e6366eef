/**
 * A TCP proxy on 127.0.0.1 in front of a server, for network faults the test decides: `cut` resets
 * every connection through it (what a dead Wi-Fi looks like once the OS notices), `freeze` makes the
 * current connections a black hole (nothing forwarded, nothing closed: a link that died silently),
 * `stop`/`start` take the address away and bring it back (the server unreachable), `retarget` points
 * new connections at another port (a restarted server).
 */
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  cut(): void;
  freeze(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  retarget(port: number): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  frozen: boolean;
}

/** Starts a proxy from an ephemeral port of 127.0.0.1 to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let accepted = 0;
  const pairs = new Set<Pair>();
  const onConnection = (client: Socket): void => {
    accepted += 1;
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    const pair: Pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.frozen) client.write(chunk);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', () => {
        if (!pair.frozen) end();
      });
    }
  };
  let server: Server = createServer(onConnection);
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const cut = (): void => {
    for (const pair of pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  };
  const stop = (): Promise<void> => {
    cut();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    cut,
    freeze: () => {
      for (const pair of pairs) pair.frozen = true;
    },
    stop,
    start: async () => {
      server = createServer(onConnection);
      await listen(port);
    },
    retarget: (p) => {
      target = p;
    },
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
