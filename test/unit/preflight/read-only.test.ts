import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NotReadOnlyError, READ_ONLY_COMMANDS, readOnly } from '../../../ops/preflight/clients';

describe("preflight's read-only clients", () => {
  it('list only reads', () => {
    // Assess
    for (const command of READ_ONLY_COMMANDS) expect(command).toMatch(/^(Get|Describe|List|Head)[A-Za-z]+Command$/);
  });

  it('refuse a write before it is signed or sent', async () => {
    // Prepare: no endpoint answers on this port, so only the guard can produce the error.
    const ssm = readOnly(
      new SSMClient({
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxAttempts: 1,
      }),
    );

    // Act
    const sent = ssm.send(new PutParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version', Value: '99', Overwrite: true }));

    // Assess
    await expect(sent).rejects.toThrow(new NotReadOnlyError('preflight sends only reads; PutParameterCommand is not one of them'));
  });

  it('let a listed read through to the endpoint', async () => {
    // Prepare
    const sts = readOnly(
      new STSClient({
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxAttempts: 1,
      }),
    );

    // Act
    const sent = sts.send(new GetCallerIdentityCommand({}));

    // Assess: it reached the network (nothing listens on port 9), past the guard.
    await expect(sent).rejects.toThrow(/ECONNREFUSED/);
  });
});
