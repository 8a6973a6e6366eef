/**
 * The tester widgets page (`#/widgets`): the HUD fed with synthetic stats, the lag panel and the chat,
 * so testers (and the e2e tests) can see and try them without a session.
 */
import type { PeerStats, SessionStats } from '../netcode/types.ts';
import { createChat } from './chat.ts';
import { h } from './dom.ts';
import { createHud } from './hud.ts';
import { createLagPanel, type LagSettings } from './lag-panel.ts';
import type { Page } from './page.ts';
import { playerColour } from './palette.ts';
import { resetTestHook, testHook } from './test-hook.ts';

/** Synthetic stats for update number `tick`: two peers, a rollback every few updates (deterministic). */
export function syntheticStats(tick: number, lag: LagSettings): SessionStats {
  const histogram = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let rollbacks = 0;
  for (let t = 1; t <= tick; t++) {
    if (t % 3 === 0) {
      const depth = 1 + ((t * 7) % 8);
      histogram[depth] = (histogram[depth] ?? 0) + 1;
      rollbacks++;
    }
  }
  const peer = (player: number): PeerStats => ({
    peer: `peer-${player}`, player,
    pingMs: 2 * lag.latencyMs + 4 + (tick % 5), jitterMs: lag.jitterMs + 1, loss: lag.loss,
    clockOffsetMs: 0, kbpsIn: 11.5, kbpsOut: 12.25, packetsPerSecondIn: 60, packetsPerSecondOut: 60,
    bytesIn: tick * 400, bytesOut: tick * 410, packetsIn: tick * 15, packetsOut: tick * 15, packetsRejected: 0,
    framesAhead: (tick % 3) - 1, lastReceivedFrame: tick * 15 - 2, state: 'running',
  });
  return {
    frame: tick * 15, confirmedFrame: tick * 15 - 3, rollbacks, rollbackHistogram: histogram,
    maxRollbackFrames: histogram.reduce((m, c, d) => (c > 0 ? d : m), 0), predictedFrames: tick * 4, stalls: 0,
    resimulatedFrames: rollbacks * 4, tickRateFactor: 1, framesAhead: 0, inputDelay: 2, peers: [peer(1), peer(2)],
  };
}

/** Mounts the widgets demo. */
export function mountWidgetsDemo(root: HTMLElement): Page {
  resetTestHook('widgets');
  const hudHost = h('div', { class: 'widget-box' });
  const lagHost = h('div', { class: 'widget-box' });
  const chatHost = h('div', { class: 'widget-box' });
  const output = h('pre', { class: 'muted', 'data-testid': 'lag-output' });
  const page = h('div', { class: 'page widgets-page' },
    h('header', { class: 'bar' }, h('a', { href: '/', class: 'brand', text: '← Rollback Pong' }), h('h1', { text: 'Tester widgets' })),
    h('p', { class: 'muted help', text: 'Synthetic data. Press F3 or H (or the Stats button) to toggle the HUD.' }),
    h('div', { class: 'widgets-grid' }, hudHost, h('div', {}, lagHost, output), chatHost));
  root.append(page);
  const names = ['You', 'Bob', 'Carol'];
  const hud = createHud(hudHost, { nameOf: (p) => names[p] ?? `P${p + 1}`, visible: true });
  const sent: string[] = [];
  let lag: LagSettings = { latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 };
  const lagPanel = createLagPanel(lagHost, {
    onChange: (s) => {
      lag = s;
      output.textContent = JSON.stringify(s);
      testHook().extra = { ...testHook().extra, lag: s };
    },
  });
  const chat = createChat(chatHost, {
    onSend: (text) => {
      sent.push(text);
      chat.add({ from: 'You', text, colour: playerColour(0).css });
      testHook().extra = { ...testHook().extra, chatSent: sent.slice() };
    },
  });
  chat.add({ text: 'Bob joined' });
  chat.add({ from: 'Bob', text: 'ready when you are', colour: playerColour(1).css });
  let tick = 0;
  const update = (): void => {
    tick++;
    hud.update(syntheticStats(tick, lag));
    testHook().extra = { ...testHook().extra, hudUpdates: tick, hudVisible: hud.visible };
  };
  update();
  const timer = setInterval(update, 250);
  return {
    destroy(): void {
      clearInterval(timer);
      hud.destroy();
      lagPanel.destroy();
      chat.destroy();
      page.remove();
    },
  };
}
