import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SPARK_JOB_FILES } from '../../lib/config';
import { resourcesOf, synthesizeEnvironment, type SynthesizedApp } from './synth';

// The one suite that really bundles: esbuild on this machine, no Docker, as `cdk synth` does.
let outdir: string;
let synthesized: SynthesizedApp;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripstream-cdk-'));
  synthesized = synthesizeEnvironment('dev', { bundle: true, outdir });
  synthesized.app.synth();
});

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

function assetDirectory(s3Key: unknown): string {
  const hash = String(s3Key).replace(/\.zip$/, '');
  return path.join(outdir, `asset.${hash}`);
}

describe('asset bundling', () => {
  it('bundles every handler into one self-contained file, AWS SDK included', () => {
    // Prepare
    const functions = [
      ...Object.values(resourcesOf(synthesized.templates.pipeline, 'AWS::Lambda::Function')),
      ...Object.values(resourcesOf(synthesized.templates.analytics, 'AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.Runtime === 'nodejs24.x',
      ),
    ];

    // Act
    const bundles = functions.map((fn) => {
      const directory = assetDirectory((fn.Properties.Code as { S3Key: unknown }).S3Key);
      return { files: fs.readdirSync(directory).sort(), code: fs.readFileSync(path.join(directory, 'index.js'), 'utf8') };
    });

    // Assess
    expect(bundles).toHaveLength(6);
    for (const bundle of bundles) {
      expect(bundle.files).toEqual(['index.js', 'index.js.map']);
      // An external SDK would appear as a bare require; the SDK's own error text quotes one in brackets.
      expect(bundle.code).not.toMatch(/(?<!\[)require\(["']@aws-sdk\//);
    }
  });

  it('ships only the Spark entry point, its generated schema module and the two KPI SQL files, not the tests', () => {
    // Prepare
    const deployment = Object.values(resourcesOf(synthesized.templates.analytics, 'Custom::CDKBucketDeployment'))[0];
    const [sourceKey] = (deployment?.Properties.SourceObjectKeys ?? []) as unknown[];

    // Act
    const files = fs.readdirSync(assetDirectory(sourceKey)).sort();

    // Assess
    expect(files).toEqual([SPARK_JOB_FILES.sql, SPARK_JOB_FILES.dimensionSql, SPARK_JOB_FILES.entryPoint, SPARK_JOB_FILES.schemaModule].sort());
  });
});
