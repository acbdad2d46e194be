import { useUiKit } from '../ui/UiKitProvider.js';

/** Why a send button is disabled, tied to the button with `aria-describedby` so it is read with it. */
export function BlockedReason({ id, reason }: { id: string; reason: string | null }) {
  const { Text } = useUiKit();
  if (reason === null) return null;
  return (
    <Text id={id} data-testid="blocked-reason" style={{ marginTop: 4 }}>
      {reason}
    </Text>
  );
}
