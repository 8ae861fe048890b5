import express, { type Express } from 'express';
import type { ServerState } from './server-state.js';

/**
 * The HTTP side: `/addr` answers like GetAddr, `/healthz` is liveness (up
 * until exit), `/readyz` is readiness (503 once draining), `/metrics` is
 * Prometheus text.
 */
export function createHttpApp(state: ServerState): Express {
  const app = express();
  app.disable('x-powered-by');
  const inFlight = state.metrics.inFlight.labels('http');
  const addrCalls = state.callCounter('http', 'GET /addr');

  app.use((_req, res, next) => {
    // Keep-alive clients would keep reusing this connection until the process
    // exits; asking them to close it makes their next request open a new
    // connection, which the Service sends to a pod that is still Ready.
    if (state.isDraining) res.set('Connection', 'close');
    next();
  });

  app.get('/addr', async (_req, res) => {
    inFlight.inc();
    try {
      await state.delay();
      const answer = state.answer(addrCalls);
      res.json({ ...answer, startTime: answer.startTime.toISOString() });
    } finally {
      inFlight.dec();
    }
  });

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });

  app.get('/readyz', (_req, res) => {
    if (state.isDraining) res.status(503).type('text/plain').send('draining\n');
    else res.type('text/plain').send('ready\n');
  });

  app.get('/metrics', async (_req, res) => {
    res.type(state.metrics.registry.contentType).send(await state.metrics.registry.metrics());
  });

  return app;
}
