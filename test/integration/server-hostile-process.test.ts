// `npm start` as a process manager or container runtime drives it: SIGTERM or SIGINT to
// `node scripts/start.mjs` stops the server (sockets closed with 1001), exits 0, leaves no process
// behind and frees the port; SIGTERM to `npm start` itself (its script `exec`s node, so npm forwards
// the signal to the server) stops the server and npm exits 0 too. Linux only: descendants are found through /proc.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { until } from './server-hostile-helpers.ts';

const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '', FORCE_BUILD: '' };

/** Pids whose parent is `pid`, recursively (from /proc/<pid>/stat). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const visit = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie is gone for our purpose
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Starts `command`, waits for the server's URL; returns the port and collected output. */
async function launch(command: string, args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const match = await until(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out), `server URL in: ${out}`, 30_000);
  return { child, port: Number(match[1]), output: () => out, exited };
}

describe('npm start under a process manager', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`node scripts/start.mjs stops on ${signal}: exit 0, sockets closed with 1001, no process left, port free`, async () => {
      const { child, port, exited } = await launch(process.execPath, ['scripts/start.mjs']);
      const pid = child.pid ?? -1;
      try {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        ws.on('error', () => {});
        await new Promise((resolve) => ws.once('open', resolve));
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        const family = [pid, ...descendants(pid)];
        child.kill(signal);
        expect(await exited).toBe(0);
        expect(await closed).toBe(1001);
        await until(() => family.every((p) => !alive(p)), `every process of ${family.join(',')} gone`, 5000);
        expect(await portFree(port)).toBe(true);
      } finally {
        if (alive(pid)) child.kill('SIGKILL');
      }
    }, 40_000);
  }

  it('SIGTERM to `npm start` itself stops the server too: exit 0, no orphan holding the port', async () => {
    const { child, port, exited } = await launch('npm', ['start', '--silent']);
    const npm = child.pid ?? -1;
    const family = descendants(npm);
    try {
      expect(family.length).toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await until(() => [npm, ...family].every((p) => !alive(p)), `every process of ${[npm, ...family].join(',')} gone`, 10_000);
      expect(await portFree(port)).toBe(true);
    } finally {
      for (const p of family) if (alive(p)) process.kill(p, 'SIGKILL');
    }
  }, 40_000);
});
