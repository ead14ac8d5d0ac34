/**
 * The HTTP server around the express app: listens, and closes gracefully — no new connections, in-flight
 * requests finish (idle keep-alive connections are closed at once), and whatever is still open after the grace
 * period is cut.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { AppError } from '../app/app-error.js';

export interface RunningServer {
  /** http://host:port as bound (the real port when 0 was asked for). */
  url: string;
  port: number;
  close(graceMs?: number): Promise<void>;
}

export async function listen(app: Express, port: number, host: string): Promise<RunningServer> {
  const server: Server = createServer(app);
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout, so they close first
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000; // receiving a request; handlers have their own timeout
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new AppError(
              'UNAVAILABLE',
              `cannot listen on ${host}:${port} (${err.code === 'EADDRINUSE' ? 'another process uses it' : 'not allowed'}); set PORT to a free port`,
            )
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close(graceMs = 10_000) {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
