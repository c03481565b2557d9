import { Readable } from 'node:stream';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { HttpResponse } from '@smithy/core/transport';
import {
  awsRequestCounts,
  clientOptions,
  endpointOverride,
  type RequestAttempt,
  registerRequestAttemptHook,
  resetAwsRequestCounts,
  withRequestCounting,
} from '../../../aws/clients';

/** An HTTP handler that answers every request with `statusCodes` in turn, so no network is involved. */
function cannedHandler(statusCodes: number[]) {
  let call = 0;
  return {
    handle: async () => {
      const statusCode = statusCodes[Math.min(call, statusCodes.length - 1)] ?? 200;
      call += 1;
      const body = statusCode === 200 ? '{"QueueUrls":[]}' : '{"__type":"ServiceUnavailable","message":"try again"}';
      return {
        response: new HttpResponse({ statusCode, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([body]) }),
      };
    },
  };
}

describe('clientOptions', () => {
  it('adds nothing on AWS, where no endpoint is overridden', () => {
    // Act
    const options = clientOptions('kinesis', {});

    // Assess
    expect(options).toEqual({});
  });

  it('prefers the service-specific endpoint variable over the generic one', () => {
    // Prepare
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324' };

    // Act
    const sqs = endpointOverride('sqs', env);
    const kinesis = endpointOverride('kinesis', env);

    // Assess
    expect(sqs).toBe('http://127.0.0.1:9324');
    expect(kinesis).toBe('http://127.0.0.1:4566');
  });

  it('gives emulators an HTTP/1.1 handler, and S3 path-style addressing without default checksums', () => {
    // Prepare
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };

    // Act
    const kinesis = clientOptions('kinesis', env);
    const s3 = clientOptions('s3', env);

    // Assess
    expect(kinesis.endpoint).toBe('http://127.0.0.1:4566');
    expect(kinesis.requestHandler).toBeDefined();
    expect(s3).toMatchObject({
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
});

describe('withRequestCounting', () => {
  beforeEach(() => resetAwsRequestCounts());

  it('counts every HTTP attempt by service and operation, SDK retries included', async () => {
    // Prepare
    const client = withRequestCounting(
      new SQSClient({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        endpoint: 'http://127.0.0.1:1',
        requestHandler: cannedHandler([503, 200, 200]),
        maxAttempts: 3,
      }),
    );

    // Act
    await client.send(new ListQueuesCommand({}));
    await client.send(new ListQueuesCommand({}));

    // Assess
    expect(awsRequestCounts()).toEqual({ SQS: { ListQueues: 3 } });
  });

  it("drops the SDK's logger middleware, so no masked copy of a request or response is built", async () => {
    // Prepare: a logger that records the commands the SDK's logger middleware hands it
    const logged: unknown[] = [];
    const record = (entry: unknown) => {
      if (typeof entry === 'object' && entry !== null && 'commandName' in entry) logged.push(entry.commandName);
    };
    const ignore = () => undefined;
    const options = {
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      endpoint: 'http://127.0.0.1:1',
      logger: { debug: ignore, info: record, warn: ignore, error: record },
    };
    const plain = new SQSClient({ ...options, requestHandler: cannedHandler([200]) });
    const counted = withRequestCounting(new SQSClient({ ...options, requestHandler: cannedHandler([200]) }));

    // Act
    await plain.send(new ListQueuesCommand({}));
    await counted.send(new ListQueuesCommand({}));

    // Assess: the plain client's request only
    expect(logged).toEqual(['ListQueuesCommand']);
  });
});

describe('registerRequestAttemptHook', () => {
  const sqsClient = () =>
    new SQSClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      endpoint: 'http://127.0.0.1:1',
      requestHandler: cannedHandler([503, 200, 200]),
      maxAttempts: 3,
    });

  it('runs on every attempt of the clients of its role, SDK retries included, and on no other client', async () => {
    // Prepare
    const seen: RequestAttempt[] = [];
    const remove = registerRequestAttemptHook('handler', (attempt) => {
      seen.push(attempt);
    });
    const handlerClient = withRequestCounting(sqsClient(), 'handler');
    const otherClient = withRequestCounting(sqsClient());

    // Act
    try {
      await handlerClient.send(new ListQueuesCommand({}));
      await otherClient.send(new ListQueuesCommand({}));
    } finally {
      remove();
    }
    await handlerClient.send(new ListQueuesCommand({}));

    // Assess
    expect(seen).toEqual([
      { service: 'SQS', operation: 'ListQueues', input: {} },
      { service: 'SQS', operation: 'ListQueues', input: {} },
    ]);
  });
});
