import { Readable } from 'node:stream';
import { CsvHeaderError, readEndCsv, readStartCsv } from '../../../domain/csv-reader';
import { tripEndEventSchema, tripStartEventSchema } from '../../../domain/events';
import { collect, csvStream, endCsv, endRowFields, endRowWithBlankCodes, startCsv, startRowFields } from '../../support/csv';

describe('readStartCsv', () => {
  it('reads rows in the exact real layout into valid start events', async () => {
    // Prepare
    const text = [
      'trip_id,pickup_location_id,dropoff_location_id,vendor_id,pickup_datetime,estimated_dropoff_datetime,estimated_fare_amount',
      'c66ce556bc,93,93,1,25-05-2024 13:19,25-05-2024 14:03,34.18595284',
      'f93c901b2d,247,247,1,25-05-2024 18:32,25-05-2024 19:15,69.12471722',
      '',
    ].join('\n');

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => [row.lineNumber, row.raw])).toEqual([
      [2, 'c66ce556bc,93,93,1,25-05-2024 13:19,25-05-2024 14:03,34.18595284'],
      [3, 'f93c901b2d,247,247,1,25-05-2024 18:32,25-05-2024 19:15,69.12471722'],
    ]);
    for (const row of rows) {
      expect(row.outcome.ok).toBe(true);
      if (row.outcome.ok) expect(tripStartEventSchema.parse(row.outcome.event)).toEqual(row.outcome.event);
    }
    expect(rows[1]?.outcome).toMatchObject({ event: { trip_id: 'f93c901b2d', pickup_datetime: '2024-05-25T18:32:00.000Z' } });
  });

  it('accepts a BOM, CRLF line endings, any column order and unknown extra columns', async () => {
    // Prepare
    const columns = ['estimated_fare_amount', 'note', 'pickup_datetime', 'trip_id', 'vendor_id'];
    const text = startCsv([{ ...startRowFields({ trip_id: 'abc' }), note: 'ignored' }], {
      columns,
      bom: true,
      lineEnding: '\r\n',
    });

    // Act
    const rows = await collect(readStartCsv(csvStream(text, 3)));

    // Assess
    expect(rows).toEqual([
      {
        lineNumber: 2,
        raw: '34.18595284,ignored,25-05-2024 13:19,abc,1',
        outcome: {
          ok: true,
          event: {
            schema_version: 1,
            event_type: 'trip_start',
            trip_id: 'abc',
            pickup_datetime: '2024-05-25T13:19:00.000Z',
            estimated_dropoff_datetime: null,
            pickup_location_id: null,
            dropoff_location_id: null,
            vendor_id: 1,
            estimated_fare_amount: 34.18595284,
          },
        },
      },
    ]);
  });

  it('matches header names regardless of case and surrounding spaces', async () => {
    // Prepare
    const text = ' Trip_ID ,PICKUP_DATETIME, estimated_fare_amount\nabc,25-05-2024 13:19,10\n';

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => row.outcome.ok)).toEqual([true]);
  });

  it('rejects the whole file when the header lacks required columns, naming them, before any row', async () => {
    // Prepare
    const text = startCsv([startRowFields()], { columns: ['trip_id', 'vendor_id', 'pickup_location_id'] });
    const seen: unknown[] = [];

    // Act
    const reading = (async () => {
      for await (const row of readStartCsv(csvStream(text))) seen.push(row);
    })();

    // Assess
    await expect(reading).rejects.toThrow(CsvHeaderError);
    await expect(reading).rejects.toThrow(/lacks required columns pickup_datetime, estimated_fare_amount/);
    expect(seen).toEqual([]);
  });

  it('rejects a header that names a required column twice', async () => {
    // Prepare
    const text = 'trip_id,pickup_datetime,estimated_fare_amount,trip_id\na,25-05-2024 13:19,1,b\n';

    // Act
    const reading = collect(readStartCsv(csvStream(text)));

    // Assess
    await expect(reading).rejects.toThrow(new CsvHeaderError('the start file header names column trip_id twice'));
  });

  it('rejects a header whose quote is never closed instead of quarantining it as a row', async () => {
    // Prepare
    const text = 'trip_id,"pickup_datetime,estimated_fare_amount\na,25-05-2024 13:19,1\n';

    // Act
    const reading = collect(readStartCsv(csvStream(text)));

    // Assess
    await expect(reading).rejects.toThrow(CsvHeaderError);
    await expect(reading).rejects.toThrow(/^line 1: the header row is not readable CSV/);
  });

  it('ignores a repeated column that this kind of file does not use', async () => {
    // Prepare
    const text = 'trip_id,fare_amount,pickup_datetime,fare_amount,estimated_fare_amount\na,1,25-05-2024 13:19,2,3\n';

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => row.outcome)).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('rejects an empty file', async () => {
    // Prepare
    const text = '\n\n';

    // Act
    const reading = collect(readStartCsv(csvStream(text)));

    // Assess
    await expect(reading).rejects.toThrow(CsvHeaderError);
  });

  it('yields nothing for a file holding only the header', async () => {
    // Prepare
    const text = startCsv([]);

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows).toEqual([]);
  });

  it('quarantines rows with the wrong column count and keeps reading, with physical line numbers', async () => {
    // Prepare
    const text = startCsv([
      startRowFields({ trip_id: 'first' }),
      'short,93,93,1,25-05-2024 13:19,34.18595284',
      '',
      'long,93,93,1,25-05-2024 13:19,25-05-2024 14:03,34.18595284,extra',
      '   ',
      startRowFields({ trip_id: 'last' }),
    ]);

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(
      rows.map((row) => ({ line: row.lineNumber, ok: row.outcome.ok, reason: row.outcome.ok ? undefined : row.outcome.reason })),
    ).toEqual([
      { line: 2, ok: true, reason: undefined },
      { line: 3, ok: false, reason: 'row has 6 fields but the header has 7' },
      { line: 5, ok: false, reason: 'row has 8 fields but the header has 7' },
      { line: 7, ok: true, reason: undefined },
    ]);
    expect(rows[1]?.raw).toBe('short,93,93,1,25-05-2024 13:19,34.18595284');
  });

  it('quarantines a row with bad values with the column and the problem, and keeps reading', async () => {
    // Prepare
    const text = startCsv([
      startRowFields({ trip_id: 'a', pickup_datetime: '31-02-2024 13:19' }),
      startRowFields({ trip_id: '', estimated_fare_amount: '-4' }),
      startRowFields({ trip_id: 'c' }),
    ]);

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => row.outcome)).toEqual([
      { ok: false, reason: 'pickup_datetime: "31-02-2024 13:19" is not a real date (February 2024 has 29 days)' },
      { ok: false, reason: 'trip_id: required but blank; estimated_fare_amount: "-4" is negative (fares must be 0 or more)' },
      expect.objectContaining({ ok: true }),
    ]);
    expect(rows[1]?.raw).toBe(',93,93,1,25-05-2024 13:19,25-05-2024 14:03,-4');
  });

  it('reads quoted fields, including one spanning lines, and numbers the lines where rows start', async () => {
    // Prepare
    const text = [
      'trip_id,pickup_datetime,estimated_fare_amount,note',
      '"q1","25-05-2024 13:19","12.5","plain"',
      'q2,25-05-2024 13:20,7,"two',
      'lines"',
      'q3,25-05-2024 13:21,8,',
    ].join('\r\n');

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => [row.lineNumber, row.raw, row.outcome.ok])).toEqual([
      [2, '"q1","25-05-2024 13:19","12.5","plain"', true],
      [3, 'q2,25-05-2024 13:20,7,"two\r\nlines"', true],
      [5, 'q3,25-05-2024 13:21,8,', true],
    ]);
  });

  it.each(['\n', '\r\n'])(
    'numbers physical lines past blank lines and quoted line breaks, however the bytes arrive (%j)',
    async (lineEnding) => {
      // Prepare
      const text = [
        '',
        'trip_id,pickup_datetime,estimated_fare_amount,note',
        '',
        'a,25-05-2024 13:19,1,"x\r\ny"',
        '',
        '',
        'b,25-05-2024 13:19,1,',
        '  ',
        'c,25-05-2024 13:19,1,"p\nq\r\nr"',
        '',
        'd,25-05-2024 13:19,1,z',
      ].join(lineEnding);
      const chunkSizes = [1, 2, 3, 5, 8, 13, 1024];

      // Act
      const placements = await Promise.all(
        chunkSizes.map(async (size) => (await collect(readStartCsv(csvStream(text, size)))).map((row) => [row.lineNumber, row.raw])),
      );

      // Assess
      for (const placement of placements) {
        expect(placement).toEqual([
          [4, 'a,25-05-2024 13:19,1,"x\r\ny"'],
          [8, 'b,25-05-2024 13:19,1,'],
          [10, 'c,25-05-2024 13:19,1,"p\nq\r\nr"'],
          [14, 'd,25-05-2024 13:19,1,z'],
        ]);
      }
    },
  );

  it('quarantines stray quotes through the rule of the field they land in', async () => {
    // Prepare
    const text = startCsv([
      startRowFields({ trip_id: 'a', estimated_fare_amount: '"12"x' }),
      startRowFields({ trip_id: 'b', vendor_id: '1"' }),
      startRowFields({ trip_id: 'c' }),
    ]);

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => [row.lineNumber, row.outcome])).toEqual([
      [2, { ok: false, reason: 'estimated_fare_amount: "\\"12\\"x" is not a number' }],
      [3, { ok: false, reason: 'vendor_id: "1\\"" is not a number' }],
      [4, expect.objectContaining({ ok: true })],
    ]);
  });

  it('quarantines a quote never closed as one row holding the rest of the file, naming the line it opened on', async () => {
    // Prepare
    const text = startCsv([startRowFields({ trip_id: 'a' }), 'b,93,93,1,"25-05-2024 13:19,x,1', startRowFields({ trip_id: 'c' })]);

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows).toEqual([
      expect.objectContaining({ lineNumber: 2, outcome: expect.objectContaining({ ok: true }) }),
      {
        lineNumber: 3,
        raw: 'b,93,93,1,"25-05-2024 13:19,x,1\nc,93,93,1,25-05-2024 13:19,25-05-2024 14:03,34.18595284',
        outcome: {
          ok: false,
          reason: 'a quote opened on line 3 is never closed, so the rest of the file (lines 3-5) cannot be read as CSV',
        },
      },
    ]);
  });

  it('names the line of the quote that never closes, not of an earlier quoted line break in the same row', async () => {
    // Prepare
    const text = startCsv([startRowFields({ trip_id: 'a' }), 'b,93,"two\nlines",1,"25-05-2024 13:19,x,1']);

    // Act
    const rows = await collect(readStartCsv(csvStream(text)));

    // Assess
    expect(rows[1]).toEqual(
      expect.objectContaining({
        lineNumber: 3,
        outcome: {
          ok: false,
          reason: 'a quote opened on line 4 is never closed, so the rest of the file (lines 4-5) cannot be read as CSV',
        },
      }),
    );
  });

  it('quarantines an unclosed quote outgrowing MAX_ROW_BYTES as one row, keeping its head, after the rows before it', async () => {
    // Prepare
    const rowsAfter = Array.from({ length: 20_000 }, (_, index) => startRowFields({ trip_id: `after-${index}` }));
    const text = startCsv([startRowFields({ trip_id: 'before' }), 'b,93,93,1,"25-05-2024 13:19,x,1', ...rowsAfter]);

    // Act
    const rows = await collect(readStartCsv(csvStream(text, 65_536)));

    // Assess
    expect(rows.map((row) => [row.lineNumber, row.outcome.ok])).toEqual([
      [2, true],
      [3, false],
    ]);
    expect(rows[1]?.outcome).toEqual({
      ok: false,
      reason:
        'a quote opened on line 3 is never closed, so the rest of the file (lines 3-20004) cannot be read as CSV; only its first 1024 bytes are kept',
    });
    expect(rows[1]?.raw).toBe(`${text.split('\n').slice(2).join('\n').slice(0, 1024)}…`);
  });

  it.each([1, 7, 65_536])('quarantines a row over MAX_ROW_BYTES and reads on at the next row (chunks of %i bytes)', async (chunkBytes) => {
    // Prepare
    const huge = `big,93,93,1,25-05-2024 13:19,25-05-2024 14:03,"${'9'.repeat(600_000)}\r\n${'8'.repeat(600_000)}"`;
    const text = startCsv([startRowFields({ trip_id: 'a' }), huge, startRowFields({ trip_id: 'b' })], { lineEnding: '\r\n' });

    // Act
    const rows = await collect(readStartCsv(csvStream(text, chunkBytes === 1 ? 4096 : chunkBytes)));

    // Assess
    expect(rows.map((row) => [row.lineNumber, row.outcome.ok ? row.outcome.event.trip_id : row.outcome.reason])).toEqual([
      [2, 'a'],
      [3, `row is ${Buffer.byteLength(huge)} bytes, over the 1048576-byte limit (lines 3-4); only its first 1024 bytes are kept`],
      [5, 'b'],
    ]);
    expect(rows[1]?.raw).toBe(`${huge.slice(0, 1024)}…`);
  });

  it('accepts a row of exactly MAX_ROW_BYTES', async () => {
    // Prepare
    const prefix = 'a,93,93,1,25-05-2024 13:19,25-05-2024 14:03,1,';
    const exact = `${prefix}${'x'.repeat(1_048_576 - prefix.length)}`;
    const text = `trip_id,pickup_location_id,dropoff_location_id,vendor_id,pickup_datetime,estimated_dropoff_datetime,estimated_fare_amount,note\n${exact}\n`;

    // Act
    const rows = await collect(readStartCsv(csvStream(text, 65_536)));

    // Assess
    expect(rows.map((row) => row.outcome.ok)).toEqual([true]);
  });

  it('rejects a row with bytes that are not UTF-8, never merging two such ids into one, and keeps its exact bytes', async () => {
    // Prepare
    const header = Buffer.from('trip_id,pickup_datetime,estimated_fare_amount\n');
    const rowE9 = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(',25-05-2024 13:19,1\n')]);
    const rowE8 = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe8]), Buffer.from(',25-05-2024 13:19,1\n')]);
    const valid = Buffer.from('café,25-05-2024 13:19,1\n');
    const input = Readable.from([Buffer.concat([header, rowE9, rowE8, valid])]);

    // Act
    const rows = await collect(readStartCsv(input));

    // Assess
    expect(rows.map((row) => [row.lineNumber, row.outcome])).toEqual([
      [2, { ok: false, reason: 'trip_id: "caf\\xE9" is not valid UTF-8' }],
      [3, { ok: false, reason: 'trip_id: "caf\\xE8" is not valid UTF-8' }],
      [4, { ok: true, event: expect.objectContaining({ trip_id: 'café' }) }],
    ]);
    expect(rows[0]?.rawBase64).toBe(rowE9.subarray(0, rowE9.length - 1).toString('base64'));
    expect(rows[1]?.rawBase64).toBe(rowE8.subarray(0, rowE8.length - 1).toString('base64'));
    expect(rows[2]?.rawBase64).toBeUndefined();
  });

  it.each([
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a sequence cut short', [0xe2, 0x82]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('rejects %s in an ignored column too', async (_case, bytes) => {
    // Prepare
    const input = Readable.from([
      Buffer.concat([
        Buffer.from('trip_id,pickup_datetime,estimated_fare_amount,note\na,25-05-2024 13:19,1,'),
        Buffer.from(bytes),
        Buffer.from('\n'),
      ]),
    ]);

    // Act
    const rows = await collect(readStartCsv(input));

    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]?.outcome).toEqual({ ok: false, reason: expect.stringMatching(/^note: ".*" is not valid UTF-8$/) });
  });

  it('reads multi-byte UTF-8 that straddles chunk boundaries', async () => {
    // Prepare
    const text = startCsv([startRowFields({ trip_id: 'ünïcødé-行程-🚕' })]);

    // Act
    const rows = await collect(readStartCsv(csvStream(text, 1)));

    // Assess
    expect(rows.map((row) => row.outcome)).toEqual([{ ok: true, event: expect.objectContaining({ trip_id: 'ünïcødé-行程-🚕' }) }]);
    expect(rows[0]?.raw).toContain('ünïcødé-行程-🚕');
  });

  it('passes an input stream error on to the reader', async () => {
    // Prepare
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });

    // Act
    const reading = collect(readStartCsv(failing));

    // Assess
    await expect(reading).rejects.toThrow('disk gone');
  });
});

describe('readEndCsv', () => {
  it('reads end rows in the real layout, trip_id last, blank codes as null', async () => {
    // Prepare
    const text = [
      'dropoff_datetime,rate_code,passenger_count,trip_distance,fare_amount,tip_amount,payment_type,trip_type,trip_id',
      '2024-05-25 14:05:00,5.0,0.0,0.1,40.09620692463166,0.0,3.0,2.0,c66ce556bc',
      '2024-05-25 08:21:00,,,9.33,71.81478558706611,0.0,,,30a08be009',
      '',
    ].join('\n');

    // Act
    const rows = await collect(readEndCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => row.outcome)).toEqual([
      {
        ok: true,
        event: {
          schema_version: 1,
          event_type: 'trip_end',
          trip_id: 'c66ce556bc',
          dropoff_datetime: '2024-05-25T14:05:00.000Z',
          rate_code: 5,
          passenger_count: 0,
          trip_distance: 0.1,
          fare_amount: 40.09620692463166,
          tip_amount: 0,
          payment_type: 3,
          trip_type: 2,
        },
      },
      {
        ok: true,
        event: {
          schema_version: 1,
          event_type: 'trip_end',
          trip_id: '30a08be009',
          dropoff_datetime: '2024-05-25T08:21:00.000Z',
          rate_code: null,
          passenger_count: null,
          trip_distance: 9.33,
          fare_amount: 71.81478558706611,
          tip_amount: 0,
          payment_type: null,
          trip_type: null,
        },
      },
    ]);
    for (const row of rows) if (row.outcome.ok) expect(tripEndEventSchema.safeParse(row.outcome.event).success).toBe(true);
  });

  it('names the missing end columns', async () => {
    // Prepare
    const text = endCsv([endRowFields()], { columns: ['dropoff_datetime', 'rate_code', 'tip_amount'] });

    // Act
    const reading = collect(readEndCsv(csvStream(text)));

    // Assess
    await expect(reading).rejects.toThrow(
      new CsvHeaderError('the end file header lacks required columns trip_id, fare_amount (found: dropoff_datetime,rate_code,tip_amount)'),
    );
  });

  it('rejects a start file given as the end file', async () => {
    // Prepare
    const text = startCsv([startRowFields()]);

    // Act
    const reading = collect(readEndCsv(csvStream(text)));

    // Assess
    await expect(reading).rejects.toThrow(/lacks required columns dropoff_datetime, fare_amount/);
  });

  it('quarantines bad end rows with their reasons and keeps the good ones, in file order', async () => {
    // Prepare
    const text = endCsv(
      [
        endRowWithBlankCodes({ trip_id: 'ok-1' }),
        endRowFields({ trip_id: 'bad-code', payment_type: 'card' }),
        endRowFields({ trip_id: 'half-code', rate_code: '5.5' }),
        '2024-05-25 14:05:00,5.0,0.0,0.1,40.1,0.0,3.0,2.0',
        endRowFields({ trip_id: 'ok-2', dropoff_datetime: '2024-05-26T00:10:00.250Z' }),
      ],
      { lineEnding: '\r\n', bom: true, finalLineEnding: false },
    );

    // Act
    const rows = await collect(readEndCsv(csvStream(text)));

    // Assess
    expect(rows.map((row) => [row.lineNumber, row.outcome.ok ? row.outcome.event.trip_id : row.outcome.reason])).toEqual([
      [2, 'ok-1'],
      [3, 'payment_type: "card" is not a number'],
      [4, 'rate_code: "5.5" is not a whole number'],
      [5, 'row has 8 fields but the header has 9'],
      [6, 'ok-2'],
    ]);
    expect(rows[3]?.raw).toBe('2024-05-25 14:05:00,5.0,0.0,0.1,40.1,0.0,3.0,2.0');
  });
});
