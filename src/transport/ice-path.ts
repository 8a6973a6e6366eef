/**
 * What ICE found for one peer connection: the selected candidate pair (host, server-reflexive or
 * relayed, and its round-trip time) from `RTCPeerConnection.getStats()`, and, while connecting, a watch
 * on candidate gathering that explains a failure through a TURN relay.
 *
 * What is knowable, and what is not: a TURN server that refuses our credentials answers 401, which
 * browsers (and wrtc in Node) report as an `icecandidateerror` with `errorCode` 401 (701: no answer at
 * all); where no such event comes, we only see that gathering ended without a relay candidate. With the
 * relay-only policy (`iceTransportPolicy: 'relay'`) no relay candidate means no connection is possible,
 * so the link fails at once instead of waiting out its connect timeout. Whether the *other* side got a
 * relay address we only know from the candidates it signalled (simple-peer shows them; PeerJS does not).
 */

/** An ICE candidate type (RFC 8445), as `RTCIceCandidateStats.candidateType` names it. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** The selected candidate pair of a connection. */
export interface IcePath {
  readonly local: CandidateType | 'unknown';
  readonly remote: CandidateType | 'unknown';
  /** `currentRoundTripTime` of the pair (STUN consent checks), ms; undefined before the first. */
  readonly rttMs: number | undefined;
}

const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

function candidateType(report: Record<string, unknown> | undefined): CandidateType | 'unknown' {
  const t = report?.['candidateType'];
  return typeof t === 'string' && CANDIDATE_TYPES.includes(t) ? (t as CandidateType) : 'unknown';
}

/** One stats report as a plain record (a `getStats()` entry or simple-peer's flattened one). */
type Report = Record<string, unknown>;

/**
 * The selected pair in a list of stats reports: the one the `transport` report names
 * (`selectedCandidatePairId`, the standard), else a pair marked `selected` (Firefox), else a nominated
 * pair that succeeded. Undefined when none is selected yet.
 */
export function selectedPath(reports: Iterable<unknown>): IcePath | undefined {
  const byId = new Map<string, Report>();
  const all: Report[] = [];
  for (const r of reports) {
    if (typeof r !== 'object' || r === null) continue;
    const report = r as Report;
    all.push(report);
    if (typeof report['id'] === 'string') byId.set(report['id'], report);
  }
  const isPair = (r: Report): boolean => r['type'] === 'candidate-pair' || r['type'] === 'candidatepair';
  let pair: Report | undefined;
  for (const r of all) {
    const id = r['selectedCandidatePairId'];
    if (r['type'] === 'transport' && typeof id === 'string') pair = byId.get(id);
  }
  pair ??= all.find((r) => isPair(r) && r['selected'] === true);
  pair ??= all.find((r) => isPair(r) && r['nominated'] === true && r['state'] === 'succeeded');
  if (pair === undefined) return undefined;
  const local = byId.get(String(pair['localCandidateId']));
  const remote = byId.get(String(pair['remoteCandidateId']));
  const rtt = pair['currentRoundTripTime'];
  return { local: candidateType(local), remote: candidateType(remote), rttMs: typeof rtt === 'number' && Number.isFinite(rtt) ? rtt * 1000 : undefined };
}

/**
 * How the data travels: `relay` when either end is a TURN relay address, else `srflx` when either is
 * reflexive (through a NAT), else `host` (a direct local address).
 */
export function pathKind(path: IcePath): 'host' | 'srflx' | 'relay' | 'unknown' {
  const ends = [path.local, path.remote];
  if (ends.includes('relay')) return 'relay';
  if (ends.includes('srflx') || ends.includes('prflx')) return 'srflx';
  if (ends.includes('host')) return 'host';
  return 'unknown';
}

/** Reads the selected path of `pc` (standard promise `getStats()`); undefined on any failure. */
export async function readPath(pc: Pick<RTCPeerConnection, 'getStats'> | null | undefined): Promise<IcePath | undefined> {
  if (pc === null || pc === undefined) return undefined;
  try {
    const stats = await pc.getStats();
    const reports: unknown[] = [];
    stats.forEach((r: unknown) => reports.push(r));
    return selectedPath(reports);
  } catch {
    return undefined;
  }
}

/** Why a connection through the relay failed, as far as this side can know (`IceWatch.diagnosis`). */
export type RelayDiagnosis =
  /** Relay-only, but no `turn:`/`turns:` server was configured at all. */
  | 'no-turn-server'
  /** The TURN server answered 401: wrong or expired credentials. */
  | 'turn-refused'
  /** The TURN server did not answer (701) and no relay address was allocated. */
  | 'turn-unreachable'
  /** Gathering ended without a relay address, with no error reported (wrtc): refused or unreachable. */
  | 'no-relay-candidates'
  /** We had a relay address but the other side signalled no candidate at all. */
  | 'remote-no-candidates'
  /** We had a relay address, but no pair through it worked. */
  | 'relay-path-failed';

/** The prefix of a link error that carries a `RelayDiagnosis` (`relay:turn-refused`). */
export const RELAY_ERROR_PREFIX = 'relay:';

/** True when some server of the list has a `turn:` or `turns:` URL. */
export function hasTurnServer(servers: readonly RTCIceServer[] | undefined): boolean {
  return (servers ?? []).some((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls).some((u) => u.startsWith('turn')));
}

/** Counts what gathering produced for one connection; the link asks it why a connection failed. */
export class IceWatch {
  relayCandidates = 0;
  localCandidates = 0;
  /** Candidates the other side signalled; null when the transport does not show them (PeerJS). */
  remoteCandidates: number | null = null;
  authErrors = 0;
  unreachableErrors = 0;
  gatheringDone = false;

  constructor(readonly policy: RTCIceTransportPolicy, readonly turnConfigured: boolean) {}

  /** A local candidate (its SDP `candidate:` line). */
  localCandidate(line: string): void {
    this.localCandidates += 1;
    if (/ typ relay( |$)/.test(line)) this.relayCandidates += 1;
  }

  /** A remote candidate was signalled to us. */
  remoteCandidate(): void {
    this.remoteCandidates = (this.remoteCandidates ?? 0) + 1;
  }

  /** An `icecandidateerror` (`errorCode`: 401 unauthorized, 701 unreachable, ...). */
  candidateError(code: number): void {
    if (code === 401 || code === 403 || code === 437 || code === 441) this.authErrors += 1;
    else if (code === 701) this.unreachableErrors += 1;
  }

  /**
   * With the relay-only policy, when gathering has ended with no relay address (or there was never a
   * TURN server) nothing can ever connect: the reason, so that the link fails now. Else undefined.
   */
  doomed(): RelayDiagnosis | undefined {
    if (this.policy !== 'relay') return undefined;
    if (!this.turnConfigured) return 'no-turn-server';
    if (!this.gatheringDone || this.relayCandidates > 0) return undefined;
    return this.noRelayReason();
  }

  /** Why a failed connection failed, when the relay is a likely cause; undefined when it is not. */
  diagnosis(): RelayDiagnosis | undefined {
    if (this.policy === 'relay' && !this.turnConfigured) return 'no-turn-server';
    if (this.relayCandidates === 0) {
      if (this.policy === 'relay' || this.authErrors > 0) return this.noRelayReason();
      return undefined;
    }
    if (this.policy !== 'relay') return undefined;
    return this.remoteCandidates === 0 ? 'remote-no-candidates' : 'relay-path-failed';
  }

  private noRelayReason(): RelayDiagnosis {
    if (this.authErrors > 0) return 'turn-refused';
    if (this.unreachableErrors > 0) return 'turn-unreachable';
    return 'no-relay-candidates';
  }

  /** Listens to `pc`'s gathering events (addEventListener: the transport's own handlers stay). */
  observe(pc: RTCPeerConnection, onDoomed: (reason: RelayDiagnosis) => void): void {
    const check = (): void => {
      const reason = this.doomed();
      if (reason !== undefined) onDoomed(reason);
    };
    pc.addEventListener('icecandidate', (ev: RTCPeerConnectionIceEvent) => {
      if (ev.candidate === null || ev.candidate.candidate === '') {
        this.gatheringDone = true;
        check();
      } else this.localCandidate(ev.candidate.candidate);
    });
    pc.addEventListener('icecandidateerror', (ev: Event) => {
      const code = (ev as Partial<RTCPeerConnectionIceErrorEvent>).errorCode;
      if (typeof code === 'number') this.candidateError(code);
    });
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        this.gatheringDone = true;
        check();
      }
    });
  }
}

/** The link error text for a diagnosis (`relay:<diagnosis>`, parsed by the UI's messages). */
export function relayError(reason: RelayDiagnosis): string {
  return `${RELAY_ERROR_PREFIX}${reason}`;
}
