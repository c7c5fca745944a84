import { cpus, platform, release, totalmem } from 'node:os';

/** One line naming the machine a number was measured on (every published number carries it). */
export function machine(runtime = `Node ${process.version}`): string {
  const cpu = cpus();
  return `${runtime}; ${cpu[0]?.model.trim() ?? 'unknown CPU'} x${cpu.length}; ${Math.round(totalmem() / 2 ** 30)} GiB; ${platform()} ${release()}`;
}
