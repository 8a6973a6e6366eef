// Silence reports (`report`) against a real signaling server on 127.0.0.1: a member whose match links
// died while its lobby socket lives is removed only when EVERY other member reports it, so one hostile
// member's word drops nobody; the removed member's socket closes with 4012 and the others get its
// `member-left` (the word that ends its notarised input for everyone). Bad reports are refused.
import { describe, expect, it } from 'vitest';
import { createLobby, expectHealthy, hostileServer, joinLobby, type Raw } from './server-hostile-helpers.ts';

const { start, track } = hostileServer();
async function lobbyOf(names: readonly string[]) {
  const server = await start();
  const first = await createLobby(server.wsUrl, names[0] as string);
  const rest = [];
  for (const name of names.slice(1)) rest.push(await joinLobby(server.wsUrl, first.joined.code, name));
  const all = [first, ...rest];
  for (const m of all) track(m);
  return { s: server, all, id: (i: number) => (all[i] as (typeof all)[number]).joined.memberId };
}
async function settle(r: Raw): Promise<void> {
  r.send({ kind: 'ping', nonce: 1 });
  await r.take('pong');
}

describe('silence reports', () => {
  it('one member of three reporting another drops nobody; when both others report it, it is removed (4012)', async () => {
    const { s, all, id } = await lobbyOf(['Ann', 'Bob', 'Cat']);
    const [ann, bob, cat] = all as [(typeof all)[number], (typeof all)[number], (typeof all)[number]];
    // Cat, hostile, reports Ann (twice): Ann stays.
    cat.r.send({ kind: 'report', member: id(0) });
    cat.r.send({ kind: 'report', member: id(0) });
    await settle(cat.r);
    await settle(ann.r);
    expect(ann.r.ws.readyState).toBe(ann.r.ws.OPEN);
    expect(bob.r.count('member-left')).toBe(0);
    // Ann and Bob both lost Cat: Cat is removed, both hear it.
    ann.r.send({ kind: 'report', member: id(2) });
    await settle(ann.r);
    expect(cat.r.ws.readyState).toBe(cat.r.ws.OPEN);
    bob.r.send({ kind: 'report', member: id(2) });
    expect(await cat.r.closed()).toEqual({ code: 4012, reason: 'dropped-by-peers' });
    expect(await ann.r.take('member-left')).toEqual({ kind: 'member-left', memberId: id(2), reason: 'disconnected' });
    expect(await bob.r.take('member-left')).toEqual({ kind: 'member-left', memberId: id(2), reason: 'disconnected' });
    await expectHealthy(s);
  });

  it('a report about oneself is refused with not-member, one about a non-member (gone already) changes nothing, a malformed one gets bad-message', async () => {
    const { s, all, id } = await lobbyOf(['Ann', 'Bob']);
    const [ann, bob] = all as [(typeof all)[number], (typeof all)[number]];
    ann.r.send({ kind: 'report', member: id(0) });
    expect((await ann.r.take('error')).code).toBe('not-member');
    for (const member of ['nobody-here', 'x'.repeat(30)]) ann.r.send({ kind: 'report', member });
    await settle(ann.r);
    expect(ann.r.count('error')).toBe(0);
    expect(bob.r.ws.readyState).toBe(bob.r.ws.OPEN);
    ann.r.send({ kind: 'report', member: { toString: 'x' } });
    expect((await ann.r.take('error')).code).toBe('bad-message');
    await expectHealthy(s);
  });

  it('in a 2-player lobby the other member alone decides (there is nobody to split)', async () => {
    const { all, id } = await lobbyOf(['Ann', 'Bob']);
    const [ann, bob] = all as [(typeof all)[number], (typeof all)[number]];
    ann.r.send({ kind: 'report', member: id(1) });
    expect((await bob.r.closed()).code).toBe(4012);
    expect(await ann.r.take('member-left')).toMatchObject({ memberId: id(1) });
  });

  it('a reporter who left no longer counts: the members still there decide', async () => {
    const { all, id } = await lobbyOf(['Ann', 'Bob', 'Cat']);
    const [ann, bob, cat] = all as [(typeof all)[number], (typeof all)[number], (typeof all)[number]];
    bob.r.send({ kind: 'report', member: id(2) }); // Bob reports Cat, then leaves
    bob.r.send({ kind: 'leave' });
    expect(await ann.r.take('member-left')).toMatchObject({ memberId: id(1) });
    // Now Ann is the only other member: her report alone removes Cat (Bob's left with him).
    ann.r.send({ kind: 'report', member: id(2) });
    expect((await cat.r.closed()).code).toBe(4012);
  });
});
