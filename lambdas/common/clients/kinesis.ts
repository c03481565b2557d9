/**
 * One of the handlers' SDK clients, built the project's one way (aws/clients.ts): emulator endpoints when
 * configured, every request counted, the request hooks registered for handler clients applied (none on
 * AWS). One module per client, so a handler bundles only the clients it imports; handlers create them once,
 * at module scope.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { clientOptions, withRequestCounting } from '../../../aws/clients';

export function createKinesisClient(): KinesisClient {
  return withRequestCounting(new KinesisClient({ ...clientOptions('kinesis') }));
}
