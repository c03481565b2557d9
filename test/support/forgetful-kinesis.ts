/**
 * An emulator stand-in that acknowledges a record it does not keep: an HTTP proxy in front of kinesalite that
 * takes one chosen record out of a PutRecords request before passing it on, and answers for it with a success
 * entry (a shard id and a sequence number) as if it had been stored. Everything else passes through unchanged.
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForgetfulKinesis {
  readonly endpoint: string;
  /** The sequence numbers it acknowledged without storing the record. */
  readonly forgotten: { readonly tripId: string; readonly shardId: string; readonly sequenceNumber: string }[];
  stop(): Promise<void>;
}

interface PutRecordsEntry {
  Data: string;
  PartitionKey: string;
}

function body(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

function eventOf(entry: PutRecordsEntry): { event_type?: unknown; trip_id?: unknown } {
  return JSON.parse(Buffer.from(entry.Data, 'base64').toString('utf8')) as { event_type?: unknown; trip_id?: unknown };
}

/** Forwards to `target`; the first `trip_start` record of `tripId` is acknowledged and dropped. */
export async function startForgetfulKinesis(target: string, tripId: string): Promise<ForgetfulKinesis> {
  const forgotten: ForgetfulKinesis['forgotten'] = [];
  const upstream = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      let payload = await body(incoming);
      const isPutRecords = String(incoming.headers['x-amz-target'] ?? '').endsWith('.PutRecords');
      let droppedAt = -1;
      if (isPutRecords && forgotten.length === 0) {
        const parsed = JSON.parse(payload.toString('utf8')) as { Records: PutRecordsEntry[] };
        droppedAt = parsed.Records.findIndex((entry) => {
          const event = eventOf(entry);
          return event.event_type === 'trip_start' && event.trip_id === tripId;
        });
        if (droppedAt >= 0) {
          parsed.Records.splice(droppedAt, 1);
          payload = Buffer.from(JSON.stringify(parsed));
        }
      }
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: incoming.url,
          method: incoming.method,
          headers: { ...incoming.headers, 'content-length': String(payload.length) },
        },
        (answer) => {
          void body(answer).then((answerBody) => {
            let reply = answerBody;
            if (droppedAt >= 0 && answer.statusCode === 200) {
              const result = JSON.parse(answerBody.toString('utf8')) as { Records: Record<string, unknown>[] };
              const shardId = 'shardId-000000000000';
              const sequenceNumber = '49' + '7'.repeat(54);
              result.Records.splice(droppedAt, 0, { ShardId: shardId, SequenceNumber: sequenceNumber });
              forgotten.push({ tripId, shardId, sequenceNumber });
              reply = Buffer.from(JSON.stringify(result));
            }
            outgoing.writeHead(answer.statusCode ?? 500, { ...answer.headers, 'content-length': String(reply.length) });
            outgoing.end(reply);
          });
        },
      );
      forwarded.on('error', (error) => {
        outgoing.writeHead(502);
        outgoing.end(String(error));
      });
      forwarded.end(payload);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    forgotten,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
