import type { Request, Response } from 'express';
import type { RunFeed } from './feed.js';
import type { Sequenced } from './messages.js';

const HEARTBEAT_MS = 15_000;

/**
 * The seq a reconnecting page has already seen, from the Last-Event-ID its
 * EventSource sends (`<run>.<seq>`), or 0 when it is a new page or the id
 * belongs to another run: then it gets the whole run again.
 */
export function seenSeq(lastEventId: string | undefined, run: string): number {
  if (!lastEventId) return 0;
  const [idRun, seq] = lastEventId.split('.');
  if (idRun !== run) return 0;
  const n = Number(seq);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/**
 * GET /events: the run so far (after what the page has seen), then every new
 * message, as Server-Sent Events with ids `<run>.<seq>`. Returns a function
 * that ends the stream.
 */
export function streamFeed(req: Request, res: Response, feed: RunFeed): () => void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  });
  res.flushHeaders();
  res.write('retry: 1000\n\n');
  const send = ({ seq, message }: Sequenced) =>
    res.write(`id: ${feed.run}.${seq}\ndata: ${JSON.stringify(message)}\n\n`);
  const header = req.get('last-event-id');
  const query = typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined;
  for (const item of feed.since(seenSeq(header ?? query, feed.run))) send(item);
  const unsubscribe = feed.subscribe(send);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  };
  req.on('close', end);
  return end;
}
