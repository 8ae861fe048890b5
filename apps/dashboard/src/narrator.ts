import type { Narrator } from '@lab/lab';
import type { RunFeed } from './feed.js';
import { phaseInfo } from './run-info.js';
import { WindowPoints } from './window-point.js';

/**
 * The engine's side of the dashboard: every narrator call becomes a message
 * on the feed, which the server streams to the pages.
 */
export function dashboardNarrator(feed: RunFeed): Narrator {
  const points = new WindowPoints();
  let lastProgress = 0;
  return {
    say: (text) => feed.publish({ type: 'say', at: Date.now(), text }),
    step: (text) => feed.publish({ type: 'step', at: Date.now(), text }),
    detail: (text) => feed.publish({ type: 'detail', at: Date.now(), text }),
    progress: (text) => {
      // The engine ticks every 250 ms; a page needs no more, and a replay no less.
      const now = Date.now();
      if (text !== null && now - lastProgress < 1000) return;
      lastProgress = text === null ? 0 : now;
      feed.publish({ type: 'progress', at: now, text });
    },
    phase: (result) => feed.publish({ type: 'phase', phase: phaseInfo(result) }),
    event: (event) => feed.publish({ type: 'event', event: { ...event } }),
    window: (line) => feed.publish({ type: 'window', window: points.point(line) }),
  };
}

/** One narrator that hands every call to each of `narrators`, in order. */
export function combineNarrators(...narrators: Narrator[]): Narrator {
  return {
    say: (text) => {
      for (const n of narrators) n.say(text);
    },
    step: (text) => {
      for (const n of narrators) n.step(text);
    },
    detail: (text) => {
      for (const n of narrators) n.detail(text);
    },
    progress: (text) => {
      for (const n of narrators) n.progress(text);
    },
    phase: (result) => {
      for (const n of narrators) n.phase(result);
    },
    event: (event) => {
      for (const n of narrators) n.event?.(event);
    },
    window: (line) => {
      for (const n of narrators) n.window?.(line);
    },
  };
}
