import { createServer, type Server } from 'node:net';

/** A port bound for a server that has not started yet, and the bound socket to hand over to it. */
export interface ReservedPort {
  port: number;
  /** `http://127.0.0.1:<port>`: what the server's public URL (PUBLIC_URL) is, known before it starts. */
  url: string;
  /** Bound on port 0 and still open: pass it to the server (`startBridge(config, { listenOn })`), never close it. */
  server: Server;
}

/**
 * Binds port 0 and keeps it bound, so that a server's URL is known before it starts and no other process can take
 * the port before the server does: the bound socket is handed over, not freed and bound again.
 */
export async function reservePort(): Promise<ReservedPort> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, url: `http://127.0.0.1:${port}`, server };
}
