/**
 * Pictures: pure functions from arrays to RGBA pixels, SVG strings and plot data, shared
 * by the CLI, the HTML report and the explorer. Encoding to PNG lives in io/image.ts.
 */
export { type RgbaImage, createRgba, pixelAt, upscale } from './rgba.js';
export {
  type Layout,
  type ImageDims,
  type Map2d,
  type ChannelReduction,
  imageDims,
  exampleOf,
  indexOf,
  reduceChannels,
  toHWC,
  toCHW,
} from './layout.js';
export { resizeMap } from './resample.js';
export { percentile, scaleMagnitude, scaleSigned, capMagnitude, capSigned, type Scaled } from './normalize.js';
export {
  colourScale,
  colourise,
  colourBar,
  interpolator,
  parseColour,
  DEFAULT_SEQUENTIAL,
  DEFAULT_DIVERGING,
  DIVERGING_SCALES,
  LUT_SIZE,
  type ColourScale,
  type ColouriseOptions,
} from './colormap.js';
export { heatmap, heatmapOf, type Heatmap, type HeatmapOptions } from './heatmap.js';
export { inputImage, toGrey, type InputImageOptions } from './input.js';
export { overlay, type OverlayOptions } from './overlay.js';
export { topMask, maskedView, type MaskedViewOptions } from './mask.js';
export {
  linePlot,
  niceTicks,
  niceDomain,
  escapeXml,
  formatNumber,
  type Series,
  type ReferenceLine,
  type LinePlotOptions,
} from './svg.js';
export {
  pathCurves,
  convergencePlot,
  saturationPlot,
  ablationPlot,
  type PathCurves,
  type PathLike,
  type AblationCurve,
} from './pathPlots.js';
export { pathFigure, type PathFigure, type PathFigureOptions, type PathImagesLike } from './pathFigure.js';
export { gridSvg, gridLayout, type GridSpec, type GridRow, type GridCell, type GridImage, type GridLayout } from './grid.js';
export { panels, caption, type Panels, type PanelOptions } from './panels.js';
export { DETECTION_COLOURS, detectionPicture, mergeDetectionMaps, type MergedDetectionMaps } from './detections.js';
export { sagSvg, type SagGraphLike, type SagSvgOptions } from './sag.js';
export { sagStatsSvg, type SagStatsLike } from './sagStats.js';
export { metricCurvePlot, meanCurve, type MethodCurves } from './curvePlots.js';
