import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  preprocessingFor,
  preprocessingFromFlags,
  readLabels,
  resolvePreprocessing,
  sidecarPath,
  validatePreprocessing,
  PreprocessingError,
  checkLabelCount,
  describeAssumptions,
} from './preprocess.js';

const dir = mkdtempSync(join(tmpdir(), 'saliency-prep-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the sidecar sits next to the model; flags override it; labels resolve against it', () => {
  assert.equal(sidecarPath('/m/resnet.onnx'), '/m/resnet.preprocess.json');
  assert.equal(sidecarPath('/m/tfjs/model.json'), '/m/tfjs/model.preprocess.json');
  mkdirSync(join(dir, 'modeldir'));
  assert.equal(sidecarPath(join(dir, 'modeldir')), join(dir, 'modeldir', 'preprocess.json'));
  writeFileSync(join(dir, 'net.preprocess.json'), JSON.stringify({ preset: 'imagenet', labels: 'classes.txt' }));
  writeFileSync(join(dir, 'classes.txt'), 'cat\ndog\n');
  const p = preprocessingFor(join(dir, 'net.onnx'), preprocessingFromFlags({ size: '256', mean: '0.5' }));
  assert.equal(p.size, 256);
  assert.deepEqual(p.mean, [0.5]);
  assert.deepEqual(p.std, [0.229, 0.224, 0.225]);
  assert.equal(p.labels, join(dir, 'classes.txt'));
  assert.deepEqual(resolvePreprocessing(p).labels, ['cat', 'dog']);
  assert.deepEqual(preprocessingFor(join(dir, 'other.onnx')), {}); // no sidecar: nothing
});

test('the shape fills in size, channels and layout, and mismatches are named', () => {
  const r = resolvePreprocessing({}, [3, 224, 224]);
  assert.deepEqual([r.height, r.width, r.channels, r.layout, r.resize], [224, 224, 'RGB', 'NCHW', 'crop']);
  assert.deepEqual(r.shape, [3, 224, 224]);
  assert.deepEqual(resolvePreprocessing({}, [299, 299, 3]).shape, [299, 299, 3]);
  assert.deepEqual(resolvePreprocessing({}, [1, 28, 28]).channels, 'L');
  assert.deepEqual(resolvePreprocessing({ size: 28, channels: 'L' }, [784]).shape, [784]);
  assert.throws(() => resolvePreprocessing({ size: 256 }, [3, 224, 224]), /size 256x256 does not match the model's input 224x224/);
  assert.throws(() => resolvePreprocessing({ channels: 'L' }, [3, 8, 8]), /1 channel\(s\) but the model's input has 3/);
  assert.throws(() => resolvePreprocessing({ mean: [1, 2] }, [3, 8, 8]), /mean has 2 values but the image has 3/);
  assert.throws(() => resolvePreprocessing({}), /input size is unknown/);
});

test('bad descriptions and flags are refused with the key or flag named', () => {
  assert.throws(() => validatePreprocessing({ resize: 'zoom' }, 'x.json'), /x\.json: 'resize' must be 'stretch', 'crop' or 'pad', got "zoom"/);
  assert.throws(() => validatePreprocessing({ colour: 1 }, 'x.json'), /unknown key 'colour'/);
  assert.throws(() => validatePreprocessing({ std: [1, 0] }, 'x.json'), /'std' must be a positive number/);
  assert.throws(() => validatePreprocessing({ preset: 'nope' }, 'x.json'), /unknown preset 'nope'/);
  assert.throws(() => preprocessingFromFlags({ size: '22a' }), /--size must be N or HxW/);
  assert.throws(() => preprocessingFromFlags({ mean: '0.1,x' }), /--mean must be numbers/);
  assert.throws(() => preprocessingFromFlags({ range: '1,0' }), PreprocessingError);
  writeFileSync(join(dir, 'bad.json'), '{ nope');
  assert.throws(() => preprocessingFromFlags({ preprocess: join(dir, 'bad.json') }), /bad\.json is not valid JSON/);
  assert.deepEqual(preprocessingFromFlags({ size: '224x200', layout: 'nhwc', channels: 'bgr', range: '0,255' }), {
    size: [224, 200],
    layout: 'NHWC',
    channels: 'BGR',
    pixelRange: [0, 255],
  });
});

test('labels files: text lines, a JSON array, a Keras class index', () => {
  writeFileSync(join(dir, 'l.txt'), 'a\r\n\nb c\n\n');
  assert.deepEqual(readLabels(join(dir, 'l.txt')), ['a', '', 'b c']); // inner blank lines keep the numbering
  writeFileSync(join(dir, 'l.json'), '["x", "y"]');
  assert.deepEqual(readLabels(join(dir, 'l.json')), ['x', 'y']);
  writeFileSync(join(dir, 'k.json'), '{"1": ["n02", "goldfish"], "0": ["n01", "tench"]}');
  assert.deepEqual(readLabels(join(dir, 'k.json')), ['tench', 'goldfish']);
  assert.throws(() => readLabels(join(dir, 'none.txt')), /cannot read labels file .*none\.txt/);
});

test('every guess is listed with the flag that sets it; a full description guesses nothing', () => {
  const guessed = resolvePreprocessing({}, [3, 32, 32]);
  assert.deepEqual(
    guessed.assumed.map((a) => [a.key, a.value, a.flag]),
    [
      ['layout', 'NCHW', '--layout'],
      ['channels', 'RGB', '--channels'],
      ['resize', 'crop', '--resize'],
      ['cropFraction', 1, '--crop-fraction'],
      ['pixelRange', [0, 1], '--range'],
      ['mean', 0, '--mean'],
      ['std', 1, '--std'],
    ],
  );
  assert.deepEqual(describeAssumptions(guessed.assumed.slice(4, 5)), ['pixelRange = [0,1] (default: pixels / 255; set with --range)']);
  const full = resolvePreprocessing(preprocessingFromFlags({ preprocess: 'imagenet' }), [3, 224, 224]);
  assert.deepEqual(full.assumed, []);
  // one grey channel is not a guess; channels last from the shape is
  assert.deepEqual(resolvePreprocessing({ pixelRange: [0, 1], mean: 0, std: 1, resize: 'stretch' }, [28, 28, 1]).assumed.map((a) => a.key), ['layout']);
});

test('a label file must have one name per model output', () => {
  const file = join(dir, 'imagenet-with-header.txt');
  writeFileSync(file, ['class names', ...Array.from({ length: 10 }, (_, i) => `c${i}`)].join('\n') + '\n');
  assert.throws(() => resolvePreprocessing({ labels: file }, [3, 8, 8], { outputs: 10 }), /has 11 names but the model has 10 outputs \(a header line/);
  assert.throws(() => checkLabelCount(['a', 'b'], 3, 'l.txt'), /background class at index 0/);
  assert.doesNotThrow(() => resolvePreprocessing({ labels: file }, [3, 8, 8], { outputs: 11 }));
});

test('an unknown --preprocess preset lists the presets; a missing file is named plainly', () => {
  assert.throws(() => preprocessingFromFlags({ preprocess: 'imagenett' }), /'imagenett' is not a preset \(presets: imagenet, keras-tf\)/);
  assert.throws(() => preprocessingFromFlags({ preprocess: join(dir, 'nope.json') }), (e: Error) => /cannot read preprocessing file .*nope\.json: no such file$/.test(e.message));
});
