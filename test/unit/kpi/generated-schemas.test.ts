import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KPI_INPUT_FIELDS } from '../../../domain/trip-record';
import { duckDbCompletedTripsView, generatedSchemaFiles, sparkStagedTripSchema } from '../../../kpi/completed-trips-view';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

describe('files generated from the trip record', () => {
  it.each(generatedSchemaFiles().map((file) => [file.path, file.content] as const))(
    '%s is what `npm run generate:schemas` writes (regenerate it after changing the trip record)',
    (relativePath, expected) => {
      // Prepare
      const file = path.join(repositoryRoot, relativePath);

      // Act
      const committed = readFileSync(file, 'utf8');

      // Assess
      expect(committed).toBe(expected);
    },
  );

  it('gives Spark and DuckDB the same staged fields to read', () => {
    // Prepare
    const sparkFields = sparkStagedTripSchema()
      .split(', ')
      .map((column) => column.split(' ')[0]);

    // Act
    const duckDbFields = [...duckDbCompletedTripsView("['x.jsonl']").matchAll(/(\w+): '(?:VARCHAR|DOUBLE)'/g)].map((match) => match[1]);

    // Assess
    expect(sparkFields).toEqual(KPI_INPUT_FIELDS);
    expect(duckDbFields).toEqual(KPI_INPUT_FIELDS);
  });
});
