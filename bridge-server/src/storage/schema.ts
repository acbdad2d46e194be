import type { WalletEventKind } from '@wabridge/shared';
import type { ColumnType, Generated } from 'kysely';

/** A jsonb column: written as JSON text (node-postgres would turn JS arrays into PostgreSQL arrays), read parsed. */
type Json = ColumnType<unknown, string, string>;
/** A jsonb column that may be null. */
type NullableJson = ColumnType<unknown, string | null, string | null>;

/** A timestamp the database fills in (`DEFAULT now()`), readable as a Date. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
export type JobStatus = 'queued' | 'running' | 'done' | 'dead';

/** The tables of migrations/*.sql, as Kysely sees them. Keep in step with the migrations. */
export interface Schema {
  accounts: {
    id: string;
    name: string;
    created_at: CreatedAt;
  };
  deployments: {
    id: string;
    account_id: string;
    display_name: string;
    display_phone_number: string;
    waba_id: string;
    phone_number_id: string;
    business_manager_id: string | null;
    /** Meta app id (migration 0035); null for deployments made before it was asked for. */
    app_id: ColumnType<string | null, string | null | undefined, string | null>;
    access_token_sealed: string;
    app_secret_sealed: string;
    verify_token_sealed: string;
    created_at: CreatedAt;
    updated_at: ColumnType<Date, Date | undefined, Date>;
    templates_sync_due_at: ColumnType<Date, Date | undefined, Date>;
    conversations_zendesk_installation_id: ColumnType<string | null, never, string | null>;
    conversations_zoho_installation_id: ColumnType<string | null, never, string | null>;
  };
  installations: {
    id: string;
    deployment_id: string;
    helpdesk: 'zendesk' | 'zoho';
    instance: string;
    token_sha256: string;
    token_hint: string;
    created_at: CreatedAt;
    revoked_at: ColumnType<Date | null, never, Date>;
  };
  auth_failures: {
    client_key: string;
    window_start: Date;
    failures: Generated<number>;
  };
  webhook_events: {
    id: Generated<number>;
    deployment_id: string;
    /** NULL once pruned by the retention rule (migration 0022, webhooks/retention.ts): processed bodies only. */
    body: ColumnType<Uint8Array | null, Buffer, null>;
    body_sha256: string;
    received_at: CreatedAt;
    processed_at: Date | null;
    attempts: Generated<number>;
    next_attempt_at: ColumnType<Date, Date | undefined, Date>;
    last_error: string | null;
    /** Migration 0017: processing gave up on it after its last allowed attempt. */
    dead_lettered_at: ColumnType<Date | null, never, Date | null>;
    /** Migration 0022: when the body was pruned (NULL while kept). */
    body_pruned_at: ColumnType<Date | null, never, Date>;
  };
  contacts: {
    id: Generated<number>;
    deployment_id: string;
    wa_id: string | null;
    user_id: string | null;
    profile_name: string | null;
    last_inbound_at: Date | null;
    last_referral_inbound_at: Date | null;
    first_reply_after_referral_at: Date | null;
    marketing_preference: 'stop' | 'resume' | null;
    marketing_preference_at: Date | null;
    created_at: CreatedAt;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  inbound_messages: {
    deployment_id: string;
    wamid: string;
    contact_id: number;
    type: string;
    sent_at: Date;
    text_body: string | null;
    referral: NullableJson;
    payload: Json;
    webhook_event_id: number;
    /** xid8 as text (0015): the recording transaction, the order of helpdesk pull cursors. */
    recorded_xid: ColumnType<string, never, never>;
  };
  message_statuses: {
    deployment_id: string;
    wamid: string;
    status: string;
    occurred_at: Date;
    recipient_wa_id: string | null;
    recipient_user_id: string | null;
    pricing: NullableJson;
    errors: NullableJson;
    biz_opaque_callback_data: string | null;
    payload: Json;
    webhook_event_id: number;
  };
  deployment_events: {
    id: Generated<number>;
    deployment_id: string;
    kind: string;
    field: string | null;
    occurred_at: Date | null;
    payload: Json;
    webhook_event_id: number;
    position: number;
  };
  templates: {
    deployment_id: string;
    meta_template_id: string;
    name: string;
    language: string;
    category: string;
    previous_category: string | null;
    status: string;
    parameter_format: 'POSITIONAL' | 'NAMED';
    components: Json;
    rejected_reason: string | null;
    synced_at: Date;
    updated_at: ColumnType<Date, Date | undefined, Date>;
    removed_at: Date | null;
  };
  template_display_names: {
    deployment_id: string;
    template_name: string;
    language: string;
    display_name: string;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  template_syncs: {
    id: string;
    deployment_id: string;
    trigger: 'api' | 'schedule' | 'webhook';
    state: 'running' | 'succeeded' | 'failed';
    pages_fetched: Generated<number>;
    templates_seen: Generated<number>;
    error: string | null;
    started_at: CreatedAt;
    finished_at: Date | null;
  };
  messages: {
    id: string;
    deployment_id: string;
    installation_id: string | null;
    recipient_phone: string;
    kind: 'text' | 'media' | 'template';
    content: Json;
    template_name: string | null;
    template_language: string | null;
    template_category: string | null;
    ticket_helpdesk: 'zendesk' | 'zoho' | null;
    ticket_id: string | null;
    state: 'sending' | 'accepted' | 'outcome_unknown' | 'failed';
    wamid: string | null;
    error_code: number | null;
    error_title: string | null;
    error_details: string | null;
    error_reason: string | null;
    created_at: CreatedAt;
    updated_at: ColumnType<Date, Date | undefined, Date>;
    media_upload_id: ColumnType<string | null, string | null | undefined, never>;
    /** Migration 0020: who asked for it, and the automation's name when a helpdesk automation did. */
    source: ColumnType<MessageSource, MessageSource | undefined, never>;
    automation: ColumnType<string | null, string | null | undefined, never>;
    /** Set with the wamid, in SQL (pg_current_xact_id()); select it cast to text. */
    accepted_xid: ColumnType<string | null, never, string | null>;
    channel_reply: ColumnType<'zendesk' | 'zoho' | null, 'zendesk' | 'zoho' | null | undefined, never>;
  };
  media_uploads: {
    id: string;
    deployment_id: string;
    installation_id: string;
    meta_media_id: string;
    kind: 'image' | 'document' | 'video' | 'audio';
    mime_type: string;
    size_bytes: number;
    sha256: string;
    filename: string | null;
    source: 'upload' | 'url';
    created_at: CreatedAt;
  };
  idempotency_keys: {
    scope: string;
    key: string;
    request_sha256: string;
    state: 'in_flight' | 'completed';
    response_status: number | null;
    response_body: NullableJson;
    created_at: CreatedAt;
    expires_at: Date;
  };
  account_optin_settings: {
    account_id: string;
    topics: Json;
    keywords: Json;
    business_names: Json;
    confirmations: ColumnType<unknown, string | undefined, string>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  consents: {
    id: Generated<number>;
    account_id: string;
    phone: string;
    topic: string;
    state: 'opted_in' | 'opted_out';
    source: string;
    evidence: string;
    recorded_by: string | null;
    occurred_at: Date;
    recorded_at: CreatedAt;
    installation_id: string | null;
    deployment_id: string | null;
    message_ref: string | null;
  };
  account_pricing_settings: {
    account_id: string;
    currency: string;
    point_price_minor: number;
    quantity_prices: ColumnType<unknown, string | undefined, string>;
    fee_percent_basis_points: Generated<number>;
    tax_rate_basis_points: Generated<number>;
    point_value_micro_usd: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  purchases: {
    id: Generated<number>;
    account_id: string;
    payment_reference: string;
    points: number;
    unit_price_minor: number;
    subtotal_minor: number;
    fee_minor: number;
    tax_minor: number;
    total_minor: number;
    currency: string;
    created_at: CreatedAt;
  };
  /** Written only by the trigger on wallet_entries. */
  wallets: {
    account_id: string;
    balance_points: ColumnType<number, never, never>;
    reserved_points: ColumnType<number, never, never>;
    updated_at: ColumnType<Date, never, never>;
  };
  wallet_entries: {
    id: Generated<number>;
    account_id: string;
    kind: 'purchase' | 'hold' | 'capture' | 'release' | 'expiry' | 'adjustment' | 'hosting_fee';
    balance_delta_points: number;
    reserved_delta_points: number;
    message_id: string | null;
    deployment_id: string | null;
    installation_id: string | null;
    ticket_helpdesk: 'zendesk' | 'zoho' | null;
    ticket_id: string | null;
    payment_reference: string | null;
    rate_card_id: string | null;
    rule_set_id: string | null;
    category: string | null;
    market: string | null;
    rate_micro_usd: number | null;
    reason: string;
    adjustment_reference: string | null;
    /** The calendar month (UTC, YYYY-MM) a hosting_fee entry pays for. */
    hosting_period: string | null;
    created_at: CreatedAt;
  };
  /** Immutable: a trigger refuses updates and deletes. */
  rate_cards: {
    id: string;
    import_order: Generated<number>;
    model: 'per_message' | 'conversation';
    currency: string;
    effective_from: string;
    source: string;
    rates: Json;
    content_sha256: string;
    csv: string;
    imported_at: CreatedAt;
  };
  account_pricing_rules: {
    account_id: string;
    enabled_rule_sets: Json;
    time_zone: string;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  message_charges: {
    message_id: string;
    account_id: string;
    state: 'held' | 'expired' | 'captured' | 'released' | 'free';
    points: number;
    captured_points: number | null;
    uncollected_points: Generated<number>;
    category: string;
    market: string;
    free_reason: string | null;
    rate_card_id: string;
    rule_set_id: string;
    rate_micro_usd: number;
    meta_pricing_type: string | null;
    meta_category: string | null;
    category_mismatch: Generated<boolean>;
    created_at: CreatedAt;
    settled_at: Date | null;
    /** When the hold was returned because Meta had not priced the message in time (state expired, or settled after it). */
    hold_expired_at: Date | null;
  };
  /** Meta's latest word on a metered message's billing (wallet/usage.ts writes it). */
  message_billing_reports: {
    message_id: string;
    billable: boolean;
    pricing_model: string | null;
    pricing_type: string | null;
    category: string | null;
    status: string;
    reported_at: Date;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  deployment_hosting_fees: {
    deployment_id: string;
    monthly_points: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  /** Append-only: one row per deployment and month charged. */
  hosting_fee_charges: {
    deployment_id: string;
    period: string;
    account_id: string;
    fee_points: number;
    collected_points: number;
    uncollected_points: number;
    created_at: CreatedAt;
  };
  wallet_notification_settings: {
    account_id: string;
    low_balance_threshold: Generated<number>;
    webhook_url: string | null;
    webhook_secret_sealed: string | null;
    /** Kept by the trigger on wallets (one event per descent); reset when the threshold changes. */
    low_balance_notified: Generated<boolean>;
    depleted_notified: Generated<boolean>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  /** Append-only: written by recordWalletEvent and by the trigger on wallets. */
  wallet_events: {
    id: Generated<number>;
    account_id: string;
    kind: WalletEventKind;
    data: ColumnType<unknown, string | undefined, never>;
    created_at: CreatedAt;
  };
  payments: {
    id: string;
    account_id: string;
    origin: 'checkout' | 'auto_recharge';
    provider: string;
    idempotency_key: string;
    request_key: string | null;
    request_sha256: string | null;
    payment_method: string;
    points: number;
    amount_minor: number;
    currency: string;
    state: Generated<'pending' | 'succeeded' | 'failed'>;
    provider_reference: string | null;
    purchase_id: number | null;
    failure_code: string | null;
    failure_message: string | null;
    created_at: CreatedAt;
    settled_at: Date | null;
  };
  auto_recharge_settings: {
    account_id: string;
    enabled: boolean;
    threshold_points: number;
    amount_points: number;
    payment_method: string;
    paused_at: Date | null;
    paused_reason: 'payment_failed' | 'limit_reached' | null;
    paused_detail: string | null;
    paused_payment_id: string | null;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  /** The sandbox payment provider's side; only payments/sandbox-provider.ts touches it. */
  payment_sandbox_charges: {
    idempotency_key: string;
    account_id: string;
    amount_minor: number;
    currency: string;
    payment_method: string;
    outcome: 'succeeded' | 'failed';
    provider_reference: string;
    failure_code: string | null;
    failure_message: string | null;
    settles_at: Date;
    created_at: CreatedAt;
  };
  /** Durable work for other systems (jobs/); see migrations/0014_jobs.sql. */
  jobs: {
    id: Generated<number>;
    kind: string;
    account_id: string | null;
    payload: Json;
    status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
    attempts: Generated<number>;
    attempts_max: Generated<number>;
    next_attempt_at: ColumnType<Date, Date | undefined, Date>;
    lease_until: Date | null;
    last_error: string | null;
    dedupe_key: string | null;
    created_at: CreatedAt;
    updated_at: ColumnType<Date, Date | undefined, Date>;
    finished_at: Date | null;
  };
  zendesk_channel_links: {
    id: string;
    installation_id: string;
    subdomain: string;
    name: string;
    locale: string;
    signing_key_sealed: string;
    instance_push_id: string | null;
    push_token_sealed: string | null;
    api_origin: string | null;
    start_xid: ColumnType<string, never, never>;
    created_at: CreatedAt;
    removed_at: ColumnType<Date | null, never, Date>;
  };
  zoho_channel_links: {
    id: string;
    installation_id: string;
    org_id: string;
    locale: string;
    security_context_sha256: string;
    signing_key_sealed: string;
    accounts_url: string;
    client_id: string;
    client_secret_sealed: string;
    refresh_token_sealed: string;
    api_domain: string;
    access_token_sealed: string | null;
    access_token_expires_at: Date | null;
    start_xid: ColumnType<string, never, never>;
    created_at: CreatedAt;
    removed_at: ColumnType<Date | null, never, Date>;
  };
  zendesk_channel_events: {
    id: Generated<number>;
    link_id: string;
    type_id: string;
    occurred_at: Date | null;
    verified: boolean;
    payload: Json;
    received_at: CreatedAt;
  };
  helpdesk_connections: {
    installation_id: string;
    api_url: string;
    credentials_sealed: string;
    webhook_secret_sealed: string | null;
    locale: 'en' | 'ja';
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  automation_runs: {
    id: string;
    installation_id: string;
    account_id: string;
    delivery_key: string;
    source: 'zendesk_automation' | 'zoho_workflow';
    automation: string;
    ticket_id: string;
    request: Json;
    state: ColumnType<'queued' | 'sent' | 'refused', 'queued' | 'sent' | 'refused' | undefined, 'queued' | 'sent' | 'refused'>;
    message_id: string | null;
    refusal_code: string | null;
    refusal_detail: string | null;
    created_at: CreatedAt;
    finished_at: Date | null;
  };
  automation_settings: {
    account_id: string;
    window_reminder_minutes: number | null;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  window_reminders: {
    deployment_id: string;
    recipient_phone: string;
    window_opened_at: Date;
    installation_id: string;
    ticket_id: string;
    closes_at: Date;
    created_at: CreatedAt;
  };
  account_admins: {
    id: string;
    account_id: string;
    name: string;
    credential_sha256: string;
    credential_hint: string;
    created_at: CreatedAt;
    revoked_at: ColumnType<Date | null, never, Date>;
  };
  console_sessions: {
    token_sha256: string;
    kind: 'operator' | 'account_admin';
    account_admin_id: string | null;
    created_at: CreatedAt;
    expires_at: Date;
    ended_at: ColumnType<Date | null, never, Date>;
  };
  console_audit: {
    id: Generated<string>;
    at: CreatedAt;
    actor: string;
    actor_name: string | null;
    account_id: string | null;
    action: string;
    target: string;
    status: number;
  };
  /** Invalidations for the panel's live stream (0023), written by triggers. */
  live_events: {
    id: Generated<number>;
    /** xid8 as text: the recording transaction; the stream follows (recorded_xid, id). */
    recorded_xid: ColumnType<string, never, never>;
    account_id: string;
    deployment_id: string | null;
    phone: string | null;
    kind: 'conversation' | 'contact' | 'wallet';
    created_at: CreatedAt;
  };
}

/** Who asked for a message (migration 0020). */
export type MessageSource = 'agent' | 'bridge' | 'zendesk_automation' | 'zoho_workflow';
