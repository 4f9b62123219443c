import type { Server, ServerResponse } from 'node:http';

/**
 * Graceful close for an HTTP server, shared by the issuer and verifier services. Returns an
 * idempotent close(): stop accepting connections, let in-flight requests finish (up to
 * `graceMs`, then every connection is closed), and meanwhile make every response close its
 * connection and drop idle keep-alive sockets, so keep-alive clients (load balancers, load
 * generators) move on instead of holding the process open.
 */
export function gracefulCloser(server: Server, graceMs: number): () => Promise<void> {
  let closing: Promise<void> | null = null;
  const inFlight = new Set<ServerResponse>();
  const noKeepAlive = (res: ServerResponse) => {
    res.shouldKeepAlive = false;
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (closing) noKeepAlive(res);
    res.on('finish', () => {
      inFlight.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return () =>
    (closing ??= (async () => {
      for (const res of inFlight) noKeepAlive(res);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Idle keep-alive sockets would hold close() open; in-flight requests are left to finish.
        server.closeIdleConnections();
      });
    })());
}
