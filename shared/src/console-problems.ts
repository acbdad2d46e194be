/**
 * Problems of the admin console's sign-in and sessions (bridge-server/src/console/), spread into the problem
 * catalogue (errors.ts).
 */
export const consoleProblemCatalogue = {
  session_required: {
    status: 401,
    title: 'Sign in to the console: there is no session, or it has ended (expired, signed out or revoked).',
  },
  cross_origin_refused: {
    status: 403,
    title: 'A console request that changes something must come from the console’s own page (its Origin did not match).',
  },
  operator_required: {
    status: 403,
    title: 'Only the bridge’s operator may do this; an account admin acts on its own account only.',
  },
} as const;
