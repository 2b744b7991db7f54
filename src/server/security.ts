/**
 * What the explorer's server lets in and out: upload caps, content sniffing by magic
 * bytes, and the response headers (strict CSP; COOP/COEP so onnxruntime-web may use
 * SharedArrayBuffer, i.e. wasm threads).
 */

/** Largest uploads accepted: models and images (bytes). */
export const LIMITS = { model: 512 * 1024 * 1024, image: 50 * 1024 * 1024 } as const;

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp';

const startsWith = (b: Uint8Array, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

/** The image format by its first bytes (never by name or Content-Type), or undefined. */
export function sniffImage(b: Uint8Array): ImageKind | undefined {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return undefined;
}

/**
 * Whether bytes look like an ONNX ModelProto: a protobuf whose first field is
 * ir_version (field 1, varint: tag 0x08) with a small version number.
 */
export function sniffOnnx(b: Uint8Array): boolean {
  return b.length > 16 && b[0] === 0x08 && b[1] > 0 && b[1] < 64;
}

/** Response headers of every reply. */
export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      // onnxruntime-web compiles its wasm; no inline or eval'd JavaScript
      "script-src 'self' 'wasm-unsafe-eval'",
      "worker-src 'self' blob:",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "connect-src 'self' blob: data:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}
