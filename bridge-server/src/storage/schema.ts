import type { ColumnType, Generated } from 'kysely';

/** A timestamp the database fills in (`DEFAULT now()`), readable as a Date. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;

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
    access_token_sealed: string;
    app_secret_sealed: string;
    verify_token_sealed: string;
    created_at: CreatedAt;
    updated_at: ColumnType<Date, Date | undefined, Date>;
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
}
