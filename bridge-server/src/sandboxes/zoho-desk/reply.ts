import type { OutboundAnswer } from '../common/outbound.js';
import { deliver } from '../common/retrying.js';
import type { ZohoContext } from './context.js';
import { pushReplyAnswerSchema } from './schemas.js';
import type { Extension, Thread, Ticket } from './state.js';
import { endpointUrl } from './sync.js';

/** How much of a refusal the agent sees on the failed reply. */
const agentErrorCharactersMax = 500;

/**
 * The push payload (PUSH_REPLY_PAYLOAD_FORMAT): the extension's config params (channelState among them) and the
 * reply as a resource whose `extParentId` is the ticket's extId.
 */
function payload(extension: Extension, ticket: Ticket, reply: Thread) {
  return {
    configParams: extension.configParams,
    resource: {
      id: reply.id,
      ticketId: ticket.id,
      extParentId: ticket.extId,
      content: reply.content,
      contentType: reply.contentType,
      direction: 'out',
      createdTime: reply.createdTime,
      author: { name: reply.author.name, type: reply.author.type },
    },
  };
}

function settle(extension: Extension, reply: Thread, answer: OutboundAnswer): void {
  const push = reply.push!;
  if (answer.status !== 200) {
    reply.status = 'FAILED';
    push.errorMessage = (answer.text().trim() || `HTTP ${answer.status}`).slice(0, agentErrorCharactersMax);
    return;
  }
  const parsed = pushReplyAnswerSchema.safeParse(answer.json());
  if (!parsed.success || (parsed.data.status !== 'FAILED' && parsed.data.extId === undefined)) {
    reply.status = 'FAILED';
    push.errorMessage = 'The extension answered no delivery state (extId and status).';
    return;
  }
  reply.status = parsed.data.status ?? 'SUCCESS';
  if (parsed.data.extId !== undefined) reply.extId = parsed.data.extId;
  if (reply.status === 'FAILED')
    push.errorMessage = (parsed.data.errorMessage ?? 'The extension could not deliver the reply.').slice(
      0,
      agentErrorCharactersMax,
    );
  if (parsed.data.channelState !== undefined) extension.configParams.channelState = parsed.data.channelState;
}

/**
 * An agent's reply on a channel ticket: stored PENDING, pushed to the extension's push endpoint with securityContext
 * and orgId, then set to the delivery state the extension answers (FAILED, with the reason, when it refuses or
 * cannot be reached).
 */
export function pushReply(context: ZohoContext, extension: Extension, ticket: Ticket, reply: Thread): void {
  const pushUrl = extension.pushUrl;
  reply.push = { attempts: [], errorMessage: undefined };
  if (pushUrl === undefined || !extension.active) {
    reply.status = 'FAILED';
    reply.push.errorMessage = 'The channel has no push endpoint.';
    return;
  }
  const url = endpointUrl(context, extension, pushUrl);
  const body = payload(extension, ticket, reply);
  void context.timers
    .track(
      deliver({
        timers: context.timers,
        now: context.now,
        policy: () => ({ ...context.knobs, attemptsMax: context.knobs.replyAttemptsMax }),
        send: () => context.outbound.postJson(url, body, context.knobs.outboundTimeoutMs),
        attempts: reply.push.attempts,
        onAnswer: (answer) => settle(extension, reply, answer),
        onGiveUp: (failure) => {
          reply.status = 'FAILED';
          reply.push!.errorMessage = failure.message.slice(0, agentErrorCharactersMax);
        },
        onError: (error) => context.logger.error({ err: error }, 'reply push failed'),
      }),
    )
    .catch((error: unknown) => context.logger.error({ err: error }, 'reply push failed'));
}
