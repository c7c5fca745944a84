import { arch, cpus, platform, release, totalmem } from 'node:os';

/** A one-line description of this machine for reports and charts. */
export function machineInfo(): { cpu: string; cores: number; memoryGiB: number; os: string; node: string } {
  const list = cpus();
  return {
    cpu: (list[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}

export function describeMachine(): string {
  const m = machineInfo();
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`;
}
