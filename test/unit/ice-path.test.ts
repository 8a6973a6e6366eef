// The selected candidate pair from getStats reports (spec, Firefox and nominated-pair forms), the path
// kind shown in the HUD, the relay failure diagnosis, and the sentences the UI makes of it.
import { describe, expect, it } from 'vitest';
import { hasTurnServer, IceWatch, pathKind, RELAY_ERROR_PREFIX, relayError, selectedPath, type RelayDiagnosis } from '../../src/transport/ice-path.ts';
import { relayOnlyFromSearch } from '../../src/ui/links.ts';
import { peerErrorMessage, relayFailureMessage } from '../../src/ui/messages.ts';

const candidates = [
  { id: 'L1', type: 'local-candidate', candidateType: 'host' },
  { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
  { id: 'R1', type: 'remote-candidate', candidateType: 'srflx' },
  { id: 'R2', type: 'remote-candidate', candidateType: 'relay' },
];

describe('selectedPath', () => {
  it('follows transport.selectedCandidatePairId (the standard)', () => {
    const reports = [
      ...candidates,
      { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', nominated: true, state: 'succeeded', currentRoundTripTime: 0.5 },
      { id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R2', state: 'succeeded', currentRoundTripTime: 0.0123 },
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
    ];
    expect(selectedPath(reports)).toEqual({ local: 'relay', remote: 'relay', rttMs: 12.3 });
  });

  it('falls back to a pair marked selected (Firefox), then to a nominated succeeded pair', () => {
    expect(selectedPath([...candidates, { id: 'P', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', selected: true }]))
      .toEqual({ local: 'host', remote: 'srflx', rttMs: undefined });
    expect(selectedPath([...candidates, { id: 'P', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', nominated: true, state: 'in-progress' }])).toBeUndefined();
    expect(selectedPath([...candidates, { id: 'P', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', nominated: true, state: 'succeeded', currentRoundTripTime: 0.002 }]))
      .toEqual({ local: 'relay', remote: 'srflx', rttMs: 2 });
  });

  it('is undefined without a selected pair, and never trusts odd values', () => {
    expect(selectedPath([])).toBeUndefined();
    expect(selectedPath([null, 3, 'x', ...candidates])).toBeUndefined();
    expect(selectedPath([{ id: 'L', type: 'local-candidate', candidateType: 'weird' }, { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'nope', selected: true, currentRoundTripTime: Number.NaN }]))
      .toEqual({ local: 'unknown', remote: 'unknown', rttMs: undefined });
  });

  it('pathKind: relay if either end is relayed, else srflx/prflx, else host', () => {
    expect(pathKind({ local: 'host', remote: 'relay', rttMs: 1 })).toBe('relay');
    expect(pathKind({ local: 'prflx', remote: 'host', rttMs: 1 })).toBe('srflx');
    expect(pathKind({ local: 'host', remote: 'host', rttMs: 1 })).toBe('host');
    expect(pathKind({ local: 'unknown', remote: 'unknown', rttMs: 1 })).toBe('unknown');
  });
});

describe('IceWatch', () => {
  const relayLine = 'candidate:1 1 udp 41885439 127.0.0.1 49160 typ relay raddr 127.0.0.1 rport 5000 generation 0';
  const hostLine = 'candidate:2 1 udp 2122260223 10.0.0.2 5000 typ host generation 0';

  it('relay-only: doomed once gathering ends without a relay candidate, with the best-known reason', () => {
    const w = new IceWatch('relay', true);
    expect(w.doomed()).toBeUndefined();
    w.gatheringDone = true;
    expect(w.doomed()).toBe('no-relay-candidates');
    w.candidateError(701);
    expect(w.doomed()).toBe('turn-unreachable');
    w.candidateError(401);
    expect(w.doomed()).toBe('turn-refused');
    w.localCandidate(relayLine);
    expect(w.doomed()).toBeUndefined();
    expect(new IceWatch('relay', false).doomed()).toBe('no-turn-server');
  });

  it('a failure after a relay address: the remote sent nothing, or no path through the relay worked', () => {
    const w = new IceWatch('relay', true);
    w.localCandidate(relayLine);
    expect(w.diagnosis()).toBe('relay-path-failed'); // PeerJS: remote candidates unknown
    const s = new IceWatch('relay', true);
    s.localCandidate(relayLine);
    s.remoteCandidates = 0;
    expect(s.diagnosis()).toBe('remote-no-candidates');
    s.remoteCandidate();
    expect(s.diagnosis()).toBe('relay-path-failed');
  });

  it('policy all: the relay is blamed only when TURN refused us and no relay address came', () => {
    const w = new IceWatch('all', true);
    w.localCandidate(hostLine);
    expect(w.doomed()).toBeUndefined();
    expect(w.diagnosis()).toBeUndefined();
    w.candidateError(401);
    expect(w.diagnosis()).toBe('turn-refused');
    w.localCandidate(relayLine);
    expect(w.diagnosis()).toBeUndefined();
  });

  it('hasTurnServer looks for turn:/turns: URLs', () => {
    expect(hasTurnServer(undefined)).toBe(false);
    expect(hasTurnServer([{ urls: 'stun:s' }])).toBe(false);
    expect(hasTurnServer([{ urls: ['stun:s', 'turns:t:5349'] }])).toBe(true);
  });
});

describe('relay failure sentences', () => {
  it('every diagnosis has its sentence naming the peer and the relay', () => {
    const all: RelayDiagnosis[] = ['no-turn-server', 'turn-refused', 'turn-unreachable', 'no-relay-candidates', 'remote-no-candidates', 'relay-path-failed'];
    const texts = all.map((d) => peerErrorMessage('Bob', relayError(d)));
    for (const t of texts) expect(t).toMatch(/^Could not reach Bob through the relay \(.+\)\.$/);
    expect(new Set(texts).size).toBe(all.length);
    expect(texts[1]).toBe('Could not reach Bob through the relay (TURN refused the credentials: wrong or expired).');
  });

  it('anything else is not a relay failure (and never echoed)', () => {
    expect(relayFailureMessage('Bob', `${RELAY_ERROR_PREFIX}constructor`)).toBeUndefined();
    expect(relayFailureMessage('Bob', `${RELAY_ERROR_PREFIX}__proto__`)).toBeUndefined();
    expect(relayFailureMessage('Bob', 'not connected after 15000 ms')).toBeUndefined();
    expect(peerErrorMessage('Bob', `${RELAY_ERROR_PREFIX}<b>hi</b>`)).toBe('The connection to Bob failed.');
  });
});

describe('?relay=', () => {
  it('1 or true forces relay-only ICE; anything else does not', () => {
    expect(relayOnlyFromSearch('?relay=1')).toBe(true);
    expect(relayOnlyFromSearch('?lag=50&relay=true')).toBe(true);
    for (const search of ['', '?relay=0', '?relay=', '?relay=yes', '?transport=peerjs']) expect(relayOnlyFromSearch(search)).toBe(false);
  });
});
