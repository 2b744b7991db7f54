/**
 * Region methods: XRAI (regions ranked by attribution density). See docs/regions.md.
 */
export { xrai, XRAI_OPTIONS, type XraiOptions, type XraiResult } from './xrai.js';
export { xraiRanking, XRAI_RANKING, type XraiRanking, type XraiRankingOptions } from './xraiRanking.js';
