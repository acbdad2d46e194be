import { type ReactNode, useId } from 'react';
import { useUiKit } from '../ui/UiKitProvider.js';

/** One card of the panel: a labelled region, so screen readers can jump between them. */
export function Section({ heading, children }: { heading: string; children: ReactNode }) {
  const { Heading } = useUiKit();
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} style={{ marginBottom: 16 }}>
      <Heading level={2} id={headingId} style={{ marginBottom: 8 }}>
        {heading}
      </Heading>
      {children}
    </section>
  );
}
