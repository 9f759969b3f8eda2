// Table types of farm operations (migrations/0011_farm_operations.ts), merged into `Database`
// like build-tables.ts.
import type { ColumnType } from 'kysely';

export interface WebhooksTable {
  id: string;
  url: string;
  /** Kept to sign each delivery (HMAC-SHA256); never shown after creation. */
  secret: string;
  /** `api`: POST /v1/admin/webhooks; `config`: the WEBHOOKS setting. */
  origin: 'api' | 'config';
  created_by: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type DeliveryState = 'pending' | 'delivered' | 'abandoned';

export interface WebhookDeliveriesTable {
  id: ColumnType<string, string | undefined, never>;
  webhook_id: string;
  event_id: number;
  job_id: number;
  state: ColumnType<DeliveryState, DeliveryState | undefined, DeliveryState>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  lease_owner: string | null;
  lease_until: Date | null;
  /** The JSON sent, fixed at the first try so every retry signs the same bytes. */
  body: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

declare module './schema.ts' {
  interface Database {
    webhooks: WebhooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
  interface JobsTable {
    /** Infrastructure faults of attempts numbered up to this no longer count (a requeue resets them). */
    faults_counted_after: ColumnType<number, number | undefined, number>;
  }
}
