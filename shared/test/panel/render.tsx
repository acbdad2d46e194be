import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { SidebarPanel } from '../../src/panel/index.js';
import type { FakeHost } from './fake-host.js';
import { ManualClock } from './manual-clock.js';

/** The fixed "now" of the panel tests: a weekday morning in Tokyo. */
export const startMs = Date.parse('2026-11-20T01:00:00.000Z');

export function renderPanel(host: FakeHost, clock = new ManualClock(startMs)) {
  host.now = () => clock.now();
  const user = userEvent.setup();
  const view = render(<SidebarPanel host={host} clock={clock} />);
  return { ...view, user, clock };
}

/** The section with this heading. */
export async function findSection(name: string | RegExp): Promise<HTMLElement> {
  return screen.findByRole('region', { name });
}
