import { Match } from 'aws-cdk-lib/assertions';
import { DATA_PREFIXES, type EnvironmentName, environments, RAW_ARCHIVE_STREAMS } from '../../lib/config';
import { resourcesOf, synthesizeEnvironmentsBeforeAll, synthesizeSettings } from './synth';

const synthesized = synthesizeEnvironmentsBeforeAll();

type Resource = { Properties: Record<string, unknown> & { [key: string]: unknown } };

function logicalIdOf(resources: Record<string, unknown>, prefix: string): string {
  const id = Object.keys(resources).find((candidate) => candidate.startsWith(prefix));
  if (id === undefined) throw new Error(`no resource ${prefix}* in ${Object.keys(resources).join(', ')}`);
  return id;
}

describe.each<EnvironmentName>(['dev', 'prod'])('raw archive (%s)', (environment) => {
  const settings = environments[environment];
  const template = () => synthesized[environment].templates.data;

  it('has one Firehose delivery stream per Kinesis stream, each reading its stream into its raw/ folder by arrival date', () => {
    // Prepare
    const streams = resourcesOf(template(), 'AWS::Kinesis::Stream');
    const expected = [
      [logicalIdOf(streams, 'TripStartStream'), RAW_ARCHIVE_STREAMS.start],
      [logicalIdOf(streams, 'TripEndStream'), RAW_ARCHIVE_STREAMS.end],
    ];

    // Act
    const deliveryStreams = Object.values(resourcesOf(template(), 'AWS::KinesisFirehose::DeliveryStream')) as Resource[];

    // Assess
    expect(deliveryStreams).toHaveLength(Object.keys(streams).length);
    const wiring = deliveryStreams.map((resource) => {
      const source = resource.Properties.KinesisStreamSourceConfiguration as { KinesisStreamARN: { 'Fn::GetAtt': [string, string] } };
      const destination = resource.Properties.ExtendedS3DestinationConfiguration as { Prefix: string };
      return [source.KinesisStreamARN['Fn::GetAtt'][0], destination.Prefix];
    });
    expect(wiring.sort()).toEqual(
      expected.map(([stream, folder]) => [stream, `${DATA_PREFIXES.raw}${folder}/!{timestamp:yyyy-MM-dd}/`]).sort(),
    );
    for (const resource of deliveryStreams) expect(resource.Properties.DeliveryStreamType).toBe('KinesisStreamAsSource');
  });

  it('writes GZIP objects of newline-delimited records, encrypted with the data key, errors under their own prefix', () => {
    // Prepare
    const dataKey = logicalIdOf(resourcesOf(template(), 'AWS::KMS::Key'), 'DataKey');
    const bucket = logicalIdOf(resourcesOf(template(), 'AWS::S3::Bucket'), 'DataBucket');

    // Act
    const deliveryStreams = Object.values(resourcesOf(template(), 'AWS::KinesisFirehose::DeliveryStream')) as Resource[];

    // Assess
    for (const resource of deliveryStreams) {
      expect(resource.Properties.ExtendedS3DestinationConfiguration).toMatchObject({
        BucketARN: { 'Fn::GetAtt': [bucket, 'Arn'] },
        CompressionFormat: 'GZIP',
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [dataKey, 'Arn'] } } },
        ErrorOutputPrefix: expect.stringMatching(
          /^raw\/errors\/trip-(start|end)\/!\{firehose:error-output-type\}\/!\{timestamp:yyyy-MM-dd\}\/$/,
        ),
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        CloudWatchLoggingOptions: { Enabled: true },
      });
    }
  });

  it('lets each delivery role read only its stream and put objects only under its own prefixes', () => {
    // Prepare
    const policies = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy')).filter(([id]) => id.includes('RawArchive'));

    // Act
    const statements = policies.map(([id, policy]) => ({
      id,
      statements: (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
    }));

    // Assess
    expect(statements).toHaveLength(2);
    for (const { id, statements: list } of statements) {
      const folder = id.startsWith('TripStart') ? RAW_ARCHIVE_STREAMS.start : RAW_ARCHIVE_STREAMS.end;
      const objectResources = list
        .filter((statement) => [statement.Action].flat().includes('s3:PutObject'))
        .flatMap((statement) => [statement.Resource].flat())
        .map((resource) => JSON.stringify(resource))
        .sort();
      expect(objectResources).toEqual([
        expect.stringContaining(`/${DATA_PREFIXES.raw}errors/${folder}/*`),
        expect.stringContaining(`/${DATA_PREFIXES.raw}${folder}/*`),
      ]);
      const actions = list.flatMap((statement) => [statement.Action].flat());
      expect(actions).not.toContain('s3:DeleteObject*');
      expect(actions.filter((action) => action.startsWith('kinesis:')).length).toBeGreaterThan(0);
      const kinesisStatement = list.find((statement) => [statement.Action].flat().some((action) => action.startsWith('kinesis:')));
      expect(JSON.stringify(kinesisStatement?.Resource)).toContain(id.startsWith('TripStart') ? 'TripStartStream' : 'TripEndStream');
    }
  });

  it('ages the archive out with the per-environment lifecycle', () => {
    // Prepare
    const { glacierTransitionDays, expirationDays } = settings.storage.rawArchive;
    const transitions =
      glacierTransitionDays === undefined ? Match.absent() : [{ StorageClass: 'GLACIER_IR', TransitionInDays: glacierTransitionDays }];

    // Act
    const bucket = template();

    // Assess
    for (const folder of Object.values(RAW_ARCHIVE_STREAMS)) {
      bucket.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Id: `raw-archive-${folder}`,
              Prefix: `${DATA_PREFIXES.raw}${folder}/`,
              ExpirationInDays: expirationDays,
              Transitions: transitions,
              Status: 'Enabled',
            }),
          ]),
        },
      });
    }
  });
});

describe('raw archive settings', () => {
  it('refuses a Glacier transition that comes after the expiry', () => {
    // Prepare
    const settings = {
      ...environments.dev,
      storage: { ...environments.dev.storage, rawArchive: { glacierTransitionDays: 30, expirationDays: 30 } },
    };

    // Act
    const synth = () => synthesizeSettings(settings);

    // Assess
    expect(synth).toThrow('the raw archive must move to Glacier (day 30) before it expires (day 30)');
  });
});
