import fs from 'node:fs/promises';
import path from 'node:path';
import { root } from './processes.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  frame: string;
  selfPct: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? url.replace(/^file:\/\//, '').replace(root + '/', '').replace(/^.*node_modules\//, '') : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

/** Self time per frame (and per package/area), from a `node --cpu-prof` profile. */
export async function summariseProfile(file: string, top = 15): Promise<{ frames: FrameShare[]; areas: FrameShare[] }> {
  const profile = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id)!;
    const name = frameName(node);
    frames.set(name, (frames.get(name) ?? 0) + time);
    const url = node.callFrame.url;
    const area = !url
      ? node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native/builtin)'
      : url.includes('node_modules/')
        ? url.split('node_modules/').pop()!.split('/').slice(0, url.split('node_modules/').pop()!.startsWith('@') ? 2 : 1).join('/')
        : url.startsWith('node:')
          ? 'node core'
          : path.relative(root, url.replace(/^file:\/\//, '')).split('/').slice(0, 2).join('/');
    areas.set(area, (areas.get(area) ?? 0) + time);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, time]) => ({ frame, selfPct: (100 * time) / total }));
  return { frames: rank(frames), areas: rank(areas) };
}
