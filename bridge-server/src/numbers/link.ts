import type { WhatsAppLink } from '@wabridge/shared';
import QRCode from 'qrcode';

/**
 * The number's click-to-chat link and its QR code: the free entry point a business puts on a website or a receipt.
 *
 * WhatsApp's click-to-chat (WhatsApp Help Center, "How to use click to chat"): `https://wa.me/<number>` with the full
 * number in international format, digits only (no `+`, spaces, brackets or dashes), and an optional `?text=` whose
 * value is URL-encoded and lands in the customer's composer. Meta's `display_phone_number` is already international
 * (`+81 3-1234-5678`), so its digits are the path.
 *
 * The QR code comes from `qrcode` (node-qrcode, MIT): the most used QR encoder on npm, maintained, with an SVG
 * renderer that needs no canvas or native module; error correction M (15 %) survives print and a small logo sticker.
 */
export function waMeUrl(displayPhoneNumber: string, text: string | undefined): string {
  const digits = displayPhoneNumber.replace(/\D/g, '');
  const url = new URL(`https://wa.me/${digits}`);
  // encodeURIComponent, not URLSearchParams: a space is %20 (WhatsApp's own examples), never `+`.
  return text === undefined ? url.toString() : `${url.toString()}?text=${encodeURIComponent(text)}`;
}

export async function whatsAppLinkOf(displayPhoneNumber: string, text: string | undefined): Promise<WhatsAppLink> {
  const url = waMeUrl(displayPhoneNumber, text);
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return {
    url,
    display_phone_number: displayPhoneNumber,
    text: text ?? null,
    qr_svg: `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`,
  };
}
