import { MD } from '@zendeskgarden/react-typography';
import { type ReactNode, useId } from 'react';

/** One card of the panel: a labelled region, so screen readers can jump between them. */
export function Section({ heading, children }: { heading: string; children: ReactNode }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} style={{ marginBottom: 16 }}>
      <MD isBold tag="h2" id={headingId} style={{ marginBottom: 8 }}>
        {heading}
      </MD>
      {children}
    </section>
  );
}
