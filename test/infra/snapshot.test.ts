import type { EnvironmentName } from '../../lib/config';
import { assetHashSerializer } from './asset-hash-serializer';
import { type SynthesizedApp, synthesizeEnvironment } from './synth';

expect.addSnapshotSerializer(assetHashSerializer);

describe.each<EnvironmentName>(['dev', 'prod'])('%s templates', (environment) => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthesizeEnvironment(environment);
  });

  it.each(['data', 'pipeline', 'analytics', 'monitoring'] as const)('%s stack matches its snapshot', (stack) => {
    // Prepare
    const { templates } = synthesized;

    // Act
    const template = templates[stack].toJSON();

    // Assess
    expect(template).toMatchSnapshot();
  });
});
