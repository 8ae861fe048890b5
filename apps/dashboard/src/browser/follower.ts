import type { DashMessage } from '../messages.js';
import { apply, emptyState, type RunState } from './state.js';

/**
 * Follows one feed: applies each message once, in order. EventSource sends
 * Last-Event-ID when it reconnects and the server resumes after it, but a
 * message seen twice is dropped here too; a message from another run (the
 * lab restarted on the same port) starts the state over.
 */
export class FeedFollower {
  state: RunState = emptyState();
  run = '';
  lastSeq = 0;

  /** True when the message changed the state; `reset` tells that the run changed. */
  receive(run: string, seq: number, message: DashMessage): { applied: boolean; reset: boolean } {
    let reset = false;
    if (run !== this.run) {
      this.run = run;
      this.lastSeq = 0;
      this.state = emptyState();
      reset = true;
    }
    if (seq <= this.lastSeq) return { applied: false, reset };
    this.lastSeq = seq;
    apply(this.state, message);
    return { applied: true, reset };
  }
}
