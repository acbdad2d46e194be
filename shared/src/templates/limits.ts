/*
 * Meta's limits on the values sent into a template, each with where it is documented. Lengths are in the
 * units `countMetaCharacters` counts.
 */

/**
 * A header text parameter, and the header once filled in. Cloud API reference, template `parameters[].text`:
 * "For the header component type: 60 characters"; the template's header text itself is capped at 60
 * characters too (developers.facebook.com/documentation/business-messaging/whatsapp/templates/components).
 * Applying it to the filled-in header as well is our conservative reading: a header longer than Meta lets a
 * template author write is one Meta may truncate or refuse.
 */
export const headerTextLengthMax = 60;

/**
 * A body text parameter when the template has any other component (header, footer or buttons). Cloud API
 * reference, template `parameters[].text`: "For the body component type: 1024 characters if other component
 * types are included, 32768 characters if body is the only component type included". Integrators report that
 * Meta enforces the limit on the whole filled-in body, not only on each value (chatwoot/chatwoot#6435,
 * glific/glific#3517), so we check both.
 */
export const bodyTextLengthMax = 1_024;

/** The same, for a template whose only component is its body (same source). */
export const bodyOnlyTextLengthMax = 32_768;

/**
 * A URL button's whole link once the suffix is appended: the template components reference caps a URL
 * button's `url` at 2,000 characters, and the dynamic suffix is part of that link.
 */
export const buttonUrlLengthMax = 2_000;

/**
 * A copy-code button's coupon code. Marketing coupon templates: "Codes are limited to 15 characters"
 * (Meta's coupon code templates page, as restated by BSPs such as Gupshup); the Meta sandbox's send schema
 * caps `coupon_code` at 15 as well.
 */
export const couponCodeLengthMax = 15;

/**
 * An authentication template's one-time password. Copy-code authentication templates, sending:
 * "The one-time password or verification code … Note that this value must appear twice in the payload.
 * Maximum 15 characters." (developers.facebook.com/docs/whatsapp/business-management-api/
 * authentication-templates/copy-code-button-authentication-templates)
 */
export const oneTimePasswordLengthMax = 15;

/**
 * Meta refuses text parameters with "new-line/tab characters or more than 4 consecutive spaces" (the Cloud API's
 * error text, reported e.g. in netflie/whatsapp-cloud-api#201; Twilio's error 63013 lists the same rule for
 * WhatsApp). The Meta sandbox's template rules apply it to every text parameter.
 */
export const consecutiveSpacesMax = 4;

/**
 * How Meta counts "characters". Meta documents every limit in characters without saying which unit; we count
 * UTF-16 code units (JavaScript's `length`), which is never fewer than the count of code points. So a value we
 * accept is within the limit whichever of the two Meta counts; the cost is refusing some values close to a limit
 * that contain emoji or rare CJK ideographs outside the Basic Multilingual Plane, which count 2 each (𠮷).
 * Japanese kana, common kanji and full-width punctuation are in the Basic Multilingual Plane and count 1 each.
 * Text is not normalized: Meta receives exactly the code units we send, so a decomposed が (か + U+3099) counts 2.
 */
export function countMetaCharacters(text: string): number {
  return text.length;
}
