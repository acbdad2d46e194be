import type { AttemptRecord } from '../common/retrying.js';

/** An installed channel extension (its resources.json `channel` entry with the sync endpoints). */
export interface Extension {
  id: string;
  resourceName: string;
  pullUrl: string | undefined;
  pushUrl: string | undefined;
  redirectUrl: string | undefined;
  /** Non-secure config params, `channelState` among them (Zoho adds it to every channel extension). */
  configParams: Record<string, string>;
  /** The extension-specific token Zoho passes on every pull and push. */
  securityContext: string;
  departmentId: string;
  active: boolean;
  syncs: SyncRecord[];
  /** Pulls of one extension run one at a time. */
  queue: Promise<unknown>;
}

export interface SyncResult {
  entity: 'ticket' | 'thread';
  extId: string;
  outcome: 'created' | 'updated' | 'duplicate' | 'parent_not_found' | 'attachment_failed';
  id?: string;
  error?: string;
}

export interface SyncRecord {
  at: string;
  outcome: 'ok' | 'failed';
  httpStatus?: number;
  error?: string;
  channelStateSent: string;
  channelStateAfter: string;
  results: SyncResult[];
}

export interface Contact {
  id: string;
  extId: string | undefined;
  lastName: string;
  email: string | undefined;
  phone: string | undefined;
  photoURL: string | undefined;
}

export type TicketStatus = 'Open' | 'On Hold' | 'Escalated' | 'Closed';

export interface Ticket {
  id: string;
  ticketNumber: string;
  extId: string | undefined;
  extensionId: string | undefined;
  subject: string;
  status: TicketStatus;
  channel: string;
  contactId: string;
  departmentId: string;
  createdTime: string;
  modifiedTime: string;
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  sourceUrl: string;
}

export interface Thread {
  id: string;
  ticketId: string;
  extId: string | undefined;
  direction: 'in' | 'out';
  /** Zoho's channel thread states: a reply waits PENDING until the extension answers its delivery state. */
  status: 'SUCCESS' | 'PENDING' | 'FAILED';
  content: string;
  contentType: 'text/plain' | 'text/html';
  createdTime: string;
  author: { type: 'END_USER' | 'AGENT'; name: string; contactId?: string };
  canReply: boolean;
  attachments: Attachment[];
  /** A reply's push: the attempts and what the agent sees when it failed. */
  push: { attempts: AttemptRecord[]; errorMessage: string | undefined } | undefined;
}

export interface Comment {
  id: string;
  ticketId: string;
  content: string;
  contentType: 'plainText' | 'html';
  isPublic: boolean;
  commentedTime: string;
  commenterName: string;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  refreshTokens: Set<string>;
}

export class ZohoDeskState {
  readonly extensions = new Map<string, Extension>();
  readonly contacts = new Map<string, Contact>();
  readonly tickets = new Map<string, Ticket>();
  readonly threads = new Map<string, Thread>();
  readonly comments = new Map<string, Comment>();
  readonly clients = new Map<string, OAuthClient>();
  /** Access token → its expiry in sandbox milliseconds. */
  readonly accessTokens = new Map<string, number>();
  // Zoho Desk ids are long decimal strings (e.g. 1892000000042032); the sandbox counts up from a similar base.
  private nextId = 1_892_000_000_042_000n;
  private nextTicketNumber = 101;

  newId(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  newTicketNumber(): string {
    const number = this.nextTicketNumber;
    this.nextTicketNumber += 1;
    return String(number);
  }

  ticketByExtId(extensionId: string, extId: string): Ticket | undefined {
    return [...this.tickets.values()].find((ticket) => ticket.extensionId === extensionId && ticket.extId === extId);
  }

  threadByExtId(extensionId: string, extId: string): Thread | undefined {
    return [...this.threads.values()].find(
      (thread) => thread.extId === extId && this.tickets.get(thread.ticketId)?.extensionId === extensionId,
    );
  }

  threadsOf(ticketId: string): Thread[] {
    return [...this.threads.values()].filter((thread) => thread.ticketId === ticketId);
  }
}
