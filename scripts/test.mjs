#!/usr/bin/env node
// Runs the whole test suite (type check, lint, vitest) inside a fresh network namespace when this
// process may create one (root, `unshare` and `ip` present), so that WebRTC, the signaling server and
// Chromium only ever talk to loopback or to a veth pair that exists only inside that namespace.
// Elsewhere it falls back to plain loopback and says so. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const NETNS_SETUP =
  'ip link set lo up && ip link add v0 type veth peer name v1 && ip addr add 198.51.100.1/24 dev v0 && ' +
  'ip link set v0 up && ip link set v1 up && ip route add default dev v0 && exec "$@"';

function run(cmd, cmdArgs, env = process.env) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function canUnshare() {
  if (process.env.ROLLBACK_PONG_NETNS) return false; // already inside
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip link add v0 type veth peer name v1'], { stdio: 'ignore' });
  return r.status === 0;
}

function steps() {
  for (const [cmd, a] of [['npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']], ['npx', ['eslint', '.']]]) {
    const code = run(cmd, a);
    if (code !== 0) return code;
  }
  return run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json', ...args]);
}

if (process.env.ROLLBACK_PONG_NETNS || !canUnshare()) {
  if (!process.env.ROLLBACK_PONG_NETNS) console.log('[test] no network namespace available: running on plain loopback');
  process.exit(steps());
} else {
  console.log('[test] running inside a fresh network namespace (loopback + veth 198.51.100.1/24)');
  const env = { ...process.env, ROLLBACK_PONG_NETNS: '1' };
  process.exit(run('unshare', ['-n', 'sh', '-c', NETNS_SETUP, 'sh', process.execPath, ...process.argv.slice(1)], env));
}
