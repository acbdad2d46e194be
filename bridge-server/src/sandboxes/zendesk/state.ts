import type { AttemptRecord } from '../common/retrying.js';
import type { Manifest } from './schemas.js';

/** A channel integration registered from its manifest (`requirements.json` → `channel_integrations` in a real app). */
export interface Integration {
  /** The manifest's `id`. */
  id: string;
  manifestUrl: string;
  manifest: Manifest;
  registeredAt: string;
}

/** One result line of a pull or a push, as Zendesk reports it per resource. */
export interface ResourceResult {
  external_resource_id: string;
  status: { code: ResultCode; description?: string };
}
export type ResultCode =
  | 'success'
  | 'already_imported'
  | 'could_not_locate_parent_external_resource'
  | 'processing_error'
  | 'halted';

export interface PullRecord {
  at: string;
  /** `ok` when the answer was valid (resources may still have failed one by one). */
  outcome: 'ok' | 'failed';
  httpStatus?: number;
  error?: string;
  /** The state sent with the request, and the state kept afterwards. */
  stateSent: string;
  stateAfter: string;
  results: ResourceResult[];
}

/** An integration account (Zendesk: "integration instance"), created through the admin UI. */
export interface Instance {
  id: number;
  integrationId: string;
  name: string;
  metadata: string;
  state: string;
  /** `instance_push_id`: names the account in pushes. */
  pushId: string;
  /** The OAuth token Zendesk generated for pushes (only when the manifest has a `push_client_id`). */
  accessToken: string | undefined;
  active: boolean;
  /** Set when the integration answered `metadata_needs_update`: the admin is asked to revisit the admin UI. */
  metadataNeedsUpdate: boolean;
  createdAt: string;
  pulls: PullRecord[];
  /** Imports and pulls of one account run one at a time, so two pushes of one external_id cannot both create it. */
  queue: Promise<unknown>;
}

/** An admin UI session: the return URL Zendesk handed to the admin UI, until the post-back arrives. */
export interface PendingSetup {
  token: string;
  integrationId: string;
  /** Set when an existing account is being edited. */
  instanceId: number | undefined;
  pushId: string;
  accessToken: string | undefined;
  locale: string;
}

export interface User {
  id: number;
  role: 'end-user' | 'agent';
  name: string;
  /** The channel identity of an end user: its account and the author's `external_id`. */
  instanceId: number | undefined;
  externalId: string | undefined;
  locale: string | undefined;
  imageUrl: string | undefined;
}

export type TicketStatus = 'new' | 'open' | 'pending' | 'solved' | 'closed';

export interface Ticket {
  id: number;
  subject: string;
  status: TicketStatus;
  requesterId: number;
  /** The account the ticket came in through (`via.channel` any_channel); undefined for other tickets. */
  instanceId: number | undefined;
  threadId: string | undefined;
  /** The closed ticket this one follows up (create_followup_tickets). */
  followupSourceId: number | undefined;
  /** The latest resource's `allow_channelback` (true unless it said false). */
  allowChannelback: boolean;
  fields: { id: string | number; value: unknown }[];
  createdAt: string;
  updatedAt: string;
}

export interface Attachment {
  id: number;
  token: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  bytes: Buffer;
  sourceUrl: string | undefined;
}

export interface Channelback {
  requestUniqueIdentifier: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: AttemptRecord[];
  /** The fields posted (the same on every attempt). */
  fields: Record<string, string | string[]>;
  externalId: string | undefined;
  /** What the agent sees when the channelback failed. */
  error: { httpStatus?: number; message: string } | undefined;
  /** An error the integration reported later through /api/v2/any_channel/channelback/report_error. */
  reportedError: { description?: string; requestId?: string } | undefined;
}

export interface Comment {
  id: number;
  ticketId: number;
  authorId: number;
  body: string;
  htmlBody: string | undefined;
  public: boolean;
  /** The external resource it was imported from, or the id the channelback answered. */
  externalId: string | undefined;
  createdAt: string;
  attachments: Attachment[];
  displayInfo: unknown[] | undefined;
  channelback: Channelback | undefined;
}

export interface EventDelivery {
  at: string;
  url: string;
  body: unknown;
  httpStatus?: number;
  error?: string;
}

export class ZendeskState {
  readonly integrations = new Map<string, Integration>();
  readonly instances = new Map<number, Instance>();
  readonly setups = new Map<string, PendingSetup>();
  readonly users = new Map<number, User>();
  readonly tickets = new Map<number, Ticket>();
  readonly comments = new Map<number, Comment>();
  readonly attachments = new Map<string, Attachment>();
  readonly events: EventDelivery[] = [];
  /** `${instanceId} ${externalId}` → comment id: Zendesk imports each external resource once per account. */
  readonly externalIds = new Map<string, number>();
  /** `${instanceId} ${threadId}` → ticket id: one conversation thread stays one ticket. */
  readonly threads = new Map<string, number>();
  /** API tokens by the API user's email (Basic `{email}/token:{token}`). */
  readonly apiTokens = new Map<string, string>();
  /** `${email} ${ticketId}` → times of that user's recent updates of that ticket (Zendesk's per-ticket limit). */
  readonly ticketUpdates = new Map<string, number[]>();
  private nextId = 1;
  readonly agentId: number;

  constructor() {
    this.agentId = this.addUser({ role: 'agent', name: 'Sandbox Agent' }).id;
  }

  newId(): number {
    const id = this.nextId;
    this.nextId += 1;
    return id;
  }

  addUser(input: Partial<User> & Pick<User, 'role' | 'name'>): User {
    const user: User = {
      instanceId: undefined,
      externalId: undefined,
      locale: undefined,
      imageUrl: undefined,
      ...input,
      id: this.newId(),
    };
    this.users.set(user.id, user);
    return user;
  }

  /** The agent an API user is, created on first use. */
  apiUserId(email: string): number {
    const known = [...this.users.values()].find((user) => user.role === 'agent' && user.name === email);
    return (known ?? this.addUser({ role: 'agent', name: email })).id;
  }

  commentsOf(ticketId: number): Comment[] {
    return [...this.comments.values()].filter((comment) => comment.ticketId === ticketId);
  }

  instanceByToken(token: string): Instance | undefined {
    return [...this.instances.values()].find((instance) => instance.active && instance.accessToken === token);
  }

  externalIdKey(instanceId: number, externalId: string): string {
    return `${instanceId} ${externalId}`;
  }
}
