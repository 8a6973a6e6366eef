// The watcher's page texts: the watchers line of the lobby screen, the watcher's status, the banner.
import { describe, expect, it } from 'vitest';
import { watchersLine } from '../../../src/ui/lobby-view.ts';
import { signalingClosedMessage, watcherClosedMessage, watcherStatus, watchingBanner } from '../../../src/ui/messages.ts';

describe('watcher texts', () => {
  it('lists watchers by name with their count, nothing when none', () => {
    expect(watchersLine([])).toBe('');
    expect(watchersLine(['Carol', 'Dave'])).toBe('Watching (2): Carol, Dave');
  });

  it('says what the watcher waits for, and offers the seat only in an open lobby with one', () => {
    expect(watcherStatus({ started: true, freeSeat: false }, true)).toBe('You are watching the match.');
    expect(watcherStatus({ started: true, freeSeat: false }, false)).toMatch(/waiting for the players/);
    expect(watcherStatus({ started: false, freeSeat: true }, false)).toMatch(/A seat is free/);
    expect(watcherStatus({ started: false, freeSeat: false }, false)).not.toMatch(/seat/);
  });

  it('says the lobby has closed when the server closes the watcher\'s socket for its expiry (4015), else the connection was lost', () => {
    expect(watcherClosedMessage('expired-lobby')).toMatch(/^This lobby has closed: every player left/);
    expect(watcherClosedMessage('code 1006')).toBe(signalingClosedMessage('code 1006'));
  });

  it('names the players watched in the banner', () => {
    expect(watchingBanner(2, true)).toBe('Watching — 2 players');
    expect(watchingBanner(3, false)).toMatch(/^Watching — 3 players \(waiting/);
  });
});
