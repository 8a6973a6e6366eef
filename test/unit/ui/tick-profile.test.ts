import { describe, expect, it } from 'vitest';
import { profileFromSearch, TickProfile } from '../../../src/ui/render/tick-profile.ts';

describe('TickProfile', () => {
  it('attributes the time between marks to each phase and the whole tick to total', () => {
    let t = 0;
    const p = new TickProfile(() => t);
    for (const [session, render] of [[1, 3], [2, 5]] as const) {
      p.begin();
      t += session;
      p.end('session');
      t += render;
      p.end('render');
      p.finish();
      t += 10; // between ticks: counted nowhere
    }
    const s = p.summary();
    expect(s.session?.count).toBe(2);
    expect(s.session?.meanMs).toBe(1.5);
    expect(s.render?.maxMs).toBe(5);
    expect(s.total?.meanMs).toBe(5.5);
  });

  it('is enabled only by ?profile=1', () => {
    expect(profileFromSearch('?profile=1')).toBe(true);
    expect(profileFromSearch('?lag=0&profile=1')).toBe(true);
    expect(profileFromSearch('?profile=0')).toBe(false);
    expect(profileFromSearch('')).toBe(false);
  });
});
