import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts of this package, read once from `lua/` at the package root. Both `src/`
 * (tests via tsx) and `dist/` sit one level below it, so one relative URL serves both.
 */
const SCRIPTS = {
  pollfleetLeaseAcquire: 'acquire-3.lua',
  pollfleetLeaseExtend: 'extend-2.lua',
  pollfleetLeaseRelease: 'release-1.lua',
  pollfleetHeartbeat: 'heartbeat-1.lua',
} as const;

type ScriptName = keyof typeof SCRIPTS;

let sources: Map<ScriptName, { lua: string; numberOfKeys: number }> | undefined;

function loadSources(): Map<ScriptName, { lua: string; numberOfKeys: number }> {
  if (sources) return sources;
  const loaded = new Map<ScriptName, { lua: string; numberOfKeys: number }>();
  for (const [name, file] of Object.entries(SCRIPTS) as [ScriptName, string][]) {
    const lua = readFileSync(new URL(`../lua/${file}`, import.meta.url), 'utf8');
    // The file name carries the number of keys: `<name>-<numberOfKeys>.lua`.
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    loaded.set(name, { lua, numberOfKeys });
  }
  sources = loaded;
  return loaded;
}

/** The custom commands `defineFleetCommands` adds to a client (EVALSHA, EVAL on NOSCRIPT). */
export interface FleetCommands {
  pollfleetLeaseAcquire(
    leaseKey: string,
    fenceKey: string,
    slotKey: string,
    token: string,
    ttlMs: number,
    fenceTtlMs: number,
    slot: string,
  ): Promise<[number, number, number?]>;
  pollfleetLeaseExtend(
    leaseKey: string,
    slotKey: string,
    token: string,
    fence: string,
    ttlMs: number,
    slot: string,
    slotTtlMs: number,
  ): Promise<number>;
  pollfleetLeaseRelease(leaseKey: string, token: string, fence: string): Promise<number>;
  pollfleetHeartbeat(membersKey: string, member: string, ttlMs: number): Promise<string[]>;
}

const defined = new WeakSet<object>();

/**
 * Adds the fleet scripts to `redis` (and to its pipelines) as custom commands. Idempotent per
 * client. ioredis sends EVALSHA and falls back to EVAL when the server lost its script cache.
 */
export function defineFleetCommands(redis: Redis): Redis & FleetCommands {
  if (!defined.has(redis)) {
    for (const [name, def] of loadSources()) redis.defineCommand(name, def);
    defined.add(redis);
  }
  return redis as Redis & FleetCommands;
}
