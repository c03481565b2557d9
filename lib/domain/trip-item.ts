/**
 * The one DynamoDB item kept per trip, and the staged record written for a completed trip.
 * The item is flat (one attribute per field) so the stream filter and the stager can read it directly.
 */
import { z } from 'zod';

export const TRIP_STATUS = { started: 'STARTED', completed: 'COMPLETED' } as const;
export type TripStatus = (typeof TRIP_STATUS)[keyof typeof TRIP_STATUS];

/** Attribute names shared by the handlers' conditional expressions and the stream filter. */
export const TRIP_KEY = 'trip_id';
export const TRIP_TTL_ATTRIBUTE = 'expires_at';

/**
 * Lambda FilterCriteria pattern of the DynamoDB stream mapping: only items that became COMPLETED.
 * The CDK stack deploys exactly this object and the local runtime evaluates exactly this object.
 */
export const COMPLETED_TRIP_STREAM_FILTER = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { NewImage: { status: { S: [TRIP_STATUS.completed] } } },
} as const;

/** A completed trip as staged under completed-trips/ (one JSON object per line) and read by the KPI job. */
export const completedTripSchema = z
  .object({
    trip_id: z.string(),
    trip_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    pickup_datetime: z.string(),
    dropoff_datetime: z.string(),
    estimated_dropoff_datetime: z.string().nullable(),
    pickup_location_id: z.number().nullable(),
    dropoff_location_id: z.number().nullable(),
    vendor_id: z.number().nullable(),
    estimated_fare_amount: z.number(),
    rate_code: z.number().nullable(),
    passenger_count: z.number().nullable(),
    trip_distance: z.number().nullable(),
    fare_amount: z.number(),
    tip_amount: z.number().nullable(),
    payment_type: z.number().nullable(),
    trip_type: z.number().nullable(),
    completed_at: z.string(),
  })
  .strict();
export type CompletedTrip = z.infer<typeof completedTripSchema>;
