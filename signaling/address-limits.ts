/**
 * Per-address limits: open connections (lobby + PeerJS sockets), open lobbies, and the lobby
 * creation rate, so that one address cannot take every connection slot or fill the global lobby cap.
 *
 * The address is the TCP peer's, unless that peer is a configured trusted proxy (`TRUST_PROXY`): only
 * then is `X-Forwarded-For` read, from the right, skipping trusted hops. A client can write any
 * `X-Forwarded-For` it likes; without a trusted proxy in front, honouring it would let one client
 * pose as any number of addresses.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ErrorCode } from '../src/lobby/protocol.ts';
import { takeToken } from './rate-limit.ts';
import type { TokenBucket } from './rate-limit.ts';

/** The limits, as resolved options. */
export interface AddressLimitOptions {
  readonly maxConnectionsPerAddress: number;
  readonly maxLobbiesPerAddress: number;
  readonly lobbyCreatesPerMinute: number;
  readonly lobbyCreateBurst: number;
  /** Proxy addresses whose `X-Forwarded-For` is believed (normalized with `normalizeAddress`). */
  readonly trustProxy: readonly string[];
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as plain IPv4, lower case; '' for no address. */
export function normalizeAddress(address: string | undefined): string {
  const a = (address ?? '').trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped?.[1] ?? a;
}

/** One address's usage; deleted once it holds nothing. */
interface Usage extends TokenBucket {
  connections: number;
  lobbies: number;
}

/** Counts what each address holds. */
export class AddressBook {
  private readonly usage = new Map<string, Usage>();
  private readonly trusted: ReadonlySet<string>;

  constructor(private readonly options: AddressLimitOptions) {
    this.trusted = new Set(options.trustProxy.map(normalizeAddress));
  }

  /** Addresses holding a connection or a lobby now. */
  get size(): number {
    return this.usage.size;
  }

  /** The client address of a request (see the header comment). */
  clientAddress(req: IncomingMessage): string {
    const peer = normalizeAddress(req.socket.remoteAddress);
    if (!this.trusted.has(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').slice(-32);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeAddress(hops[i]);
      if (isIP(hop) === 0) return peer; // garbage in the chain: fall back to the proxy's own address
      if (!this.trusted.has(hop)) return hop;
    }
    return peer;
  }

  /** Counts a new connection from `address`; false (nothing counted) when it is at its cap. */
  openConnection(address: string): boolean {
    const usage = this.entry(address);
    if (usage.connections >= this.options.maxConnectionsPerAddress) {
      this.prune(address, usage);
      return false;
    }
    usage.connections += 1;
    return true;
  }

  /** A connection counted by `openConnection` closed. */
  closeConnection(address: string): void {
    const usage = this.usage.get(address);
    if (usage === undefined) return;
    usage.connections = Math.max(0, usage.connections - 1);
    this.prune(address, usage);
  }

  /** Reserves one lobby for `address`, or says which limit refuses it. */
  reserveLobby(address: string, nowMs: number): ErrorCode | null {
    const usage = this.entry(address);
    if (usage.lobbies >= this.options.maxLobbiesPerAddress || !takeToken(usage, nowMs)) {
      this.prune(address, usage);
      return ErrorCode.tooManyLobbies;
    }
    usage.lobbies += 1;
    return null;
  }

  /** A lobby reserved by `reserveLobby` is gone (expired). */
  releaseLobby(address: string): void {
    const usage = this.usage.get(address);
    if (usage === undefined) return;
    usage.lobbies = Math.max(0, usage.lobbies - 1);
    this.prune(address, usage);
  }

  /** Open connections and lobbies of `address` (tests, monitoring). */
  held(address: string): { readonly connections: number; readonly lobbies: number } {
    const usage = this.usage.get(address);
    return { connections: usage?.connections ?? 0, lobbies: usage?.lobbies ?? 0 };
  }

  private entry(address: string): Usage {
    let usage = this.usage.get(address);
    if (usage === undefined) {
      const { lobbyCreateBurst, lobbyCreatesPerMinute } = this.options;
      usage = { connections: 0, lobbies: 0, tokens: lobbyCreateBurst, lastMs: 0, ratePerMs: lobbyCreatesPerMinute / 60_000, burst: lobbyCreateBurst };
      this.usage.set(address, usage);
    }
    return usage;
  }

  /**
   * Forgets an address that holds nothing. Its creation bucket goes with it: an address that closed
   * every socket and whose lobbies all expired starts afresh, which the lobby cap still bounds.
   */
  private prune(address: string, usage: Usage): void {
    if (usage.connections === 0 && usage.lobbies === 0) this.usage.delete(address);
  }
}
