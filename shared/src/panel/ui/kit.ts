import type { ComponentType, CSSProperties, KeyboardEvent, ReactElement, ReactNode } from 'react';

/*
 * The design system as the panel sees it: only the primitives its components use, named by what they mean, never by
 * how a design system draws them. Each helpdesk app passes the kit that makes the panel look native there (Garden in
 * Zendesk, a plain one styled like Zoho Desk), and components reach it only through `useUiKit()`.
 *
 * Every kit keeps the panel accessible the same way: the roles, names and descriptions below are part of the
 * interface, and the panel's component tests query by them whichever kit renders.
 */

/** What every primitive accepts: spacing tweaks, an id to point `aria-*` at, and a hook for tests. */
export interface CommonProps {
  id?: string;
  /** Layout around the primitive (margins, alignment); its own look belongs to the kit. */
  style?: CSSProperties;
  'data-testid'?: string;
}

export interface ButtonProps extends CommonProps {
  children: ReactNode;
  /** `primary` is the one action of a form, `secondary` (the default) any other, `basic` a quiet one (back, a list entry). */
  variant?: 'primary' | 'secondary' | 'basic';
  /** `medium` unless said. */
  size?: 'small' | 'medium';
  /** As wide as its container. */
  stretched?: boolean;
  /** `button` unless said: a kit's button never submits a form by accident. */
  type?: 'button' | 'submit';
  disabled?: boolean;
  onClick?: () => void;
  'aria-describedby'?: string;
  'aria-expanded'?: boolean;
  'aria-controls'?: string;
}

/**
 * One labelled form control. The kit ties the label to the control (its accessible name), and the hint and the error
 * to it (`aria-describedby`); an error also marks the control invalid.
 */
export interface FieldProps extends CommonProps {
  label: ReactNode;
  hint?: ReactNode;
  /** What is wrong with the value, or null or absent when nothing is. */
  error?: ReactNode;
  /** One control of the same kit: `TextInput`, `TextArea` or `Select`. */
  children: ReactElement;
}

export interface TextInputProps {
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  /** `text` unless said; `search` and `url` tell the browser (and its keyboard) what is typed. */
  type?: 'text' | 'search' | 'url';
  required?: boolean;
  placeholder?: string;
  /** The text box of a combobox (a search that offers a list): the kit passes these to its input as they are. */
  role?: 'combobox';
  'aria-expanded'?: boolean;
  'aria-controls'?: string;
  'aria-activedescendant'?: string;
  'aria-autocomplete'?: 'list';
  onKeyDown?: (event: KeyboardEvent<HTMLInputElement>) => void;
}

export interface TextAreaProps {
  value: string;
  onChange: (value: string) => void;
  /** Rows shown when empty; the box grows with its text up to `rowsMax` (unbounded without it). */
  rowsMin: number;
  rowsMax?: number;
  disabled?: boolean;
}

export interface SelectOption {
  value: string;
  label: string;
}

/** A native select: light and keyboard-friendly in a narrow sidebar. */
export interface SelectProps {
  value: string;
  onChange: (value: string) => void;
  options: readonly SelectOption[];
}

/** A message about the panel's state. */
export interface NoticeProps extends CommonProps {
  tone: 'info' | 'success' | 'warning' | 'error';
  /** `alert` (the default) is read out at once; `status` politely. */
  role?: 'alert' | 'status';
  /** `Notice.Paragraph`s, and at most an action. */
  children: ReactNode;
}

export type NoticeComponent = ComponentType<NoticeProps> & { Paragraph: ComponentType<{ children: ReactNode }> };

/** A quiet box for a state that is not a problem of the panel's making (no number to write to). */
export interface CalloutProps extends CommonProps {
  title: ReactNode;
  children: ReactNode;
}

/** A short label of a state: open, opted in, delivered. */
export interface TagProps extends CommonProps {
  /** `info` for progress, `highlight` for something that sets this one apart (a free entry point). */
  tone: 'neutral' | 'info' | 'success' | 'warning' | 'danger' | 'highlight';
  children: ReactNode;
}

/** A grey line where text will be; the panel announces the loading around it. */
export interface SkeletonProps {
  /** A CSS width, `100%` unless said. */
  width?: string;
}

/** A heading: 2 for a section of the panel, 3 within it, 4 within that. */
export interface HeadingProps extends CommonProps {
  level: 2 | 3 | 4;
  children: ReactNode;
}

export interface TextProps extends CommonProps {
  /** `small` (the default) for details under something, `medium` for the body size. */
  size?: 'small' | 'medium';
  bold?: boolean;
  /** `danger` for what went wrong. */
  tone?: 'default' | 'danger';
  /** A block (`div`, the default) or inside a line (`span`). */
  as?: 'div' | 'span';
  role?: 'note';
  children: ReactNode;
}

export interface UiKit {
  /** Wraps the whole panel once: a theme, the kit's styles, its fonts. */
  Root: ComponentType<{ children: ReactNode }>;
  Button: ComponentType<ButtonProps>;
  Field: ComponentType<FieldProps>;
  TextInput: ComponentType<TextInputProps>;
  TextArea: ComponentType<TextAreaProps>;
  Select: ComponentType<SelectProps>;
  Notice: NoticeComponent;
  Callout: ComponentType<CalloutProps>;
  Tag: ComponentType<TagProps>;
  Skeleton: ComponentType<SkeletonProps>;
  Heading: ComponentType<HeadingProps>;
  Text: ComponentType<TextProps>;
}
