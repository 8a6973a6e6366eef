/**
 * Per-address limits: open connections (lobby + PeerJS sockets), open lobbies, and the lobby
 * creation rate, so that one address cannot take every connection slot or fill the global lobby cap.
 * An "address" is an IPv4 address or an IPv6 /64 (`addressKey`).
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
  /** TCP sockets of one address (any kind), counted on connect by `openSocket`. */
  readonly maxSocketsPerAddress: number;
  readonly maxLobbiesPerAddress: number;
  readonly lobbyCreatesPerMinute: number;
  readonly lobbyCreateBurst: number;
  /** Proxy addresses whose `X-Forwarded-For` is believed (normalized with `normalizeAddress`). */
  readonly trustProxy: readonly string[];
}

/** The eight 16-bit groups of an IPv6 address (zone dropped; an IPv4 tail allowed), or null. */
function ipv6Groups(address: string): number[] | null {
  const a = address.split('%')[0] ?? '';
  if (isIP(a) !== 6) return null;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  const hex = v4 === null ? a : `${a.slice(0, v4.index)}${((Number(v4[1]) << 8) | Number(v4[2])).toString(16)}:${((Number(v4[3]) << 8) | Number(v4[4])).toString(16)}`;
  const [head = '', tail] = hex.split('::');
  const part = (text: string | undefined): number[] => (text === undefined || text === '' ? [] : text.split(':').map((g) => parseInt(g, 16)));
  const left = part(head);
  const right = part(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 ? groups : null;
}

/**
 * One spelling per address, lower case; '' for no address. IPv4-mapped IPv6 (`::ffff:1.2.3.4`, also
 * in hex) becomes plain IPv4, other IPv6 is written in full (eight groups, no leading zeros), so that
 * a trusted proxy or a client matches however its address is written.
 */
export function normalizeAddress(address: string | undefined): string {
  // A pure function, called several times per connection, nearly always with the address of the
  // previous call (node hands out one cached string per peer): the last answer is kept.
  if (address === lastNormalized.input) return lastNormalized.output;
  const output = normalizeUncached(address);
  lastNormalized = { input: address, output };
  return output;
}

let lastNormalized: { readonly input: string | undefined; readonly output: string } = { input: '', output: '' };

function normalizeUncached(address: string | undefined): string {
  const a = (address ?? '').trim().toLowerCase();
  const groups = ipv6Groups(a);
  if (groups === null) return a;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  }
  return groups.map((g) => g.toString(16)).join(':');
}

/**
 * The key the per-address limits count under: an IPv4 address, or the /64 prefix of an IPv6 one
 * (`2001:db8:0:7::/64`). One IPv6 subscriber usually holds a whole /64 (2^64 addresses): counted one
 * by one, every per-address cap would fall over IPv6.
 */
export function addressKey(address: string | undefined): string {
  if (address === lastKey.input) return lastKey.output;
  const output = addressKeyUncached(address);
  lastKey = { input: address, output };
  return output;
}

let lastKey: { readonly input: string | undefined; readonly output: string } = { input: '', output: '' };

function addressKeyUncached(address: string | undefined): string {
  const a = normalizeAddress(address);
  const groups = a.split(':');
  return groups.length === 8 ? `${groups.slice(0, 4).join(':')}::/64` : a;
}

/** One address's usage; deleted once it holds nothing. */
interface Usage extends TokenBucket {
  /** The address itself (the map's key), handed out by `clientAddress`. */
  readonly key: string;
  /** TCP sockets (`openSocket`), whatever they carry. */
  sockets: number;
  connections: number;
  lobbies: number;
}

/** Counts what each address holds (TCP sockets, WebSockets, lobbies). */
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

  /** The client of a request, as its per-address key (`addressKey`; see the header comment). */
  clientAddress(req: IncomingMessage): string {
    return this.intern(this.clientKey(req));
  }

  /** The one string already counted for `key` (each connection keeps its address: no copy per socket). */
  private intern(key: string): string {
    return this.usage.get(key)?.key ?? key;
  }

  private clientKey(req: IncomingMessage): string {
    const peer = normalizeAddress(req.socket.remoteAddress);
    if (!this.trusted.has(peer)) return addressKey(peer);
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').slice(-32);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeAddress(hops[i]);
      if (isIP(hop) === 0) return addressKey(peer); // garbage in the chain: fall back to the proxy's own address
      if (!this.trusted.has(hop)) return addressKey(hop);
    }
    return addressKey(peer);
  }

  /**
   * Counts a new TCP socket from `remoteAddress` (the TCP peer's, before any byte is read); false
   * (nothing counted) when its address holds `maxSocketsPerAddress`. A trusted proxy carries many
   * clients: its sockets are not counted (true).
   */
  openSocket(remoteAddress: string | undefined): boolean {
    const peer = normalizeAddress(remoteAddress);
    if (this.trusted.has(peer)) return true;
    const key = addressKey(peer);
    const usage = this.entry(key);
    if (usage.sockets >= this.options.maxSocketsPerAddress) {
      this.prune(key, usage);
      return false;
    }
    usage.sockets += 1;
    return true;
  }

  /** A TCP socket counted by `openSocket` closed. */
  closeSocket(remoteAddress: string | undefined): void {
    const peer = normalizeAddress(remoteAddress);
    if (this.trusted.has(peer)) return;
    const key = addressKey(peer);
    const usage = this.usage.get(key);
    if (usage === undefined) return;
    usage.sockets = Math.max(0, usage.sockets - 1);
    this.prune(key, usage);
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
      usage = { key: address, sockets: 0, connections: 0, lobbies: 0, tokens: lobbyCreateBurst, lastMs: 0, ratePerMs: lobbyCreatesPerMinute / 60_000, burst: lobbyCreateBurst };
      this.usage.set(address, usage);
    }
    return usage;
  }

  /**
   * Forgets an address that holds nothing. Its creation bucket goes with it: an address that closed
   * every socket and whose lobbies all expired starts afresh, which the lobby cap still bounds.
   */
  private prune(address: string, usage: Usage): void {
    if (usage.sockets === 0 && usage.connections === 0 && usage.lobbies === 0) this.usage.delete(address);
  }
}
