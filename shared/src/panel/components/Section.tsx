import { type ReactNode, useId } from 'react';
import { usePersistentState } from '../data/usePersistentState.js';
import { useUiKit } from '../ui/UiKitProvider.js';

interface SectionProps {
  heading: string;
  children: ReactNode;
  /**
   * Makes the section collapsible, its state remembered per installation under this name (`section:<name>`): the
   * agent folds away what they do not use, and finds it folded on the next ticket.
   */
  collapsible?: string;
  /** Collapsed until the agent opens it (the first time; then as they left it). */
  collapsedInitially?: boolean;
  /** One line shown next to the heading while collapsed: the section at a glance (a balance, a count). */
  glance?: ReactNode;
}

/** One card of the panel: a labelled region, so screen readers can jump between them. */
export function Section({ heading, children, collapsible, collapsedInitially = false, glance }: SectionProps) {
  const headingId = useId();
  const bodyId = useId();
  const { Heading } = useUiKit();
  const [collapsed, setCollapsed] = usePersistentState(`section:${collapsible ?? ''}`, collapsedInitially);
  const folded = collapsible !== undefined && collapsed;
  return (
    <section aria-labelledby={headingId} style={{ marginBottom: 12 }} data-collapsed={folded ? 'true' : undefined}>
      <Heading level={2} id={headingId} style={{ marginBottom: folded ? 0 : 8 }}>
        {collapsible === undefined ? (
          heading
        ) : (
          <button
            type="button"
            aria-expanded={!folded}
            aria-controls={bodyId}
            onClick={() => setCollapsed(!folded)}
            style={toggleStyle}
          >
            <span aria-hidden="true" style={{ display: 'inline-block', width: '1em' }}>
              {folded ? '▸' : '▾'}
            </span>
            {heading}
          </button>
        )}
      </Heading>
      {folded && glance !== undefined && <div data-testid="section-glance">{glance}</div>}
      <div id={bodyId} hidden={folded}>
        {children}
      </div>
    </section>
  );
}

/** The heading's own text, as a button: no button look, the whole line clickable. */
const toggleStyle = {
  all: 'inherit',
  cursor: 'pointer',
  display: 'flex',
  gap: 2,
  width: '100%',
  textAlign: 'start',
} as const;
