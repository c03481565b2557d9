/**
 * What the trip data's codes mean: the NYC Taxi & Limousine Commission's trip-record data dictionaries (the
 * real dataset's layout follows them). Pickup and dropoff locations are TLC taxi zone IDs; no zone names ship
 * with the project, so a location is shown by its ID.
 */
export const CODE_LABELS = {
  vendor_id: { '1': 'Creative Mobile Technologies', '2': 'VeriFone (Curb Mobility)' },
  payment_type: { '1': 'Credit card', '2': 'Cash', '3': 'No charge', '4': 'Dispute', '5': 'Unknown', '6': 'Voided trip' },
  rate_code: {
    '1': 'Standard rate',
    '2': 'JFK',
    '3': 'Newark',
    '4': 'Nassau or Westchester',
    '5': 'Negotiated fare',
    '6': 'Group ride',
    '99': 'Unknown',
  },
} as const satisfies Record<string, Record<string, string>>;

export type LabelledCode = keyof typeof CODE_LABELS;

/** `1 · Credit card`; a code the table does not know, or a location, as itself (`location 74`). */
export function codeLabel(dimension: string, code: string | null): string {
  if (code === null) return '(blank)';
  if (dimension === 'pickup_location_id') return `location ${code}`;
  const table: Readonly<Record<string, string>> | undefined = (CODE_LABELS as Record<string, Readonly<Record<string, string>>>)[dimension];
  const name = table?.[code];
  return name === undefined ? code : `${code} · ${name}`;
}
