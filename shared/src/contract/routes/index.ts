import { mergeRouteGroups } from '../route.js';
import { automationsRoutes } from './automations.js';
import { consoleRoutes } from './console.js';
import { installationContextRoutes } from './installation.js';
import { liveRoutes } from './live.js';
import { mediaUploadRoutes } from './media-uploads.js';
import { operationsRoutes } from './operations.js';
import { templateNameRoutes } from './template-names.js';
import { walletConsoleRoutes } from './wallet-console.js';
import { zohoChannelRoutes } from './zoho-channel.js';

/*
 * Route groups kept in files of their own and merged into the contract's route table (`routes`, in ../routes.ts).
 * A feature adds its routes by adding a file here that exports a group made with `defineRoutes`, and one argument
 * below: merges of parallel work then only add lines. `mergeRouteGroups` refuses two groups naming one route, and
 * the bridge's start-up check (bridge-server/src/http/mount-check.ts) refuses two routes with one method and path.
 */
export const routeGroups = mergeRouteGroups(
  operationsRoutes,
  automationsRoutes,
  zohoChannelRoutes,
  consoleRoutes,
  liveRoutes,
  installationContextRoutes,
  mediaUploadRoutes,
  templateNameRoutes,
  walletConsoleRoutes,
);
