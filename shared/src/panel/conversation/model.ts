import type { Conversation, ConversationEntry } from '../../contract/conversations.js';

/** The conversation as the panel shows it: entries oldest first, and the customer's WhatsApp name when known. */
export interface ConversationData {
  entries: ConversationEntry[];
  customerName: string | null;
}

export function conversationData(conversation: Conversation): ConversationData {
  return { entries: conversation.data, customerName: conversation.contact.name };
}
