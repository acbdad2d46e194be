export * from './contract/accounts.js';
export * from './contract/common.js';
export * from './contract/deployments.js';
export * from './contract/installations.js';
export * from './contract/route.js';
export * from './contract/routes.js';
export * from './errors.js';
export * from './phone.js';
