import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP front door the test binds once, on port 0, and keeps for its whole run, forwarding every connection to
 * whichever process is behind it at the time. A process that is killed and started again binds a port of its own
 * (port 0) each life: no port is chosen ahead and freed for someone else to take, yet clients and webhooks keep one
 * address. With nobody behind it, a connection is closed at once, as a refused one would be.
 */
export class FrontDoor {
  readonly #sockets = new Set<Socket>();
  #target: { host: string; port: number } | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async open(): Promise<FrontDoor> {
    let door: FrontDoor | undefined;
    const server = createServer((client) => door?.forward(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    door = new FrontDoor(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    return door;
  }

  /** Sends new connections to `url` from now on; undefined while nobody is behind the door. */
  forwardTo(url: string | undefined): void {
    this.#target = url === undefined ? undefined : { host: new URL(url).hostname, port: Number(new URL(url).port) };
  }

  private forward(client: Socket): void {
    if (this.#target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(this.#target.port, this.#target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
