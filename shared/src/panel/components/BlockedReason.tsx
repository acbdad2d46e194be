import { SM } from '@zendeskgarden/react-typography';

/** Why a send button is disabled, tied to the button with `aria-describedby` so it is read with it. */
export function BlockedReason({ id, reason }: { id: string; reason: string | null }) {
  if (reason === null) return null;
  return (
    <SM id={id} data-testid="blocked-reason" style={{ marginTop: 4 }}>
      {reason}
    </SM>
  );
}
