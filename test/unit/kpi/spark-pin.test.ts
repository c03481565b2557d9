import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EMR_RELEASE_SPARK_VERSIONS, environments } from '../../../lib/config';

const requirementsPath = path.resolve(__dirname, '..', '..', '..', 'requirements-dev.txt');

/** `name==version` per requirement line (comments and blanks left out), the name lower-cased without extras. */
function requirementLines(): { line: string; name: string; version: string | undefined }[] {
  return readFileSync(requirementsPath, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([A-Za-z0-9_.-]+)(?:\[[^\]]+\])?==([^\s;#]+)$/.exec(line);
      return { line, name: (match?.[1] ?? line).toLowerCase(), version: match?.[2] };
    });
}

describe('requirements-dev.txt', () => {
  it('pins pyspark to the Spark of the EMR Serverless release each environment deploys', () => {
    // Prepare
    const pyspark = requirementLines().find((requirement) => requirement.name === 'pyspark');

    // Act
    const deployedSpark = Object.entries(environments).map(([name, settings]) => [
      name,
      EMR_RELEASE_SPARK_VERSIONS[settings.kpi.emrReleaseLabel],
    ]);

    // Assess
    expect(pyspark?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(deployedSpark).toEqual(Object.keys(environments).map((name) => [name, pyspark?.version]));
  });

  it('pins every package to one exact version', () => {
    // Act
    const unpinned = requirementLines().filter((requirement) => requirement.version === undefined);

    // Assess
    expect(unpinned.map((requirement) => requirement.line)).toEqual([]);
    expect(requirementLines().map((requirement) => requirement.name)).toEqual(expect.arrayContaining(['pyspark', 'cfn-lint', 'moto']));
  });
});
