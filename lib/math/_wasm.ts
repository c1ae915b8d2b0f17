/**
 * Shared loading of the WebAssembly kernels (lib/model/level_kernel.ts, crossed_kernel.ts,
 * pattern_kernel.ts; lib/sampler/nuts_wasm.ts):
 * compiling a base64 module once per process, and making an instance whose memory has room for
 * the caller's arrays.
 *
 * @module
 */

const compiled = new Map<string, WebAssembly.Module | null>();

/**
 * The module of base64 `wasm`, compiled once; null where this runtime cannot run it (no
 * WebAssembly SIMD).
 *
 * @example
 * ```ts
 * import { kernelModule } from "./_wasm.ts";
 * console.assert(kernelModule("AAAA") === null); // not a module
 * ```
 */
export function kernelModule(wasm: string): WebAssembly.Module | null {
  if (compiled.has(wasm)) return compiled.get(wasm) ?? null;
  let module: WebAssembly.Module | null = null;
  try {
    const bytes = Uint8Array.from(atob(wasm), (c) => c.charCodeAt(0));
    module = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    module = null;
  }
  compiled.set(wasm, module);
  return module;
}

/** What every kernel exports: its memory and the first byte free for the caller's arrays. */
export interface KernelMemory {
  memory: WebAssembly.Memory;
  heapStart(): number;
}

/**
 * A fresh instance of `module` (its own memory) whose exports are `T`, the memory grown to at
 * least `bytes(heapStart)` bytes; `name` is in the abort message, `imports` the module's own
 * imports besides `env.abort` (by import module name). Throws where instantiation or growth is
 * refused (callers then fall back to JavaScript).
 *
 * @example
 * ```ts ignore
 * const exports = kernelInstance<KernelExports>(module, "crossed kernel", (start) => start + 1024);
 * ```
 */
export function kernelInstance<T extends KernelMemory>(
  module: WebAssembly.Module,
  name: string,
  bytes: (heapStart: number) => number,
  imports: WebAssembly.Imports = {},
): T {
  const abort = () => {
    throw new Error(`${name} aborted`);
  };
  const instance = new WebAssembly.Instance(module, { ...imports, env: { abort } });
  const exports = instance.exports as unknown as T;
  const end = bytes(exports.heapStart());
  const memory = exports.memory;
  if (memory.buffer.byteLength < end) {
    memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  }
  return exports;
}
