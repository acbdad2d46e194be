/** Who is calling, as established by authentication. */
export type Caller =
  | { kind: 'admin' }
  | {
      kind: 'installation';
      installationId: string;
      deploymentId: string;
      accountId: string;
      helpdesk: 'zendesk' | 'zoho';
    };

/** The account an installation is confined to; undefined for the administrator, who sees every account. */
export function accountScope(caller: Caller): string | undefined {
  return caller.kind === 'installation' ? caller.accountId : undefined;
}
