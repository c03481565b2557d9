/**
 * The handlers as `cdk synth` ships them: found in a synthesized cloud assembly (a `cdk.out` directory) the way
 * CloudFormation and Lambda find them, so the local runtime can run the very files a deploy uploads. Each stack
 * template names its functions (FunctionName, Handler, Code.S3Key); the stack's asset manifest says which
 * directory of the assembly becomes that S3 object. Nothing here knows how the bundles were built.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errorText } from '../../domain/error-text';
import type { LambdaHandler } from '../event-source-mapping/invoker';

/** `tripstream local` runs the handlers from this cloud assembly when the variable names one (docs/local-runtime.md). */
export const HANDLER_BUNDLES_VARIABLE = 'TRIPSTREAM_HANDLER_BUNDLES';

export interface HandlerBundle {
  readonly functionName: string;
  /** The bundle's entry file, inside the assembly. */
  readonly file: string;
  /** The export Lambda calls (`index.handler` → `handler`). */
  readonly exportName: string;
}

interface AssemblyManifest {
  readonly artifacts?: Record<
    string,
    { readonly type?: string; readonly properties?: { readonly templateFile?: string; readonly file?: string } }
  >;
}

interface AssetManifest {
  readonly files?: Record<
    string,
    { readonly source?: { readonly path?: string }; readonly destinations?: Record<string, { readonly objectKey?: string }> }
  >;
}

interface Template {
  readonly Resources?: Record<string, { readonly Type?: string; readonly Properties?: Record<string, unknown> }>;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read the cloud assembly's ${file}: ${errorText(error)} (run cdk synth first)`, { cause: error });
  }
}

/** Every Node.js function of the assembly with a literal name, by function name. */
export async function handlerBundlesOf(assembly: string): Promise<Map<string, HandlerBundle>> {
  // Absolute, so the bundle files are required as files (a relative `cdk.out/...` would name a package).
  const assemblyDir = path.resolve(assembly);
  const manifest = await readJson<AssemblyManifest>(path.join(assemblyDir, 'manifest.json'));
  const artifacts = Object.values(manifest.artifacts ?? {});
  // The S3 object key an asset is uploaded as, to the directory it is uploaded from.
  const assetDirectories = new Map<string, string>();
  for (const artifact of artifacts) {
    if (artifact.type !== 'cdk:asset-manifest' || artifact.properties?.file === undefined) continue;
    const assets = await readJson<AssetManifest>(path.join(assemblyDir, artifact.properties.file));
    for (const asset of Object.values(assets.files ?? {})) {
      if (asset.source?.path === undefined) continue;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.objectKey !== undefined) assetDirectories.set(destination.objectKey, path.join(assemblyDir, asset.source.path));
      }
    }
  }
  const bundles = new Map<string, HandlerBundle>();
  for (const artifact of artifacts) {
    if (artifact.type !== 'aws:cloudformation:stack' || artifact.properties?.templateFile === undefined) continue;
    const template = await readJson<Template>(path.join(assemblyDir, artifact.properties.templateFile));
    for (const resource of Object.values(template.Resources ?? {})) {
      const properties = resource.Properties ?? {};
      const { FunctionName: functionName, Handler: handler, Runtime: runtime, Code: code } = properties;
      if (resource.Type !== 'AWS::Lambda::Function' || typeof runtime !== 'string' || !runtime.startsWith('nodejs')) continue;
      if (typeof functionName !== 'string' || typeof handler !== 'string') continue;
      const s3Key = (code as { S3Key?: unknown } | undefined)?.S3Key;
      const directory = typeof s3Key === 'string' ? assetDirectories.get(s3Key) : undefined;
      if (directory === undefined)
        throw new Error(`the cloud assembly ${assemblyDir} has no asset for ${functionName}'s code (${String(s3Key)})`);
      const separator = handler.lastIndexOf('.');
      bundles.set(functionName, {
        functionName,
        file: path.join(directory, `${handler.slice(0, separator)}.js`),
        exportName: handler.slice(separator + 1),
      });
    }
  }
  return bundles;
}

/** Loads a bundle as Lambda does: requires its file (CommonJS) and takes the handler export. */
export function loadBundledHandler(bundle: HandlerBundle): LambdaHandler {
  const loaded: unknown = createRequire(__filename)(bundle.file);
  const exported = typeof loaded === 'object' && loaded !== null ? (loaded as Record<string, unknown>)[bundle.exportName] : undefined;
  if (typeof exported !== 'function')
    throw new Error(`${bundle.file} exports no function ${bundle.exportName} (the handler of ${bundle.functionName})`);
  return exported as LambdaHandler;
}
