/**
 * The control API of the Zendesk sandbox, under /sandbox (no token; JSON; bodies validated with zod; errors as
 * {error:{code, message, issues?}}). It plays Zendesk's administrators and agents and shows what they would see:
 *
 *   GET  /sandbox/health                          liveness and pending work
 *   POST /sandbox/reset                           forget everything (knobs back to their start values)
 *   GET  /sandbox/knobs      PUT /sandbox/knobs   behaviour switches (see context.ts)
 *   PUT  /sandbox/faults/push                     {mode: rate_limited|server_error|slow|none, count?, retryAfterSeconds?, httpStatus?, delayMs?}
 *   POST /sandbox/integrations                    {manifest_url}: install an integration (fetches and checks its manifest)
 *   GET  /sandbox/integrations
 *   POST /sandbox/integrations/:id/instances      {locale?, auto_submit?, fill?}: an admin adds an account through the admin UI
 *   GET  /sandbox/instances[/:id]                 accounts (with their pull log)
 *   POST /sandbox/instances/:id/edit              {locale?, auto_submit?}: an admin reopens the admin UI of an account
 *   POST /sandbox/instances/:id/pull              poll its pull_url now; answers the pull's record
 *   DELETE /sandbox/instances/:id                 remove the account (its push token stops working)
 *   GET  /sandbox/tickets[?instance_id=]          tickets as agents see them, with comments
 *   GET  /sandbox/tickets/:id   PATCH /sandbox/tickets/:id {status}
 *   POST /sandbox/tickets/:id/comments            {body, public?, attachments?}: an agent comments (public → channelback)
 *   GET  /sandbox/users   GET /sandbox/events     end users; event callbacks posted
 */

import { createHash, randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import * as z from 'zod';
import { ControlError, notFound, parseInput } from '../../meta-sandbox/control-errors.js';
import { controlHandler, numericParameter } from '../common/control.js';
import { startChannelback } from './channelback.js';
import { isoNow, type ZendeskContext } from './context.js';
import { destroyInstance, registerIntegration, visitAdminUi } from './integrations.js';
import { pullNow } from './pull.js';
import type { Attachment, Instance, Ticket } from './state.js';
import { issueApiToken } from './tickets-api.js';
import { commentView, instanceView, integrationView, ticketView, userView } from './views.js';

const adminVisitSchema = z.strictObject({
  locale: z.string().min(2).max(16).default('en-US'),
  /** Play the browser: submit the admin UI page's form aimed at the return_url. */
  auto_submit: z.boolean().default(false),
  /** With auto_submit: what the admin types into the admin UI's own pages (e.g. a token) before it posts back. */
  fill: z.record(z.string().max(64), z.string().max(4096)).optional(),
});

const agentCommentSchema = z.strictObject({
  body: z.string().min(1).max(65_535),
  public: z.boolean().default(true),
  attachments: z
    .array(z.strictObject({ file_name: z.string().min(1).max(255), content_type: z.string().min(1), content_base64: z.base64() }))
    .max(10)
    .default([]),
});

const ticketPatchSchema = z.strictObject({ status: z.enum(['new', 'open', 'pending', 'solved', 'closed']) });

function instanceOf(context: ZendeskContext, request: Request): Instance {
  const instance = context.state.instances.get(numericParameter(request, 'id', 'Account'));
  if (instance === undefined) throw notFound(`Account ${String(request.params.id)}`);
  return instance;
}

function ticketOf(context: ZendeskContext, request: Request): Ticket {
  const ticket = context.state.tickets.get(numericParameter(request, 'id', 'Ticket'));
  if (ticket === undefined) throw notFound(`Ticket ${String(request.params.id)}`);
  return ticket;
}

function integrationRoutes(router: Router, context: ZendeskContext): void {
  router.post(
    '/sandbox/integrations',
    controlHandler(async (request, response) => {
      const input = parseInput(z.strictObject({ manifest_url: z.url() }), request.body, 'body');
      response.status(201).json(integrationView(await registerIntegration(context, input.manifest_url)));
    }),
  );
  router.get(
    '/sandbox/integrations',
    controlHandler((_request, response) => {
      response.json({ data: [...context.state.integrations.values()].map(integrationView) });
    }),
  );
  router.post(
    '/sandbox/integrations/:id/instances',
    controlHandler(async (request, response) => {
      const integration = context.state.integrations.get(String(request.params.id));
      if (integration === undefined) throw notFound(`Integration ${String(request.params.id)}`);
      const input = parseInput(adminVisitSchema, request.body, 'body');
      const visit = await visitAdminUi(context, integration, {
        locale: input.locale,
        autoSubmit: input.auto_submit,
        ...(input.fill === undefined ? {} : { fill: input.fill }),
      });
      response.json({ ...visit, instance: visit.instance === undefined ? null : instanceView(visit.instance) });
    }),
  );
}

function instanceRoutes(router: Router, context: ZendeskContext): void {
  router.get(
    '/sandbox/instances',
    controlHandler((_request, response) => {
      response.json({ data: [...context.state.instances.values()].map((instance) => instanceView(instance)) });
    }),
  );
  router.get(
    '/sandbox/instances/:id',
    controlHandler((request, response) => {
      response.json(instanceView(instanceOf(context, request), true));
    }),
  );
  router.post(
    '/sandbox/instances/:id/edit',
    controlHandler(async (request, response) => {
      const instance = instanceOf(context, request);
      const integration = context.state.integrations.get(instance.integrationId)!;
      const input = parseInput(adminVisitSchema, request.body, 'body');
      const visit = await visitAdminUi(context, integration, {
        instance,
        locale: input.locale,
        autoSubmit: input.auto_submit,
        ...(input.fill === undefined ? {} : { fill: input.fill }),
      });
      response.json({ ...visit, instance: visit.instance === undefined ? null : instanceView(visit.instance) });
    }),
  );
  router.post(
    '/sandbox/instances/:id/pull',
    controlHandler(async (request, response) => {
      const instance = instanceOf(context, request);
      const pull = await pullNow(context, instance);
      if (pull === undefined)
        throw new ControlError(409, 'no_pull', 'The account is inactive or its integration has no pull_url.');
      response.json(pull);
    }),
  );
  router.delete(
    '/sandbox/instances/:id',
    controlHandler((request, response) => {
      const instance = instanceOf(context, request);
      destroyInstance(context, instance);
      response.json(instanceView(instance));
    }),
  );
}

function agentAttachments(context: ZendeskContext, inputs: z.infer<typeof agentCommentSchema>['attachments']): Attachment[] {
  return inputs.map((input) => {
    const bytes = Buffer.from(input.content_base64, 'base64');
    const attachment: Attachment = {
      id: context.state.newId(),
      token: randomBytes(12).toString('hex'),
      fileName: input.file_name,
      contentType: input.content_type,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes,
      sourceUrl: undefined,
    };
    context.state.attachments.set(attachment.token, attachment);
    return attachment;
  });
}

const newTicketSchema = z.strictObject({
  subject: z.string().min(1).max(255),
  requester_name: z.string().min(1).max(255).default('Customer'),
  requester_phone: z.string().min(1).max(32).optional(),
  status: z.enum(['new', 'open', 'pending', 'solved']).default('open'),
});

function ticketRoutes(router: Router, context: ZendeskContext): void {
  router.post(
    '/sandbox/api-tokens',
    controlHandler((request, response) => {
      const { email } = parseInput(z.strictObject({ email: z.email() }), request.body, 'body');
      response.status(201).json({ email, token: issueApiToken(context, email) });
    }),
  );
  // A ticket made by an agent or by email, outside any channel integration (automations act on those too).
  router.post(
    '/sandbox/tickets',
    controlHandler((request, response) => {
      const input = parseInput(newTicketSchema, request.body, 'body');
      const requester = context.state.addUser({ role: 'end-user', name: input.requester_name });
      const at = isoNow(context);
      const ticket: Ticket = {
        id: context.state.newId(),
        subject: input.subject,
        status: input.status,
        requesterId: requester.id,
        instanceId: undefined,
        threadId: undefined,
        followupSourceId: undefined,
        allowChannelback: false,
        fields: input.requester_phone === undefined ? [] : [{ id: 'requester_phone', value: input.requester_phone }],
        createdAt: at,
        updatedAt: at,
      };
      context.state.tickets.set(ticket.id, ticket);
      response.status(201).json(ticketView(context, ticket));
    }),
  );
  router.get(
    '/sandbox/tickets',
    controlHandler((request, response) => {
      const instanceId = request.query.instance_id === undefined ? undefined : Number(request.query.instance_id);
      const tickets = [...context.state.tickets.values()].filter(
        (ticket) => instanceId === undefined || ticket.instanceId === instanceId,
      );
      response.json({ data: tickets.map((ticket) => ticketView(context, ticket)) });
    }),
  );
  router.get(
    '/sandbox/tickets/:id',
    controlHandler((request, response) => {
      response.json(ticketView(context, ticketOf(context, request)));
    }),
  );
  router.patch(
    '/sandbox/tickets/:id',
    controlHandler((request, response) => {
      const ticket = ticketOf(context, request);
      ticket.status = parseInput(ticketPatchSchema, request.body, 'body').status;
      ticket.updatedAt = isoNow(context);
      response.json(ticketView(context, ticket));
    }),
  );
  router.post(
    '/sandbox/tickets/:id/comments',
    controlHandler((request, response) => {
      const ticket = ticketOf(context, request);
      if (ticket.status === 'closed') throw new ControlError(422, 'ticket_closed', 'A closed ticket takes no more comments.');
      const input = parseInput(agentCommentSchema, request.body, 'body');
      const comment = {
        id: context.state.newId(),
        ticketId: ticket.id,
        authorId: context.state.agentId,
        body: input.body,
        htmlBody: undefined,
        public: input.public,
        externalId: undefined,
        createdAt: isoNow(context),
        attachments: agentAttachments(context, input.attachments),
        displayInfo: undefined,
        channelback: undefined,
      };
      context.state.comments.set(comment.id, comment);
      if (ticket.status === 'new') ticket.status = 'open';
      ticket.updatedAt = comment.createdAt;
      startChannelback(context, ticket, comment);
      response.status(201).json(commentView(context, ticket, comment));
    }),
  );
}

export function zendeskControlRoutes(context: ZendeskContext) {
  return (router: Router): void => {
    integrationRoutes(router, context);
    instanceRoutes(router, context);
    ticketRoutes(router, context);
    router.get(
      '/sandbox/users',
      controlHandler((_request, response) => {
        response.json({ data: [...context.state.users.values()].map(userView) });
      }),
    );
    router.get(
      '/sandbox/events',
      controlHandler((_request, response) => {
        response.json({ data: context.state.events });
      }),
    );
  };
}
