import { randomBytes } from 'node:crypto';
import type { DashMessage, Sequenced } from './messages.js';

/**
 * One run's messages in order, numbered from 1. The SSE endpoint replays
 * them to every page that connects (so a page opened mid-run, or reloaded,
 * sees the run from its start) and then streams what comes next.
 */
export class RunFeed {
  /** Names this run in event ids, so a page reconnecting after a new run starts over. */
  readonly run = randomBytes(6).toString('hex');
  private readonly log: DashMessage[] = [];
  private readonly listeners = new Set<(item: Sequenced) => void>();

  publish(message: DashMessage): void {
    this.log.push(message);
    const item = { seq: this.log.length, message };
    for (const listener of this.listeners) listener(item);
  }

  /** Every message after `seq` (0: all of them). */
  since(seq: number): Sequenced[] {
    return this.log.slice(Math.max(0, seq)).map((message, i) => ({ seq: seq + i + 1, message }));
  }

  get size(): number {
    return this.log.length;
  }

  /** Calls `listener` for each message published from now on; returns the unsubscribe. */
  subscribe(listener: (item: Sequenced) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
