import type { EnvironmentName } from '../../lib/config';
import { assetHashSerializer, scrubAssetHashes } from './asset-hash-serializer';
import { synthesizeEnvironment, type SynthesizedApp } from './synth';

expect.addSnapshotSerializer(assetHashSerializer);

describe.each<EnvironmentName>(['dev', 'prod'])('%s templates', (environment) => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthesizeEnvironment(environment);
  });

  it.each(['data', 'pipeline', 'analytics', 'monitoring'] as const)('%s stack matches its snapshot', (stack) => {
    // Prepare
    const template = synthesized.templates[stack].toJSON();

    // Act
    const serialized = JSON.stringify(scrubAssetHashes(template));

    // Assess
    expect(serialized).not.toMatch(/[0-9a-f]{64}/);
    expect(template).toMatchSnapshot();
  });
});
