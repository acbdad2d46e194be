/*
 * The template parameter model: what a WhatsApp template needs, whether given values fit, how the message
 * will look, and Meta's send components. Pure functions without I/O or Node-only APIs, shared by the bridge
 * and the sidebar panel.
 */
export {
  isOneTimePasswordButton,
  placeholdersOf,
  type TemplateMediaKind,
  unsupportedTemplateFeatures,
} from './anatomy.js';
export {
  buildTemplateComponents,
  type TemplateSendComponent,
  type TemplateSendMediaParameter,
  type TemplateSendParameter,
  type TemplateSendTextParameter,
  TemplateValuesError,
} from './components.js';
export {
  bodyOnlyTextLengthMax,
  bodyTextLengthMax,
  buttonUrlLengthMax,
  consecutiveSpacesMax,
  countMetaCharacters,
  couponCodeLengthMax,
  headerTextLengthMax,
  oneTimePasswordLengthMax,
} from './limits.js';
export {
  listedParameters,
  type TemplateParameter,
  type TemplateParameterKind,
  templateParameters,
} from './parameters.js';
export {
  renderTemplatePreview,
  type TemplatePreview,
  type TemplatePreviewButton,
  type TemplatePreviewButtonKind,
  type TemplatePreviewHeader,
  type TemplatePreviewOptions,
} from './preview.js';
export { type TemplateProblem, type TemplateProblemCode, templateProblemCodes } from './problems.js';
export * from './schema.js';
export { validateTemplateValues } from './validate.js';
export {
  mediaReferenceOf,
  type TemplateMediaValue,
  type TemplateValue,
  type TemplateValues,
  templateExampleValues,
} from './values.js';
