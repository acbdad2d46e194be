import { Button as GardenButton } from '@zendeskgarden/react-buttons';
import { Field as GardenField, Select as GardenSelect, Input, Textarea } from '@zendeskgarden/react-forms';
import { Skeleton as GardenSkeleton } from '@zendeskgarden/react-loaders';
import { Alert, Well } from '@zendeskgarden/react-notifications';
import { Tag as GardenTag } from '@zendeskgarden/react-tags';
import { DEFAULT_THEME, ThemeProvider } from '@zendeskgarden/react-theming';
import { MD, SM } from '@zendeskgarden/react-typography';
import { createContext, type ReactNode, useContext } from 'react';
import type * as Ui from '../panel/ui/kit.js';

/*
 * The panel's kit drawn with Zendesk Garden, as Zendesk Support's own apps are. A pass-through: each primitive is the
 * Garden component the panel used before it had a kit, with the same props, so the Zendesk app looks as it did.
 * Each export is one primitive of the kit; index.ts holds the module to the `UiKit` interface.
 */

export function Root({ children }: { children: ReactNode }) {
  return <ThemeProvider theme={DEFAULT_THEME}>{children}</ThemeProvider>;
}

export function Button({ variant = 'secondary', stretched, ...props }: Ui.ButtonProps) {
  return <GardenButton isPrimary={variant === 'primary'} isBasic={variant === 'basic'} isStretched={stretched} {...props} />;
}

/** Whether the field around a control has an error: Garden marks the control itself. */
const InvalidContext = createContext(false);
const useValidation = () => (useContext(InvalidContext) ? 'error' : undefined);

/** Garden's field ties the label, the hint and the message to its control through its own context. */
export function Field({ label, hint, error, children, ...props }: Ui.FieldProps) {
  const invalid = error !== undefined && error !== null;
  return (
    <GardenField {...props}>
      <GardenField.Label>{label}</GardenField.Label>
      {hint !== undefined && <GardenField.Hint>{hint}</GardenField.Hint>}
      <InvalidContext.Provider value={invalid}>{children}</InvalidContext.Provider>
      {invalid && <GardenField.Message validation="error">{error}</GardenField.Message>}
    </GardenField>
  );
}

export function TextInput({ onChange, ...props }: Ui.TextInputProps) {
  return <Input {...props} validation={useValidation()} onChange={(event) => onChange(event.target.value)} />;
}

export function TextArea({ onChange, rowsMin, rowsMax, ...props }: Ui.TextAreaProps) {
  return (
    <Textarea
      {...props}
      minRows={rowsMin}
      maxRows={rowsMax}
      validation={useValidation()}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

export function Select({ value, onChange, options }: Ui.SelectProps) {
  return (
    <GardenSelect value={value} validation={useValidation()} onChange={(event) => onChange(event.target.value)}>
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </GardenSelect>
  );
}

export const Notice: Ui.NoticeComponent = Object.assign(
  ({ tone, ...props }: Ui.NoticeProps) => <Alert type={tone} {...props} />,
  {
    Paragraph: Alert.Paragraph,
  },
);

export function Callout({ title, children, ...props }: Ui.CalloutProps) {
  return (
    <Well isRecessed {...props}>
      <Well.Title>{title}</Well.Title>
      <Well.Paragraph>{children}</Well.Paragraph>
    </Well>
  );
}

const tagHues = {
  neutral: 'neutralHue',
  info: 'primaryHue',
  success: 'successHue',
  warning: 'warningHue',
  danger: 'dangerHue',
  highlight: 'kale',
} as const;

export function Tag({ tone, ...props }: Ui.TagProps) {
  return <GardenTag hue={tagHues[tone]} {...props} />;
}

export function Skeleton({ width }: Ui.SkeletonProps) {
  return <GardenSkeleton width={width} />;
}

export function Heading({ level, ...props }: Ui.HeadingProps) {
  return <MD isBold tag={`h${level}`} {...props} />;
}

/** Garden's red for text, as its validation messages use it. */
const dangerColor = '#cd3642';

export function Text({ size = 'small', bold, tone = 'default', as, style, ...props }: Ui.TextProps) {
  const Size = size === 'small' ? SM : MD;
  return <Size isBold={bold} tag={as} style={tone === 'danger' ? { color: dangerColor, ...style } : style} {...props} />;
}
