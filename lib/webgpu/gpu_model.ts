/**
 * A compiled model on the GPU for NC chains: the buffers of layout.ts, the compute pipelines of
 * log_density.wgsl and chees.wgsl, and the dispatches that evaluate the log density and gradient
 * of every chain at once (4 dispatches) or take a leapfrog step (the same 4, with the update
 * fused). See {@link GpuModel.evaluate} for a one-off evaluation (tests, initial points).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import type { GpuContext } from "./device.ts";
import {
  type BufferName,
  BUFFERS,
  buildLayout,
  CONTROL_BINDING,
  CONTROL_BYTES,
  type LayoutOptions,
  LOOP_LIMIT,
  type ModelLayout,
  NSCAL,
  patternLoop,
  S,
  TEXTURE_BINDING,
} from "./layout.ts";
import commonWgsl from "./common.wgsl" with { type: "text" };
import rngWgsl from "./rng.wgsl" with { type: "text" };
import logDensityWgsl from "./log_density.wgsl" with { type: "text" };
import cheesWgsl from "./chees.wgsl" with { type: "text" };

/** Leapfrog fusion mode of the gradient kernels (see log_density.wgsl). */
export type StepMode = 0 | 1 | 2;

/** The control block (common.wgsl `struct Control`). */
export interface Control {
  eps: number;
  tn: number;
  iteration: number;
  seed: number;
  stream: number;
  /** Draw slot to record into, or -1 for none. */
  slot: number;
  rejectAll: boolean;
}

/** Options of {@link GpuModel.create}. */
export interface GpuModelOptions extends LayoutOptions {
  /** Number of draw slots kept on the GPU between read-backs (default: what fits in 64 MiB). */
  drawSlots?: number;
  /** "evaluate": only the gradient-only pipelines (faster setup); default "all" (sampling too). */
  kernels?: "evaluate" | "all";
}

const MAX_DISPATCH = 65535;
const CHEES_ENTRIES = [
  ["begin", "begin"],
  ["finish", "finish"],
  ["means", "means"],
  ["cheesStat", "chees_stat"],
  ["window", "window"],
] as const;

/** Compiled model state and pipelines on one device. */
export class GpuModel {
  readonly ctx: GpuContext;
  readonly layout: ModelLayout;
  readonly drawSlots: number;
  readonly buffers: Record<BufferName, GPUBuffer>;
  readonly control: GPUBuffer;
  /** The pattern rows (rgba32float; layout.ts). */
  readonly rowTexture: GPUTexture;
  readonly #bindGroup: GPUBindGroup;
  readonly #pipelines: Record<string, GPUComputePipeline>;
  readonly #controlWords = new ArrayBuffer(CONTROL_BYTES);
  #destroyed = false;

  private constructor(
    ctx: GpuContext,
    layout: ModelLayout,
    drawSlots: number,
    buffers: Record<BufferName, GPUBuffer>,
    control: GPUBuffer,
    rowTexture: GPUTexture,
    bindGroup: GPUBindGroup,
    pipelines: Record<string, GPUComputePipeline>,
  ) {
    this.ctx = ctx;
    this.layout = layout;
    this.drawSlots = drawSlots;
    this.buffers = buffers;
    this.control = control;
    this.rowTexture = rowTexture;
    this.#bindGroup = bindGroup;
    this.#pipelines = pipelines;
  }

  /**
   * Packs `data` for `chains` chains, uploads it and compiles the kernels. Throws HetfxError when
   * the model does not fit the device's limits.
   *
   * @example
   * ```ts ignore
   * const { gpu } = await acquireGpu();
   * const model = await GpuModel.create(gpu!, compileModel(spec, table), 256);
   * ```
   */
  static async create(
    ctx: GpuContext,
    data: CompiledData,
    chains: number,
    options: GpuModelOptions = {},
  ): Promise<GpuModel> {
    const device = ctx.device;
    const layout = layoutForDevice(device, data, chains, options);
    const state = layout.dim * chains * 4;
    const drawSlots = options.drawSlots ??
      Math.max(1, Math.min(256, Math.floor((64 << 20) / Math.max(state, 1))));
    const sizes = bufferSizes(layout, drawSlots, device.limits.maxStorageBufferBindingSize);
    device.pushErrorScope("validation");
    device.pushErrorScope("out-of-memory");
    const { buffers, rowTexture } = uploadModel(device, layout, sizes);
    const control = device.createBuffer({
      label: "control",
      size: CONTROL_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const { bindGroup, pipelineLayout } = bindResources(device, buffers, control, rowTexture);
    const pipelines = await compilePipelines(device, layout, pipelineLayout, options.kernels);
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    const error = invalid ?? oom;
    if (error) {
      for (const b of Object.values(buffers)) b.destroy();
      rowTexture.destroy();
      throw new HetfxError(`Cannot set up the WebGPU backend: ${error.message}`);
    }
    return new GpuModel(
      ctx,
      layout,
      drawSlots,
      buffers,
      control,
      rowTexture,
      bindGroup,
      pipelines,
    );
  }

  /** Writes the control block (takes effect for work submitted afterwards). */
  writeControl(c: Control): void {
    const f = new Float32Array(this.#controlWords);
    const u = new Uint32Array(this.#controlWords);
    f[0] = c.eps;
    f[1] = c.tn;
    u[2] = c.iteration >>> 0;
    u[3] = ((c.seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
    u[4] = Math.floor(c.seed / 2 ** 32) >>> 0;
    u[5] = c.stream >>> 0;
    u[6] = c.slot < 0 ? 0xffffffff : c.slot;
    u[7] = c.rejectAll ? 1 : 0;
    this.ctx.device.queue.writeBuffer(this.control, 0, u);
  }

  #dispatch(pass: GPUComputePassEncoder, name: string, x: number, y = 1, z = 1): void {
    pass.setPipeline(this.#pipelines[name]);
    pass.dispatchWorkgroups(x, y, z);
  }

  /** Workgroups (x: blocks of 64 chains, y/z: `items`), item = wid.y + wid.z · nwg.y. */
  #dispatchItems(pass: GPUComputePassEncoder, name: string, items: number): void {
    const y = Math.min(items, MAX_DISPATCH);
    this.#dispatch(pass, name, Math.ceil(this.layout.chains / 64), y, Math.ceil(items / y));
  }

  /** Dispatch of `n` invocations laid out linearly (x, then y rows of x workgroups). */
  #dispatchLinear(pass: GPUComputePassEncoder, name: string, n: number): void {
    const groups = Math.max(1, Math.ceil(n / 64));
    const x = Math.min(groups, MAX_DISPATCH);
    this.#dispatch(pass, name, x, Math.ceil(groups / x));
  }

  /** pattern_likelihood: x blocks of chainsPerWorkgroup chains, y/z blocks of `planes` chunks. */
  #dispatchLikelihood(pass: GPUComputePassEncoder): void {
    const L = this.layout;
    const items = Math.ceil(L.nChunks / L.planes);
    const y = Math.min(items, MAX_DISPATCH);
    const blocks = Math.ceil(L.chains / L.chainsPerWorkgroup);
    this.#dispatch(pass, "likelihood", blocks, y, Math.ceil(items / y));
  }

  /**
   * The gradient dispatches (likelihood, backward, reduce, finalize); `mode` fuses the leapfrog
   * update (log_density.wgsl).
   */
  encodeGradient(pass: GPUComputePassEncoder, mode: StepMode, only = -1): void {
    const L = this.layout;
    pass.setBindGroup(0, this.#bindGroup);
    if (only >= 0) {
      if (only === 0) {
        if (L.cells) this.#dispatchItems(pass, "likelihood", L.nCells);
        else this.#dispatchLikelihood(pass);
      }
      if (only === 1) this.#dispatchLinear(pass, `backward${mode}`, L.nGroups * L.chains);
      if (only === 2) this.#dispatchFinalize(pass, mode);
      return;
    }
    if (L.cells) {
      this.#dispatchItems(pass, "likelihood", L.nCells);
    } else {
      this.#dispatchLikelihood(pass);
    }
    if (L.nGroups > 0) this.#dispatchLinear(pass, `backward${mode}`, L.nGroups * L.chains);
    this.#dispatchFinalize(pass, mode);
  }

  /** reduce_sums (a workgroup per row and chain), then finalize (an invocation per chain). */
  #dispatchFinalize(pass: GPUComputePassEncoder, mode: StepMode): void {
    this.#dispatch(pass, "reduce", this.layout.nReduceRows, this.layout.chains);
    this.#dispatch(pass, `finalize${mode}`, Math.ceil(this.layout.chains / 64));
  }

  /** Encodes one per-chain or per-element ChEES kernel (chees.wgsl). */
  encodeChees(
    pass: GPUComputePassEncoder,
    name: "begin" | "finish" | "means" | "cheesStat" | "window",
  ): void {
    pass.setBindGroup(0, this.#bindGroup);
    if (name === "means" || name === "window") {
      this.#dispatchLinear(pass, name, this.layout.dim);
    } else {
      // A workgroup per chain (chees.wgsl chain_of): x, then rows of y.
      const x = Math.min(this.layout.chains, MAX_DISPATCH);
      this.#dispatch(pass, name, x, Math.ceil(this.layout.chains / x));
    }
  }

  /** Uploads chain-minor data (length dim × chains) into a state buffer. */
  upload(name: BufferName, values: Float32Array<ArrayBuffer>, byteOffset = 0): void {
    this.ctx.device.queue.writeBuffer(this.buffers[name], byteOffset, values);
  }

  /** Copies `byteLength` bytes of a buffer back to the host. */
  async read(name: BufferName, byteOffset = 0, byteLength?: number): Promise<Float32Array> {
    const src = this.buffers[name];
    const size = byteLength ?? src.size - byteOffset;
    const device = this.ctx.device;
    const staging = device.createBuffer({
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(src, byteOffset, staging, 0, size);
      device.queue.submit([encoder.finish()]);
      await this.ctx.guard(staging.mapAsync(GPUMapMode.READ));
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      staging.destroy();
    }
  }

  /**
   * Log density and gradient at one point per chain (`thetas[c]`, length dim each); also leaves
   * them in the chain state (scal lp, grad) for a sampler to start from.
   *
   * @example
   * ```ts ignore
   * const { lp, grad } = await model.evaluate([theta0, theta1]);
   * ```
   */
  async evaluate(
    thetas: readonly ArrayLike<number>[],
  ): Promise<{ lp: Float64Array; grad: Float64Array[] }> {
    const { dim, chains } = this.layout;
    if (thetas.length !== chains) {
      throw new Error(`evaluate: expected ${chains} points, got ${thetas.length}`);
    }
    const packed = new Float32Array(dim * chains);
    thetas.forEach((t, c) => {
      for (let e = 0; e < dim; e++) packed[e * chains + c] = t[e];
    });
    this.upload("theta", packed);
    this.writeControl({
      eps: 0,
      tn: 0,
      iteration: 0,
      seed: 0,
      stream: 0,
      slot: -1,
      rejectAll: false,
    });
    const encoder = this.ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    this.encodeGradient(pass, 0);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
    const lp32 = await this.read("scal", S.lp * chains * 4, chains * 4);
    const g32 = await this.read("grad", 0, dim * chains * 4);
    const grad = thetas.map((_, c) => {
      const g = new Float64Array(dim);
      for (let e = 0; e < dim; e++) g[e] = g32[e * chains + c];
      return g;
    });
    return { lp: Float64Array.from(lp32), grad };
  }

  /** Submits an encoder built by `build` as one compute pass. */
  submit(build: (pass: GPUComputePassEncoder) => void): void {
    const encoder = this.ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    build(pass);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** Frees the GPU buffers. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const b of Object.values(this.buffers)) b.destroy();
    this.control.destroy();
    this.rowTexture.destroy();
  }
}

async function compileModule(
  device: GPUDevice,
  label: string,
  code: string,
): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === "error");
  if (errors.length) {
    const lines = code.split("\n");
    const text = errors.map((m) =>
      `${label}:${m.lineNum}:${m.linePos}: ${m.message}\n  ${lines[m.lineNum - 1] ?? ""}`
    ).join("\n");
    throw new Error(`WGSL compilation failed:\n${text}`);
  }
  return module;
}

/** Bytes of the likelihood partials buffer (chunks × accumulators × chains). */
function partialBytes(l: ModelLayout): number {
  return l.nChunks * l.nAcc * l.chains * 4;
}

/**
 * The layout within the device's texture size; when the partials exceed the binding limit and
 * the chunk size was not given, larger chunks while cells are large enough for that to help.
 */
function layoutForDevice(
  device: GPUDevice,
  data: CompiledData,
  chains: number,
  options: GpuModelOptions,
): ModelLayout {
  const maxTexture = device.limits.maxTextureDimension2D;
  const limit = device.limits.maxStorageBufferBindingSize;
  const layoutOptions = {
    ...options,
    textureWidth: options.textureWidth ?? Math.min(8192, 2 ** Math.floor(Math.log2(maxTexture))),
    maxTextureHeight: options.maxTextureHeight ?? maxTexture,
  };
  let layout = buildLayout(data, chains, layoutOptions);
  for (let size = 8192; options.chunkSize === undefined && size < LOOP_LIMIT; size *= 2) {
    if (partialBytes(layout) <= limit) break;
    const larger = buildLayout(data, chains, { ...layoutOptions, chunkSize: size });
    if (larger.nChunks === layout.nChunks) break;
    layout = larger;
  }
  return layout;
}

/** Each buffer's size in bytes; a HetfxError naming the first over the binding `limit`. */
function bufferSizes(
  layout: ModelLayout,
  drawSlots: number,
  limit: number,
): Record<BufferName, number> {
  const chains = layout.chains;
  const state = layout.dim * chains * 4;
  const sizes: Record<BufferName, number> = {
    idx: layout.data.idx.byteLength,
    modelF: layout.data.modelF.byteLength,
    theta: state,
    mom: state,
    grad: state,
    q0: state,
    g0: state,
    scal: NSCAL * chains * 4,
    dimbuf: 6 * layout.dim * 4,
    partials: partialBytes(layout),
    gpart: layout.nGroupPartials * chains * 4,
    draws: drawSlots * state,
    dstats: drawSlots * 4 * chains * 4,
  };
  for (const [name, size] of Object.entries(sizes)) {
    if (size > limit) {
      throw new HetfxError(
        `Cannot use the WebGPU backend: buffer "${name}" needs ${(size / 2 ** 20).toFixed(0)} ` +
          `MiB, more than the ${(limit / 2 ** 20).toFixed(0)} MiB the adapter binds; use fewer ` +
          'chains, a larger chunkSize or backend "cpu".',
      );
    }
  }
  return sizes;
}

/** Creates the storage buffers and the row texture, and writes the model's data (metric: 1). */
function uploadModel(device: GPUDevice, layout: ModelLayout, sizes: Record<BufferName, number>) {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const buffers = {} as Record<BufferName, GPUBuffer>;
  for (const [name] of BUFFERS) {
    buffers[name] = device.createBuffer({
      label: name,
      size: Math.max(16, Math.ceil(sizes[name] / 4) * 4),
      usage,
    });
  }
  for (const name of ["idx", "modelF"] as const) {
    const values = layout.data[name];
    if (values.length > 0) device.queue.writeBuffer(buffers[name], 0, values);
  }
  const textureSize = [layout.textureWidth, layout.textureHeight];
  const rowTexture = device.createTexture({
    label: "rows",
    size: textureSize,
    format: "rgba32float",
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
  });
  device.queue.writeTexture(
    { texture: rowTexture },
    layout.data.rows,
    { bytesPerRow: layout.textureWidth * 16, rowsPerImage: layout.textureHeight },
    textureSize,
  );
  const ones = new Float32Array(layout.dim).fill(1);
  device.queue.writeBuffer(buffers.dimbuf, 0, ones);
  return { buffers, rowTexture };
}

/** The bind group of every buffer, the control block and the texture, and its pipeline layout. */
function bindResources(
  device: GPUDevice,
  buffers: Record<BufferName, GPUBuffer>,
  control: GPUBuffer,
  rowTexture: GPUTexture,
) {
  const bindGroupLayout = device.createBindGroupLayout({
    entries: [
      ...BUFFERS.map((_, binding) => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: "storage" as const },
      })),
      {
        binding: CONTROL_BINDING,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: "uniform" as const },
      },
      {
        binding: TEXTURE_BINDING,
        visibility: GPUShaderStage.COMPUTE,
        texture: { sampleType: "unfilterable-float" as const },
      },
    ],
  });
  const bindGroup = device.createBindGroup({
    layout: bindGroupLayout,
    entries: [
      ...BUFFERS.map(([name], binding) => ({ binding, resource: { buffer: buffers[name] } })),
      { binding: CONTROL_BINDING, resource: { buffer: control } },
      { binding: TEXTURE_BINDING, resource: rowTexture.createView() },
    ],
  });
  const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
  return { bindGroup, pipelineLayout };
}

/**
 * Compiles log_density.wgsl (with the family's WGSL and the unrolled pattern loop) and, unless
 * only evaluation is asked for, chees.wgsl; returns the pipelines by name.
 */
async function compilePipelines(
  device: GPUDevice,
  layout: ModelLayout,
  pipelineLayout: GPUPipelineLayout,
  kernels: GpuModelOptions["kernels"],
): Promise<Record<string, GPUComputePipeline>> {
  const prefix = layout.header + commonWgsl + rngWgsl;
  const loop = patternLoop(
    {
      cpi: layout.chainsPerInvocation,
      cw: layout.chainSlotsPerWorkgroup,
      pl: layout.planes,
    },
    layout,
    layout.nB,
    layout.D,
    layout.KT,
    layout.extraPartials,
    layout,
  );
  const logDensity = await compileModule(
    device,
    "log_density.wgsl",
    prefix + layout.familyWgsl + logDensityWgsl.replace("//@PATTERN_LOOP", loop),
  );
  const chees = kernels === "evaluate"
    ? null
    : await compileModule(device, "chees.wgsl", prefix + cheesWgsl);
  const make = (module: GPUShaderModule, entryPoint: string, mode?: StepMode) =>
    device.createComputePipelineAsync({
      layout: pipelineLayout,
      compute: {
        module,
        entryPoint,
        ...(mode === undefined ? {} : { constants: { MODE: mode } }),
      },
    });
  const all = kernels !== "evaluate";
  const entries: [string, Promise<GPUComputePipeline>][] = [
    ["likelihood", make(logDensity, layout.cells ? "gaussian_cells" : "pattern_likelihood")],
    ["reduce", make(logDensity, "reduce_sums")],
  ];
  if (all) {
    for (const [name, entry] of CHEES_ENTRIES) entries.push([name, make(chees!, entry)]);
  }
  for (const mode of all ? [0, 1, 2] as const : [0] as const) {
    entries.push([`backward${mode}`, make(logDensity, "varying_backward", mode)]);
    entries.push([`finalize${mode}`, make(logDensity, "finalize", mode)]);
  }
  const pipelines: Record<string, GPUComputePipeline> = {};
  for (const [name, p] of entries) pipelines[name] = await p;
  return pipelines;
}
