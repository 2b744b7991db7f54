/**
 * The self-contained HTML report: data in (types.ts), one HTML string out (html.ts).
 */
export { renderReport, escapeHtml, formatMs, formatValue } from './html.js';
export type { ReportData, ReportSection, ReportColumn, ReportRow, ReportCell, ReportPath, ReportImage, ReportPrediction, ReportEvaluation, ReportScore, ReportFigure, ReportFigures } from './types.js';
export { environment, READING_NOTES } from './notes.js';
