import type { UiKit } from '../panel/ui/kit.js';
import * as primitives from './zohoKit.js';

/** The panel's UI kit in plain React and CSS, styled like Zoho Desk: `<SidebarPanel kit={zohoKit} />` in the Zoho extension. */
export const zohoKit: UiKit = primitives;
