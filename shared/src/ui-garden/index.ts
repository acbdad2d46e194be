import type { UiKit } from '../panel/ui/kit.js';
import * as primitives from './gardenKit.js';

/** The panel's UI kit drawn with Zendesk Garden: `<SidebarPanel kit={gardenKit} />` in the Zendesk app. */
export const gardenKit: UiKit = primitives;
