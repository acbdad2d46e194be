/*
 * The opt-in registry's rules: topics and which template needs which, consent records and the current
 * state they add up to, opt-out keywords, the send policy and the opt-out routes, and CSV import and
 * export. Pure functions without I/O or Node-only APIs, shared by the bridge and the sidebar panel.
 */
export * from './consent.js';
export * from './csv.js';
export {
  type CsvReadResult,
  type CsvRecord,
  type CsvStreamHandlers,
  CsvStreamReader,
  type CsvSyntaxError,
  csvCell,
  csvLine,
  readCsv,
  restoreFormulaCell,
} from './csv-format.js';
export * from './keywords.js';
export * from './policy.js';
export { foldText } from './text.js';
export * from './topics.js';
