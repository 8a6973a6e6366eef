/**
 * A CPU cap for benchmark processes: a cgroup of their own with a CFS quota, so that a server under
 * test gets a fixed share of a core however fast its load generator is (`bench/signaling.ts`, the
 * capped pairings). cgroup v2 (`cpu.max`) where the unified hierarchy has the cpu controller, else
 * v1 (`cpu/…/cpu.cfs_quota_us`). Needs root; `cpuCap` says why not where it cannot make one.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuCap {
  /** The share of one core the group may use (quota over period). */
  readonly cores: number;
  /** Moves a process (and the threads it starts from then on) into the group. */
  add(pid: number): void;
  /** Removes the group; its processes must have exited (else it stays, and this says so). */
  remove(): void;
}

const V2_ROOT = '/sys/fs/cgroup';
const V1_ROOT = '/sys/fs/cgroup/cpu';

function makeCap(dir: string, cores: number, limit: (quotaUs: number, periodUs: number) => void): CpuCap {
  const periodUs = 10_000;
  const quotaUs = Math.round(cores * periodUs);
  mkdirSync(dir);
  try {
    limit(quotaUs, periodUs);
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
  return {
    cores: quotaUs / periodUs,
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch (error) {
        console.error(`cpu-cap: could not remove ${dir}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}

/**
 * A new cgroup `name` limited to `cores` of one core (10 ms periods: a short period keeps a capped
 * server's stalls short, so the cap bounds its throughput and not much its latency), or a string
 * saying why none can be made here.
 */
export function cpuCap(name: string, cores: number): CpuCap | string {
  if (process.platform !== 'linux') return 'not Linux';
  const errors: string[] = [];
  try {
    const controllers = existsSync(join(V2_ROOT, 'cgroup.controllers')) ? readFileSync(join(V2_ROOT, 'cgroup.controllers'), 'utf8') : '';
    if (controllers.split(/\s+/).includes('cpu')) {
      const subtree = join(V2_ROOT, 'cgroup.subtree_control');
      if (!readFileSync(subtree, 'utf8').split(/\s+/).includes('cpu')) writeFileSync(subtree, '+cpu');
      return makeCap(join(V2_ROOT, name), cores, (quota, period) => writeFileSync(join(V2_ROOT, name, 'cpu.max'), `${quota} ${period}`));
    }
    errors.push('cgroup v2 has no cpu controller');
  } catch (error) {
    errors.push(`cgroup v2: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    if (existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))) {
      const dir = join(V1_ROOT, name);
      return makeCap(dir, cores, (quota, period) => {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(period));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
      });
    }
    errors.push('no cgroup v1 cpu controller');
  } catch (error) {
    errors.push(`cgroup v1: ${error instanceof Error ? error.message : String(error)}`);
  }
  return errors.join('; ');
}
