// LISTEN on Postgres: one dedicated connection (a pooled one may be handed to someone else
// between queries), reconnected with backoff when it drops. After a reconnect every listener
// is called once (with an empty payload), since notifications sent while it was down are lost;
// whoever must know when notifications stop arriving passes `onLost`.
import pg from 'pg';

/** Called with the notification's payload ('' when none was sent). */
type Listener = (payload: string) => void;

export class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly lostHandlers = new Set<() => void>();
  private closed = false;
  private retryMs = 500;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * Calls `listener` on every NOTIFY of `channel`; resolves to the unsubscribe. `onLost` is called
   * when notifications stop arriving (the connection dropped, or the LISTEN failed); `listener('')`
   * once they arrive again.
   */
  async listen(channel: string, listener: Listener, onLost?: () => void): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    const first = !set;
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    const lost = onLost ? () => onLost() : undefined;
    if (lost) this.lostHandlers.add(lost);
    try {
      await this.connect();
      if (!this.client) throw new Error('the LISTEN connection is down');
      if (first) await this.client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      // Not fatal: polling finds the work meanwhile, and the connection is retried.
      this.onError(error);
      lost?.();
      this.reconnectSoon();
    }
    return async () => {
      if (lost) this.lostHandlers.delete(lost);
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(channel) !== set) return;
      this.listeners.delete(channel);
      await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, application_name: 'stubbuild listen' });
      client.on('notification', (message) => {
        for (const listener of this.listeners.get(message.channel) ?? []) listener(message.payload ?? '');
      });
      client.on('error', (error) => this.dropped(client, error));
      client.on('end', () => this.dropped(client, new Error('the LISTEN connection ended')));
      await client.connect();
      for (const channel of this.listeners.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      this.client = client;
      this.retryMs = 500;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private dropped(client: pg.Client, error: unknown): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.onError(error);
    for (const lost of this.lostHandlers) lost();
    this.reconnectSoon();
  }

  private reconnectSoon(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().then(
        () => {
          for (const set of this.listeners.values()) for (const listener of set) listener('');
        },
        (error: unknown) => {
          this.onError(error);
          this.retryMs = Math.min(this.retryMs * 2, 30_000);
          this.reconnectSoon();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }
}
