export { findAttentionTaps, tokenLayout, attentionPass, type TokenLayout, type AttentionValues } from './attention.js';
export { relevance, tokenMap, type HeadFusion } from './rollout.js';
export { upsampleGrid, type RolloutOptions, type RolloutAttribution, type TokenUpsample } from './common.js';
export { attentionRollout } from './attentionRollout.js';
export { gradientRollout } from './gradientRollout.js';
