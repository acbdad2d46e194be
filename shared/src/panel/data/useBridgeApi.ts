import { useMemo } from 'react';
import { type BridgeApi, createBridgeApi } from '../api.js';
import { useHost } from '../HostProvider.js';

export function useBridgeApi(): BridgeApi {
  const host = useHost();
  return useMemo(() => createBridgeApi(host), [host]);
}
