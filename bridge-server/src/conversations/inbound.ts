import type { MetaInboundMessage } from '@wabridge/shared';

/** A file the customer sent, as Meta's webhook names it (downloaded from Meta only when someone asks for it). */
export interface InboundMedia {
  kind: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  /** Meta's media id, valid for download for about 30 days. */
  metaMediaId: string;
  mimeType: string | null;
  filename: string | null;
  caption: string | null;
  /** An audio message recorded in WhatsApp (a voice note), not a file. */
  voice: boolean;
}

/** What a customer's message says, in words a helpdesk ticket can show, and its file if it has one. */
export interface InboundContent {
  text: string;
  media: InboundMedia | null;
}

const mediaKinds = ['image', 'video', 'audio', 'document', 'sticker'] as const;

/** English labels: the ticket is written once for every agent, so the words are plain and the data is kept verbatim. */
const mediaLabels: Record<InboundMedia['kind'], string> = {
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  document: 'Document',
  sticker: 'Sticker',
};

function mediaOf(message: MetaInboundMessage): InboundMedia | null {
  for (const kind of mediaKinds) {
    const media = message[kind];
    if (message.type === kind && media !== undefined) {
      return {
        kind,
        metaMediaId: media.id,
        mimeType: media.mime_type ?? null,
        filename: media.filename ?? null,
        caption: media.caption ?? null,
        voice: media.voice === true,
      };
    }
  }
  return null;
}

function describeMedia(media: InboundMedia): string {
  const label = media.voice ? 'Voice message' : mediaLabels[media.kind];
  const named = media.filename === null ? label : `${label}: ${media.filename}`;
  return media.caption === null ? `[${named}]` : `${media.caption}\n[${named}]`;
}

function describeLocation(location: NonNullable<MetaInboundMessage['location']>): string {
  const place = [location.name, location.address].filter((part) => part !== undefined && part !== '').join(', ');
  const coordinates = `${location.latitude},${location.longitude}`;
  return [`[Location] ${place}`.trim(), `https://maps.google.com/?q=${coordinates}`, location.url]
    .filter((line) => line !== undefined)
    .join('\n');
}

function describeContacts(contacts: NonNullable<MetaInboundMessage['contacts']>): string {
  const lines = contacts.map((contact) => {
    const card = contact as { name?: { formatted_name?: string }; phones?: { phone?: string }[]; emails?: { email?: string }[] };
    const details = [
      ...(card.phones ?? []).map((phone) => phone.phone),
      ...(card.emails ?? []).map((email) => email.email),
    ].filter((value): value is string => typeof value === 'string');
    return `- ${card.name?.formatted_name ?? 'Contact'}${details.length > 0 ? `: ${details.join(', ')}` : ''}`;
  });
  return ['[Contact card]', ...lines].join('\n');
}

function describeOther(message: MetaInboundMessage, textBody: string | null): string {
  switch (message.type) {
    case 'text':
      return textBody ?? message.text?.body ?? '';
    case 'location':
      return message.location === undefined ? '[Location]' : describeLocation(message.location);
    case 'contacts':
      return describeContacts(message.contacts ?? []);
    case 'reaction': {
      const emoji = message.reaction?.emoji;
      return emoji === undefined || emoji === '' ? '[Reaction removed]' : `[Reaction] ${emoji}`;
    }
    case 'button':
      return message.button === undefined ? '[Button]' : `[Button] ${message.button.text}`;
    case 'interactive': {
      const choice = message.interactive?.button_reply ?? message.interactive?.list_reply;
      if (choice !== undefined) return `[Reply] ${choice.title}`;
      const form = message.interactive?.nfm_reply;
      return form === undefined ? '[Interactive reply]' : `[Form reply]\n${form.response_json}`;
    }
    case 'order':
      return '[Order]';
    default: {
      // Meta sends `unsupported` (with errors) for content it cannot deliver: say so with its reason.
      const errors = (message as { errors?: { title?: string; message?: string }[] }).errors ?? [];
      const reason = errors.map((error) => error.message ?? error.title).find((text) => text !== undefined);
      return `[${message.type} message${reason === undefined ? '' : `: ${reason}`}]`;
    }
  }
}

/** The content of a customer's message as the webhook stored it (`inbound_messages.payload`). */
export function describeInbound(payload: unknown, textBody: string | null): InboundContent {
  const message = payload as MetaInboundMessage;
  const media = mediaOf(message);
  const text = media === null ? describeOther(message, textBody) : describeMedia(media);
  // Zendesk and the panel need words: an empty text (an empty caption, a blank message) still says what it was.
  return { text: text.trim() === '' ? `[${message.type}]` : text, media };
}
