/**
 * Snapshot serializer for CloudFormation templates: replaces what changes whenever a handler or the
 * Spark code changes (asset hashes, the S3 keys of asset zips) with stable placeholders, so a snapshot
 * diff shows infrastructure changes only.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;

function scrubAssetHashes(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(ASSET_HASH, 'ASSET_HASH');
  if (Array.isArray(value)) return value.map(scrubAssetHashes);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key.replace(ASSET_HASH, 'ASSET_HASH'), scrubAssetHashes(inner)]),
    );
  }
  return value;
}

const scrubbed = Symbol('asset-hashes-scrubbed');

function isUnscrubbedTemplate(value: unknown): value is object {
  return value !== null && typeof value === 'object' && 'Resources' in value && !(scrubbed in value);
}

export const assetHashSerializer: jest.SnapshotSerializerPlugin = {
  test: isUnscrubbedTemplate,
  serialize: (value: object, config, indentation, depth, refs, printer) => {
    const clean = scrubAssetHashes(value) as object;
    Object.defineProperty(clean, scrubbed, { value: true, enumerable: false });
    return printer(clean, config, indentation, depth, refs);
  },
};
