/**
 * WebGPU adapter and device acquisition for the WebGPU backend.
 *
 * - No adapter (no driver, `DENO_WEBGPU_BACKEND=dx12` on Linux, a browser without WebGPU) is not
 *   an error here: {@link acquireGpu} returns `{ gpu: null, reason }` and the caller decides
 *   (auto → CPU, explicit "webgpu" → HetfxError).
 * - The device asks for the limits the kernels need (storage buffers per stage, buffer sizes up to
 *   the adapter's maxima).
 * - Device loss rejects all work awaited through {@link GpuContext.guard} with a HetfxError.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";

/** Something that yields an adapter (navigator.gpu by default; tests inject `null`). */
export type AdapterProvider = () => Promise<GPUAdapter | null>;

/** The default provider: `navigator.gpu.requestAdapter()`, null when WebGPU is missing. */
export const defaultAdapterProvider: AdapterProvider = async () => {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  try {
    return await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch {
    return null;
  }
};

/** Storage buffers one kernel binds (see layout.ts BUFFERS). */
export const REQUIRED_STORAGE_BUFFERS = 13;

/** A device with its adapter's name and a loss signal. */
export class GpuContext {
  readonly device: GPUDevice;
  /** Human-readable adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly adapterName: string;
  readonly isFallbackAdapter: boolean;
  #lostReason: string | null = null;
  readonly #lost: Promise<never>;

  constructor(device: GPUDevice, adapterName: string, isFallbackAdapter: boolean) {
    this.device = device;
    this.adapterName = adapterName;
    this.isFallbackAdapter = isFallbackAdapter;
    this.#lost = device.lost.then((info) => {
      this.#lostReason = `${info.reason ?? "unknown"}: ${info.message || "no message"}`;
      throw this.lostError();
    });
    // Never let the loss promise be reported as unhandled when nobody is awaiting work.
    this.#lost.catch(() => {});
  }

  /** True once the device has been lost (or destroyed). */
  get lost(): boolean {
    return this.#lostReason !== null;
  }

  /** The HetfxError thrown for work on a lost device. */
  lostError(): HetfxError {
    return new HetfxError(
      `WebGPU device lost (${this.#lostReason ?? "unknown"}) on adapter "${this.adapterName}"; ` +
        'the fit cannot continue on the GPU. Run again, or use backend "cpu".',
    );
  }

  /**
   * Awaits `work`, rejecting with a HetfxError as soon as the device is lost.
   *
   * @example
   * ```ts ignore
   * const data = await ctx.guard(buffer.mapAsync(GPUMapMode.READ));
   * ```
   */
  guard<T>(work: Promise<T>): Promise<T> {
    if (this.lost) return Promise.reject(this.lostError());
    return Promise.race([work, this.#lost]).catch(async (error) => {
      // Work on a device being lost fails first as a validation/operation error; give the loss
      // notification a moment to arrive so the caller sees why.
      if (!this.lost) {
        await Promise.race([this.#lost.catch(() => {}), new Promise((r) => setTimeout(r, 100))]);
      }
      throw this.lost ? this.lostError() : error;
    });
  }

  /** Releases the device (later work rejects as lost). */
  destroy(): void {
    this.device.destroy();
  }
}

/** Result of {@link acquireGpu}: a context, or null with the reason. */
export type GpuAcquisition = { gpu: GpuContext; reason: string } | { gpu: null; reason: string };

/** Adapter name from GPUAdapterInfo (description, else vendor/architecture). */
export function adapterName(adapter: GPUAdapter): string {
  const info = adapter.info;
  return info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(
    " ",
  ) || "unknown adapter";
}

/**
 * Requests an adapter and a device with the limits the hetfx kernels need.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./device.ts";
 * const { gpu, reason } = await acquireGpu({ provider: () => Promise.resolve(null) });
 * console.assert(gpu === null && reason.includes("no WebGPU adapter"));
 * ```
 */
export async function acquireGpu(
  options: { provider?: AdapterProvider } = {},
): Promise<GpuAcquisition> {
  const adapter = await (options.provider ?? defaultAdapterProvider)();
  if (adapter === null) {
    return {
      gpu: null,
      reason: "no WebGPU adapter (navigator.gpu.requestAdapter() returned null; on Linux install " +
        "a Vulkan driver, e.g. mesa-vulkan-drivers for lavapipe)",
    };
  }
  const name = adapterName(adapter);
  const l = adapter.limits;
  if (l.maxStorageBuffersPerShaderStage < REQUIRED_STORAGE_BUFFERS) {
    return {
      gpu: null,
      reason: `adapter "${name}" allows ${l.maxStorageBuffersPerShaderStage} storage buffers ` +
        `per shader stage; the hetfx kernels need ${REQUIRED_STORAGE_BUFFERS}`,
    };
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBuffersPerShaderStage: REQUIRED_STORAGE_BUFFERS,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxTextureDimension2D: l.maxTextureDimension2D,
      },
    });
  } catch (error) {
    return {
      gpu: null,
      reason: `adapter "${name}" refused a device: ${(error as Error).message}`,
    };
  }
  return {
    gpu: new GpuContext(device, name, adapter.info.isFallbackAdapter ?? false),
    reason: `WebGPU adapter "${name}"`,
  };
}
