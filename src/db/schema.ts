import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type TicketStatus = 'PENDING' | 'CREATED' | 'FAILED';
export type Dialect = 'ripio' | 'cpn';

export interface AccountsTable {
  id: string;
  name: string;
  support_tickets_enabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OauthClientsTable {
  client_id: string;
  account_id: string;
  name: Generated<string>;
  secret_hash: Buffer;
  created_at: CreatedAt;
  revoked_at: Date | null;
}

export interface CustomersTable {
  id: string;
  account_id: string;
  email: string | null;
  type: 'INDIVIDUAL' | 'BUSINESS';
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface TicketsTable {
  id: string;
  account_id: string;
  dialect: Dialect;
  customer_id: string | null;
  payment_id: string | null;
  summary: string;
  description: string;
  issue_type: string | null;
  requester_email: string;
  cc_emails: Generated<string[]>;
  external_ref: string;
  status: Generated<TicketStatus>;
  desk_reference: string | null;
  failure_reason: string | null;
  registration_attempts: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  registered_at: Date | null;
}

export interface AttachmentsTable {
  id: string;
  ticket_id: string;
  position: number;
  filename: string;
  content_type: string;
  size_bytes: ColumnType<number, number, number>;
  sha256: string;
  storage_key: string;
  created_at: CreatedAt;
  purged_at: Date | null;
}

export interface IdempotencyKeysTable {
  account_id: string;
  scope: string;
  key: string;
  state: 'in_flight' | 'done';
  fingerprint: string | null;
  response_status: number | null;
  response_body: unknown;
  ticket_id: string | null;
  locked_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_at: CreatedAt;
}

export interface BuiltinCasesTable {
  ticket_id: string;
  number: string;
  key: string;
  summary: string;
  description: string;
  requester_email: string;
  cc_emails: string[];
  attachments: unknown;
  created_at: CreatedAt;
}

export type ApiKeyEnvironment = 'TEST' | 'LIVE';

export interface ApiKeysTable {
  id: string;
  account_id: string;
  environment: ApiKeyEnvironment;
  name: Generated<string>;
  secret_hash: Buffer;
  created_at: CreatedAt;
  revoked_at: Date | null;
}

export interface PaymentsTable {
  account_id: string;
  id: string;
  status: string | null;
  /** numeric: read back as a string, so amounts stay exact. */
  amount: string | null;
  currency: string | null;
  create_date: ColumnType<Date | null, Date | string | null, Date | string | null>;
  imported_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface Database {
  accounts: AccountsTable;
  oauth_clients: OauthClientsTable;
  customers: CustomersTable;
  tickets: TicketsTable;
  attachments: AttachmentsTable;
  idempotency_keys: IdempotencyKeysTable;
  builtin_cases: BuiltinCasesTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  api_keys: ApiKeysTable;
  payments: PaymentsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  notification_signing_keys: NotificationSigningKeysTable;
  rate_limit_counters: RateLimitCountersTable;
  admin_keys: AdminKeysTable;
  job_outbox: JobOutboxTable;
}

export type Account = Selectable<AccountsTable>;
export type Customer = Selectable<CustomersTable>;
export type Ticket = Selectable<TicketsTable>;
export type NewTicket = Insertable<TicketsTable>;
export type Payment = Selectable<PaymentsTable>;
export type Attachment = Selectable<AttachmentsTable>;
export type NewAttachment = Insertable<AttachmentsTable>;

export interface WorkerHeartbeatsTable {
  worker_id: string;
  process: string;
  heartbeat_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface WebhookEndpointsTable {
  id: string;
  account_id: string;
  dialect: Dialect;
  /** Circle's subscription name; '' for Ripio endpoints. */
  name: Generated<string>;
  url: string;
  /** Ripio event types, or CPN notification types (wildcards included: '*', 'cpn.supportTicket.*'). */
  event_types: string[];
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  /** Sealed with the master key's sealing key (src/security/sealed-box.ts). */
  sealed_secret: string | null;
  sealed_previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Dialect-neutral: each dialect names and shapes the event its own way. */
export type WebhookEventKind = 'ticket.created' | 'ticket.failed' | 'test';

export interface WebhookEventsTable {
  id: string;
  account_id: string;
  kind: WebhookEventKind;
  ticket_id: string | null;
  occurred_at: Date;
  created_at: CreatedAt;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  account_id: string;
  event_type: string;
  message_id: string;
  body: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  schedule_step: Generated<number>;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  failure_reason: string | null;
  created_at: CreatedAt;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  number: number;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  response_excerpt: string;
  error: string | null;
}

export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type WebhookEvent = Selectable<WebhookEventsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
export type WebhookAttempt = Selectable<WebhookAttemptsTable>;

export interface NotificationSigningKeysTable {
  id: string;
  algorithm: 'ECDSA_SHA_256';
  /** SPKI DER, base64: what the public-key endpoint serves. */
  public_key_der_b64: string;
  /** PKCS#8 PEM sealed with the master key's sealing key (src/security/sealed-box.ts). */
  private_key_sealed: string;
  created_at: CreatedAt;
  retired_at: Date | null;
}

export type NotificationSigningKey = Selectable<NotificationSigningKeysTable>;
export interface RateLimitCountersTable {
  bucket: string;
  window_start: Date;
  hits: number;
}

export interface JobOutboxTable {
  id: Generated<string>;
  task: string;
  payload: string;
  job_key: string | null;
  run_at: Date | null;
  max_attempts: number | null;
  created_at: CreatedAt;
}

export interface AdminKeysTable {
  id: string;
  name: Generated<string>;
  secret_hash: Buffer;
  created_at: CreatedAt;
  revoked_at: Date | null;
}
