export { renderText, colorEnabled, type TextOptions } from './text.ts';
export { renderJson, maskPlan } from './json.ts';
export { renderMarkdown, type MarkdownOptions } from './markdown.ts';
export { summaryLine, hasChanges, NO_CHANGES } from './summary.ts';
export { renderEmissionImpactText, renderEmissionImpactMarkdown, emissionImpactJson, type EmissionImpactSection } from './emission-impact.ts';
