/**
 * Real models shipped by the `@vladmandic/human` npm package (models/ folder, tfjs graph
 * models), loaded offline. Each entry says which output is explained and how its input is
 * prepared (as Human itself does):
 *
 *   centernet  COCO object detector, 512 x 512 RGB in 0..255 (NHWC); output 'tower_0/detections'
 *              [100, 6]: x1, y1, x2, y2 (input pixels), score, class id (COCO, 0 = person)
 *   faceres    face description: 224 x 224 RGB in 0..1 (NHWC); output 'global_pooling/Mean',
 *              a 1024-value embedding (the cosine similarity target applies)
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { loadTfjsModel, type TfjsModel, type TfjsModelOptions } from './model.js';

/** COCO's 80 detection classes, in CenterNet's class-id order (0 = person). */
export const COCO_CLASSES = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
  'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
  'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
  'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
  'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant',
  'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
  'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush',
] as const;

export const HUMAN_MODELS = {
  centernet: {
    file: 'centernet.json',
    output: 'tower_0/detections',
    input: { height: 512, width: 512, pixelRange: [0, 255] as [number, number] },
    /** A detection layout (targets/detection.ts): rows of box, score, class id. */
    detections: { detections: 100, stride: 6, box: 0, boxFormat: 'xyxy' as const, scores: 4, classId: 5 },
  },
  faceres: {
    file: 'faceres.json',
    output: 'global_pooling/Mean',
    input: { height: 224, width: 224, pixelRange: [0, 1] as [number, number] },
  },
} as const;

export type HumanModelName = keyof typeof HUMAN_MODELS;

/** The model.json of a model shipped with @vladmandic/human. */
export function humanModelPath(name: HumanModelName): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('@vladmandic/human');
  } catch {
    throw new Error('the @vladmandic/human package is not installed (npm install @vladmandic/human): its models/ folder holds the detector and face models');
  }
  const path = join(dirname(entry), '..', 'models', HUMAN_MODELS[name].file);
  if (!existsSync(path)) throw new Error(`@vladmandic/human ships no ${HUMAN_MODELS[name].file} at ${path}`);
  return path;
}

/**
 * CenterNet's class names as @vladmandic/human ships them (src/object/labels.ts: `{ class: 1,
 * label: 'person' }, ...` in class-id order, the list Human itself names detections with), or
 * undefined when the package or the file is missing or holds no list.
 */
export function humanLabels(): string[] | undefined {
  let file: string;
  try {
    file = join(dirname(humanModelPath('centernet')), '..', 'src', 'object', 'labels.ts');
  } catch {
    return undefined;
  }
  if (!existsSync(file)) return undefined;
  const labels = [...readFileSync(file, 'utf8').matchAll(/\{\s*class:\s*(\d+),\s*label:\s*'([^']*)'\s*\}/g)];
  // class ids are 1-based and consecutive; anything else is a list this reader does not understand
  if (labels.length === 0 || labels.some((m, i) => Number(m[1]) !== i + 1)) return undefined;
  return labels.map((m) => m[2]);
}

/** Load a Human model with its explained output chosen. */
export function loadHumanModel(name: HumanModelName, options: TfjsModelOptions = {}): Promise<TfjsModel> {
  return loadTfjsModel(humanModelPath(name), { output: HUMAN_MODELS[name].output, inputRange: [...HUMAN_MODELS[name].input.pixelRange], ...options });
}
