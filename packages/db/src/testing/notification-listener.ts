import pg from 'pg';

export interface NotificationListener {
  /** Every payload received on the channel, in order. */
  payloads: string[];
  close(): Promise<void>;
}

/** LISTENs on one channel of a PostgreSQL database from a connection of its own, as another process would. */
export async function listenForNotifications(connectionString: string, channel: string): Promise<NotificationListener> {
  const client = new pg.Client({ connectionString });
  const payloads: string[] = [];
  client.on('notification', (message) => {
    if (message.channel === channel) payloads.push(message.payload ?? '');
  });
  await client.connect();
  await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  return { payloads, close: () => client.end() };
}
