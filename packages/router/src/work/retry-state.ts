/**
 * Where the destinations' retry state (failure count, retry time, the hop marked down) is kept
 * across a restart. Without it a restarted Router starts every destination's count at zero: the
 * recipients' own next-attempt times still hold them back, but the next failure would wait 1x the
 * interval instead of 3x, and a hop that was down would be tried again by new mail at once.
 *
 * Not mail: losing the last change to a crash costs at most one shorter retry, so the file is
 * replaced atomically (written, fsynced, renamed) but a change is not waited for.
 */
import { open, readFile, rename } from 'node:fs/promises';
import type { Logger } from '@mailroute/envelope';

/** One destination in retry. */
export interface RetryStateEntry {
  readonly destination: string;
  readonly failures: number;
  readonly retryAtMs: number;
  /** The routing-graph hop marked down for it (from server, to server), if any. */
  readonly hop?: readonly [string, string];
}

/** Keeps the retry state; the Router loads it on start and saves it after each change. */
export interface RetryStateStore {
  load(): Promise<readonly RetryStateEntry[]>;
  save(entries: readonly RetryStateEntry[]): Promise<void>;
}

function isEntry(x: unknown): x is RetryStateEntry {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  const hop = e['hop'];
  return (
    typeof e['destination'] === 'string' &&
    Number.isInteger(e['failures']) &&
    (e['failures'] as number) > 0 &&
    Number.isFinite(e['retryAtMs']) &&
    (hop === undefined || (Array.isArray(hop) && hop.length === 2 && hop.every((h) => typeof h === 'string')))
  );
}

/**
 * A retry state in one JSON file (the gateway keeps it beside mail.box). A missing file is an
 * empty state; an unreadable or malformed one is logged and treated as empty (the counts start
 * again, as they did before this file existed), never a reason not to start.
 */
export function createFileRetryState(path: string, logger?: Logger): RetryStateStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          logger?.warn(
            { path, error: String(e) },
            'Router: cannot read the retry state; starting without it',
          );
        return [];
      }
      try {
        const parsed: unknown = JSON.parse(text);
        if (!Array.isArray(parsed)) throw new Error('not a list');
        return parsed.filter(isEntry);
      } catch (e) {
        logger?.warn({ path, error: String(e) }, 'Router: the retry state is malformed; starting without it');
        return [];
      }
    },
    async save(entries) {
      const tmp = `${path}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(entries));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
    },
  };
}

/**
 * Saves the retry state after changes, one save at a time: changes that come while a save runs
 * are carried by one more save after it. A failed save is logged; the next change tries again.
 */
export class RetryStateSaver {
  #dirty = false;
  #saving: Promise<void> | undefined;

  constructor(
    private readonly store: RetryStateStore,
    private readonly entries: () => readonly RetryStateEntry[],
    private readonly logger: Logger,
  ) {}

  changed(): void {
    this.#dirty = true;
    this.#saving ??= this.#run().finally(() => {
      this.#saving = undefined;
    });
  }

  /** Resolves when the last change is saved (or its save failed). */
  async settled(): Promise<void> {
    while (this.#saving !== undefined) await this.#saving;
  }

  async #run(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await this.store.save(this.entries());
      } catch (e) {
        this.logger.warn({ error: String(e) }, 'Router: could not save the retry state');
      }
    }
  }
}
