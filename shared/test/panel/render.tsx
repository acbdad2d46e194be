import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { SidebarPanel, type UiKit } from '../../src/panel/index.js';
import { gardenKit } from '../../src/ui-garden/index.js';
import { zohoKit } from '../../src/ui-zoho/index.js';
import type { FakeHost } from './fake-host.js';
import { ManualClock } from './manual-clock.js';

/** The fixed "now" of the panel tests: a weekday morning in Tokyo. */
export const startMs = Date.parse('2026-11-20T01:00:00.000Z');

/**
 * The design system the panel draws with: Garden, as in the Zendesk app, unless the run says otherwise. The
 * `panel-zoho` Vitest project runs the same tests with `PANEL_UI_KIT=zoho`, so the panel keeps working (and stays
 * reachable by role and label) whichever kit draws it.
 */
export const kit: UiKit = process.env.PANEL_UI_KIT === 'zoho' ? zohoKit : gardenKit;

export function renderPanel(host: FakeHost, clock = new ManualClock(startMs)) {
  host.now = () => clock.now();
  const user = userEvent.setup();
  const view = render(<SidebarPanel host={host} kit={kit} clock={clock} />);
  return { ...view, user, clock };
}

/** The section with this heading. */
export async function findSection(name: string | RegExp): Promise<HTMLElement> {
  return screen.findByRole('region', { name });
}

/** The template combobox's options in `section`, once the templates are in. */
export async function templateOptions(section: HTMLElement): Promise<HTMLElement[]> {
  return within(section).findAllByRole('option');
}

/** Chooses a template from the combobox by Meta's name (and language, when given), as the agent clicks it. */
export async function chooseTemplateOption(
  user: ReturnType<typeof userEvent.setup>,
  section: HTMLElement,
  name: string,
  language?: string,
): Promise<void> {
  const option = (await templateOptions(section)).find((candidate) => {
    const [optionName, optionLanguage] = (candidate.dataset.template ?? '').split(':');
    return optionName === name && (language === undefined || optionLanguage === language);
  });
  if (option === undefined) throw new Error(`No template option ${name}${language === undefined ? '' : `:${language}`}`);
  await user.click(option);
}
