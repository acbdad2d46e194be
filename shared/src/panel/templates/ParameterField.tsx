import { Fragment, type ReactNode } from 'react';
import type { ListedParameter } from '../../contract/templates.js';
import type { TemplateProblem } from '../../templates/index.js';
import type { I18n } from '../i18n/I18nProvider.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';

interface ParameterFieldProps {
  parameter: ListedParameter;
  /** How many parameters take this value: more than one for a name a NAMED template uses in header and body. */
  sharedBy?: number;
  value: string;
  /** The problems with this value; shown once the agent has touched the field. */
  problems: TemplateProblem[];
  showProblems: boolean;
  onChange: (value: string) => void;
  onBlur: () => void;
}

/** One template value: a labelled input with its example, its limit and what is wrong with it. */
export function ParameterField({
  parameter,
  sharedBy = 1,
  value,
  problems,
  showProblems,
  onChange,
  onBlur,
}: ParameterFieldProps) {
  const i18n = useI18n();
  const { Field, TextInput } = useUiKit();
  const problem = showProblems ? problems[0] : undefined;
  return (
    <Field
      label={
        sharedBy > 1
          ? i18n.t('parameter.shared', { placeholder: `{{${parameter.placeholder ?? ''}}}` })
          : parameterLabel(i18n, parameter)
      }
      hint={parameterHint(i18n, parameter)}
      error={problem === undefined ? null : problemText(i18n, problem)}
      style={{ marginBottom: 8 }}
    >
      <TextInput
        value={value}
        required={parameter.required}
        type={parameter.kind === 'media' ? 'url' : 'text'}
        placeholder={parameter.example ?? undefined}
        onChange={onChange}
        onBlur={onBlur}
      />
    </Field>
  );
}

export function parameterLabel({ t }: I18n, parameter: ListedParameter): string {
  const number = (parameter.button_index ?? 0) + 1;
  switch (parameter.kind) {
    case 'media':
      return t('parameter.header.media', { mediaKind: t(`mediaKinds.${parameter.media_kind ?? 'document'}`) });
    case 'one_time_password':
      return t('parameter.body.one_time_password');
    case 'url_suffix':
      return t('parameter.button.url_suffix', { number });
    case 'coupon_code':
      return t('parameter.button.coupon_code', { number });
    case 'payload':
      return t('parameter.button.payload', { number });
    default:
      return t(parameter.component === 'header' ? 'parameter.header.text' : 'parameter.body.text', {
        placeholder: `{{${parameter.placeholder ?? ''}}}`,
      });
  }
}

/**
 * The example, whether the value is optional, and its limit: each its own line, so the example (a value the agent may
 * copy) never runs into the sentence after it. The example is quoted, so it reads as a value when spoken too.
 */
function parameterHint({ t }: I18n, parameter: ListedParameter): ReactNode {
  const parts = [
    parameter.example === null ? null : t('parameter.example', { example: parameter.example }),
    parameter.required ? null : t('parameter.optional'),
    parameter.length_max === null ? null : t('parameter.lengthMax', { lengthMax: parameter.length_max }),
  ].filter((part) => part !== null);
  if (parts.length === 0) return undefined;
  return parts.map((part, index) => (
    <Fragment key={part}>
      {index > 0 && ' '}
      <span style={{ display: 'block' }}>{part}</span>
    </Fragment>
  ));
}

/** A validation problem in the agent's language, by its stable code. */
export function problemText({ t }: I18n, problem: TemplateProblem): string {
  return t(`templateProblems.${problem.code}`, {
    lengthMax: problem.lengthMax ?? '',
    part: problem.key === 'header' || problem.key === 'body' ? t(`templateParts.${problem.key}`) : problem.key,
  });
}
