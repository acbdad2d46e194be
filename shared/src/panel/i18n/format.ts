import type { PanelLocale } from '../host.js';

const secondMs = 1000;
const minuteMs = 60 * secondMs;
const hourMs = 60 * minuteMs;

/**
 * A remaining time as the agent reads it: hours and minutes above an hour, minutes and seconds below (the
 * countdown ticks every second, and under an hour the seconds matter). Rounded down: the panel must never
 * promise time that is not left. Units come from `Intl.NumberFormat`, so they read naturally in each language.
 */
export function formatDuration(durationMs: number, locale: PanelLocale): string {
  const totalSeconds = Math.max(0, Math.floor(durationMs / secondMs));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: [number, 'hour' | 'minute' | 'second'][] =
    durationMs >= hourMs
      ? [
          [hours, 'hour'],
          [minutes, 'minute'],
        ]
      : [
          [minutes, 'minute'],
          [seconds, 'second'],
        ];
  const units = parts.map(([value, unit]) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(value),
  );
  return new Intl.ListFormat(locale, { type: 'unit', style: 'narrow' }).format(units);
}

/** An instant in the agent's time zone, with the date, so a deadline tomorrow is not read as today. */
export function formatDateTime(instant: string | Date, locale: PanelLocale): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
