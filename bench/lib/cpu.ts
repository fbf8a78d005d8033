import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime (USER_HZ; 100 on every Linux we run on). */
const TICKS_PER_SEC = 100;

/** CPU seconds used so far: by one server process, by every PostgreSQL process, by this (load-generating) process, and by the whole machine. */
export interface CpuSnapshot {
  server: number;
  postgres: number;
  bench: number;
  machineBusy: number;
  machineTotal: number;
}

function processSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
  } catch {
    return 0; // exited meanwhile
  }
}

function postgresSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += processSeconds(entry);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

function machineSeconds(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / TICKS_PER_SEC, total: (busy + idle + iowait) / TICKS_PER_SEC };
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const usage = process.cpuUsage();
  const machine = machineSeconds();
  return { server: processSeconds(serverPid), postgres: postgresSeconds(), bench: (usage.user + usage.system) / 1e6, machineBusy: machine.busy, machineTotal: machine.total };
}

/** Where the CPU went between two snapshots, per request, and how busy the machine was. */
export interface CpuCost {
  /** CPU µs per request in the server process, in all of PostgreSQL, and in the load generator. */
  serverUs: number;
  postgresUs: number;
  benchUs: number;
  /** Share of the machine's CPU time that was busy (all processes) during the run itself, 0–1. */
  machineBusy: number;
}

/** `ran`: right after the load; `after`: once the work it caused has settled (the same as `ran` when nothing is left behind). */
export function cpuCost(before: CpuSnapshot, ran: CpuSnapshot, after: CpuSnapshot, requests: number): CpuCost {
  const per = (a: number, b: number) => (requests > 0 ? ((b - a) * 1e6) / requests : NaN);
  const total = ran.machineTotal - before.machineTotal;
  return {
    serverUs: per(before.server, after.server),
    postgresUs: per(before.postgres, after.postgres),
    benchUs: per(before.bench, ran.bench),
    machineBusy: total > 0 ? (ran.machineBusy - before.machineBusy) / total : NaN,
  };
}
