/** Small helpers for reading plain-JSON specs in tests. */

/** The value at `path` inside nested objects and arrays, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let v: unknown = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** `at(...)` that must be an array. */
export function arr(value: unknown, ...path: (string | number)[]): unknown[] {
  const v = at(value, ...path);
  if (!Array.isArray(v)) throw new Error(`not an array at ${path.join(".")}`);
  return v;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
