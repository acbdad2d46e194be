import { createContext, type ReactNode, useContext, useId } from 'react';
import type * as Ui from '../panel/ui/kit.js';
import { zohoCss } from './styles.js';

/*
 * The panel's kit in plain React and CSS, drawn like Zoho Desk's ticket right panel (see styles.ts). Native elements
 * throughout, so the browser gives roles and keyboard handling; the field ties label, hint and error to its control
 * itself, as Garden's does. Each export is one primitive of the kit; index.ts holds the module to the `UiKit` interface.
 */

/** Class names, the false ones left out. */
const classes = (...names: (string | false | undefined)[]) => names.filter(Boolean).join(' ');

export function Root({ children }: { children: ReactNode }) {
  return (
    <div className="wbz">
      <style>{zohoCss}</style>
      {children}
    </div>
  );
}

export function Button({ variant = 'secondary', size = 'medium', stretched = false, type = 'button', ...props }: Ui.ButtonProps) {
  const className = classes(
    'wbz-button',
    `wbz-button--${variant}`,
    size === 'small' && 'wbz-button--small',
    stretched && 'wbz-button--stretched',
  );
  return <button type={type} className={className} {...props} />;
}

/** What a control needs from the field around it: its id (the label's target) and what describes it. */
interface FieldWiring {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
}

const FieldContext = createContext<FieldWiring | null>(null);

/** The control's accessible name and description come from its field: a control outside one would have neither. */
function useFieldWiring() {
  const wiring = useContext(FieldContext);
  if (wiring === null) throw new Error('A form control of the Zoho kit must be inside its <Field>.');
  return { id: wiring.id, 'aria-describedby': wiring.describedBy, 'aria-invalid': wiring.invalid || undefined };
}

export function Field({ label, hint, error, children, ...props }: Ui.FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hasHint = hint !== undefined && hint !== null;
  const invalid = error !== undefined && error !== null;
  const describedBy = [hasHint && hintId, invalid && errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="wbz-field" {...props}>
      <label className="wbz-field__label" htmlFor={id}>
        {label}
      </label>
      {hasHint && (
        <div className="wbz-field__hint" id={hintId}>
          {hint}
        </div>
      )}
      <FieldContext.Provider value={{ id, describedBy, invalid }}>{children}</FieldContext.Provider>
      {invalid && (
        <div className="wbz-field__error" id={errorId}>
          {error}
        </div>
      )}
    </div>
  );
}

export function TextInput({ type = 'text', onChange, ...props }: Ui.TextInputProps) {
  return (
    <input
      className="wbz-input"
      type={type}
      {...useFieldWiring()}
      {...props}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

/** One line of text in a control, and what the box adds (padding and border), in px: see `.wbz-input`. */
const lineHeightPx = 18;
const boxExtraPx = 2 * 4 + 2 * 1;

/** Grows with its text (`field-sizing`, where the browser has it) between its rows, as Garden's does. */
export function TextArea({ rowsMin, rowsMax, onChange, ...props }: Ui.TextAreaProps) {
  const style = {
    minHeight: rowsMin * lineHeightPx + boxExtraPx,
    maxHeight: rowsMax === undefined ? undefined : rowsMax * lineHeightPx + boxExtraPx,
  };
  return (
    <textarea
      className="wbz-input wbz-textarea"
      rows={rowsMin}
      style={style}
      {...useFieldWiring()}
      {...props}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

export function Select({ value, onChange, options }: Ui.SelectProps) {
  return (
    <select
      className="wbz-input wbz-select"
      value={value}
      {...useFieldWiring()}
      onChange={(event) => onChange(event.target.value)}
    >
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

export const Notice: Ui.NoticeComponent = Object.assign(
  ({ tone, role = 'alert', ...props }: Ui.NoticeProps) => (
    <div className={`wbz-notice wbz-notice--${tone}`} role={role} {...props} />
  ),
  { Paragraph: ({ children }: { children: ReactNode }) => <p className="wbz-notice__text">{children}</p> },
);

export function Callout({ title, children, ...props }: Ui.CalloutProps) {
  return (
    <div className="wbz-callout" {...props}>
      <div className="wbz-callout__title">{title}</div>
      <p className="wbz-callout__text">{children}</p>
    </div>
  );
}

export function Tag({ tone, ...props }: Ui.TagProps) {
  return <span className={`wbz-tag wbz-tag--${tone}`} {...props} />;
}

export function Skeleton({ width = '100%' }: Ui.SkeletonProps) {
  return <div className="wbz-skeleton" style={{ width }} />;
}

export function Heading({ level, ...props }: Ui.HeadingProps) {
  const Element = `h${level}` as const;
  return <Element className={`wbz-heading wbz-heading--${level}`} {...props} />;
}

export function Text({ size = 'small', bold = false, tone = 'default', as: Element = 'div', ...props }: Ui.TextProps) {
  const className = classes('wbz-text', `wbz-text--${size}`, bold && 'wbz-text--bold', tone === 'danger' && 'wbz-text--danger');
  return <Element className={className} {...props} />;
}
