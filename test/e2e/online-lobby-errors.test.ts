/**
 * The lobby's error messages in the browser, from the real signaling server: unknown lobby, name taken
 * (case-insensitive), lobby full (joining from the landing page), and a handshake aborted because the
 * only ready player un-readied; the name typed on a lobby link is remembered.
 */
import { expect, it } from 'vitest';
import { describeE2E, openPage } from './support/browser.ts';
import { onlineFixture, createLobbyViaUi, waitForMesh } from './support/online.ts';

describeE2E('online lobby errors (Chromium)', () => {
  const e2e = onlineFixture();
  const players = e2e.players;

  it('unknown lobby, name taken, lobby full, handshake aborted: each with a clear message', { timeout: 85_000 }, async () => {
    const stranger = await openPage(e2e.browser);
    players.push({ ...stranger, name: 'Stranger' });
    await stranger.page.goto(`${e2e.server.url}/lobby/AbCdEfGhIjKlMnOpQrStUv`);
    await stranger.page.fill('[data-testid=join-name]', 'Zoe');
    await stranger.page.click('[data-testid=join-submit]');
    await stranger.page.waitForFunction(() => document.querySelector('[data-testid=join-message]')?.textContent?.startsWith('There is no lobby with this code') === true);

    const { player: alice, link } = await createLobbyViaUi(e2e.browser, e2e.server, { name: 'Alice', players: 2 });
    players.push(alice);
    const second = await openPage(e2e.browser);
    players.push({ ...second, name: 'Bob' });
    await second.page.goto(link);
    await second.page.fill('[data-testid=join-name]', 'alice');
    await second.page.click('[data-testid=join-submit]');
    await second.page.waitForFunction(() => document.querySelector('[data-testid=join-message]')?.textContent?.includes('already uses that name') === true);
    await second.screenshot('online-name-taken');
    await second.page.fill('[data-testid=join-name]', 'Bob');
    await second.page.click('[data-testid=join-submit]');
    await second.page.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby');
    await waitForMesh([alice, { ...second, name: 'Bob' }], 2);

    // Lobby full, joining by pasting the link on the landing page.
    await stranger.page.goto(e2e.server.url + '/');
    expect(await stranger.page.inputValue('#player-name')).toBe('Zoe'); // remembered from the lobby link
    await stranger.page.fill('#lobby-code', link);
    await stranger.page.click('[data-testid=join-lobby]');
    await stranger.page.waitForFunction(() => document.querySelector('[data-testid=landing-message]')?.textContent === 'This lobby is full.');
    // … and it offers to watch it instead (the lobby page, Watch as its main button).
    const code = link.slice(link.lastIndexOf('/') + 1);
    expect(await stranger.page.getAttribute('[data-testid=landing-watch]', 'href')).toBe(`/lobby/${code}?watch=1`);
    expect(await stranger.page.isVisible('[data-testid=landing-watch]')).toBe(true);

    // Alice readies, Bob sees it, Alice un-readies: the round is aborted for both, with the reason.
    await alice.page.click('[data-testid=ready]');
    await second.page.waitForFunction(() => window.rollbackPong?.online?.members.find((m) => m.name === 'Alice')?.ready === true);
    await alice.page.click('[data-testid=ready]');
    await second.page.waitForFunction(() => document.querySelector('[data-testid=lobby-error]')?.textContent?.startsWith('Match start cancelled: Alice is no longer ready') === true);
    await second.screenshot('online-handshake-aborted');
    expect(await alice.page.textContent('[data-testid=ready]')).toBe('Ready');
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
