/**
 * The library API of the CLI verbs: each `saliency <verb>` is a function taking the same
 * options (flag values as strings or numbers) and returning what the verb prints with --json.
 */
export { explain, describeExplain, type ExplainOptions, type ExplainResult, type ExplainRecord, type RunRecord, type InputRecord } from './explain.js';
export { compare, type CompareOptions, type CompareResult, type CompareRecord } from './compare.js';
export { demo, describeDemo, type DemoOptions, type DemoResult } from './demo.js';
export { inspect, describeInspect } from './inspect.js';
export { verify, describeVerify, type VerifyResult } from './verify.js';
export { UsageError, BadInputError, CheckFailedError } from '../app/errors.js';
export { EXIT, exitCodeOf } from './exit.js';
export { Progress } from './progress.js';
export { openModel, type OpenedModel } from '../app/model.js';
