/**
 * NUTS transitions in WebAssembly (source: tools/wasm/nuts_kernel.ts; the module is
 * lib/sampler/nuts_kernel_wasm.ts): the same transition as {@link NutsWorkspace} in nuts.ts, with
 * the same arithmetic in the same order and the same random numbers (the caller's KeyedStream,
 * continued in the kernel and handed back), so the two give the same draws bit for bit (tests
 * check it; nuts.ts stays the reference). The target's log density and gradient stay in
 * JavaScript and are called from the kernel.
 *
 * Why: V8 compiles JavaScript again in every worker, and a worker's first chain runs the sampler
 * unoptimised while it does (bench/README.md, "Cold chains"); compiled WebAssembly runs near full
 * speed from its first call.
 *
 * Each workspace owns an instance with its own memory, sized once when it is made: the memory
 * never grows, because growing detaches its buffer and a detach throws away V8's optimised code
 * of every function that reads a typed array.
 *
 * @module
 */
import type { LogDensity } from "./log_density.ts";
import type { Metric } from "./metric.ts";
import { checkTreedepth, type NutsInfo, type NutsParams, type NutsState } from "./nuts.ts";
import type { KeyedStream } from "../math/rng.ts";
import { kernelModule } from "../math/_wasm.ts";
import { NUTS_KERNEL_WASM } from "./nuts_kernel_wasm.ts";

interface NutsKernelExports {
  heapStart(): number;
  /** An f64: exact beyond 2³² bytes. */
  workspaceBytes(dim: number, depth: number, dense: number): number;
  setup(ws: number, dim: number, depth: number, dense: number): void;
  metricAddress(): number;
  momentumFactorAddress(): number;
  resultAddress(): number;
  rngAddress(): number;
  transition(logp0: number, stepSize: number, maxTreedepth: number): number;
}

/** Dense metrics above this dimension stay in JavaScript (the workspace would hold dim² f64). */
const MAX_DENSE_DIM = 1024;
/** The largest workspace memory: its addresses must be positive as signed 32-bit integers. */
const MAX_MEMORY_BYTES = 2 ** 31;

/**
 * Scratch memory and a WebAssembly instance for NUTS transitions of one chain: the drop-in
 * twin of nuts.ts's NutsWorkspace for one metric kind. Make it with
 * {@link createWasmNutsWorkspace}, which returns null where WebAssembly is unavailable.
 */
export class WasmNutsWorkspace {
  readonly dim: number;
  readonly maxTreedepth: number;
  readonly metricKind: Metric["kind"];
  private readonly kernel: NutsKernelExports;
  private readonly memory: WebAssembly.Memory;
  // Views of the workspace's slots (one per dim-f64 array), by slot number.
  private readonly views: Float64Array[];
  private readonly base: number;
  private readonly slotBytes: number;
  private readonly metricView: Float64Array;
  private readonly momentumFactor: Float64Array;
  private readonly result: Float64Array;
  private readonly rngWords: Uint32Array;
  private readonly rngSpare: Float64Array;
  private target: LogDensity | null = null;

  constructor(dim: number, maxTreedepth: number, metricKind: Metric["kind"]) {
    const module = kernelModule(NUTS_KERNEL_WASM);
    if (!module) throw new Error("WebAssembly is unavailable");
    this.dim = dim;
    this.maxTreedepth = maxTreedepth;
    this.metricKind = metricKind;
    const dense = metricKind === "dense" ? 1 : 0;
    // A first instance on a page of its own tells where the workspace starts and how long it is,
    // so that this workspace's memory is made at its size instead of grown.
    const probe = new WebAssembly.Instance(
      module,
      this.imports(new WebAssembly.Memory({ initial: 1 })),
    ).exports as unknown as NutsKernelExports;
    const start = probe.heapStart();
    const end = start + probe.workspaceBytes(dim, maxTreedepth, dense);
    // Addresses reach JavaScript as signed 32-bit integers (the target's q and g among them):
    // the workspace must end below 2³¹ bytes (about 2.7 million parameters at tree depth 10).
    if (!(end <= MAX_MEMORY_BYTES)) {
      throw new RangeError(`the NUTS kernel's workspace would take ${end} bytes`);
    }
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) });
    this.kernel = new WebAssembly.Instance(module, this.imports(this.memory))
      .exports as unknown as NutsKernelExports;
    this.kernel.setup(start, dim, maxTreedepth, dense);
    this.base = start;
    this.slotBytes = 8 * dim;
    const buffer = this.memory.buffer;
    const metricAt = this.kernel.metricAddress();
    const slots = (metricAt - start) / this.slotBytes;
    this.views = Array.from(
      { length: slots },
      (_, k) => new Float64Array(buffer, start + k * this.slotBytes, dim),
    );
    this.metricView = new Float64Array(buffer, metricAt, dense ? dim * dim : dim);
    this.momentumFactor = new Float64Array(
      buffer,
      this.kernel.momentumFactorAddress(),
      dense ? dim * dim : dim,
    );
    this.result = new Float64Array(buffer, this.kernel.resultAddress(), 8);
    const rngAt = this.kernel.rngAddress();
    this.rngWords = new Uint32Array(buffer, rngAt, 12);
    this.rngSpare = new Float64Array(buffer, rngAt + 48, 1);
  }

  private imports(memory: WebAssembly.Memory): WebAssembly.Imports {
    return {
      env: {
        memory,
        abort: () => {
          throw new Error("NUTS kernel aborted");
        },
      },
      nuts_kernel: {
        logDensityGradient: (q: number, g: number) =>
          this.target!.logDensityGradient(this.view(q), this.view(g)),
        hostExp: Math.exp,
        hostLog1p: Math.log1p,
        hostLog: Math.log,
        hostSin: Math.sin,
        hostCos: Math.cos,
      },
    };
  }

  private view(address: number): Float64Array {
    return this.views[(address - this.base) / this.slotBytes];
  }

  /** Runs one transition; the same contract and the same draws as nuts.ts's nutsStep. */
  transition(
    target: LogDensity,
    state: NutsState,
    params: NutsParams,
    rng: KeyedStream,
  ): { state: NutsState; info: NutsInfo } {
    const { metric, stepSize, maxTreedepth } = params;
    checkTreedepth(maxTreedepth, this.maxTreedepth);
    if (metric.kind !== this.metricKind) {
      throw new RangeError(
        `nutsStep: a ${metric.kind} metric in a workspace made for a ${this.metricKind} one`,
      );
    }
    // Copied at every transition, not only when the metric object changes: nuts.ts reads the
    // metric's arrays as they are at each call, so a metric changed in place (its arrays are
    // readonly references, not frozen values) must be seen here too. The copy (2·dim f64, dense
    // 2·dim²) costs about what one leapfrog step's reads of the metric do.
    this.metricView.set(metric.inverse);
    this.momentumFactor.set(metric.kind === "diag" ? metric.momentumScale : metric.cholesky);
    this.target = target;
    this.views[0].set(state.position);
    this.views[1].set(state.gradient);
    rng.saveState(this.rngWords, this.rngSpare);
    let treeDepth: number;
    try {
      treeDepth = this.kernel.transition(state.logDensity, stepSize, maxTreedepth);
    } finally {
      // Also when the target throws: the stream is handed back where the kernel left it, as
      // nuts.ts leaves its stream advanced by the draws made before the throw.
      rng.loadState(this.rngWords, this.rngSpare);
      this.target = null;
    }
    const r = this.result;
    return {
      state: {
        position: this.view(r[5]).slice(),
        logDensity: r[4],
        gradient: this.view(r[6]).slice(),
      },
      info: {
        acceptStat: r[0],
        treeDepth,
        nLeapfrog: r[1],
        divergent: r[2] === 1,
        energy: r[3],
      },
    };
  }
}

/**
 * A WebAssembly NUTS workspace for `dim` parameters, tree depth up to `maxTreedepth` and a
 * metric of kind `metricKind`, or null where it cannot be made (no WebAssembly, memory refused,
 * a dense metric above 1,024 dimensions, a workspace past 2 GiB): the caller then uses nuts.ts's
 * workspace.
 *
 * @example
 * ```ts
 * import { createWasmNutsWorkspace } from "./nuts_wasm.ts";
 * import { unitMetric } from "./metric.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -q[0]; return -0.5 * q[0] * q[0]; } };
 * const ws = createWasmNutsWorkspace(1, 10, "diag");
 * if (ws) {
 *   const state = { position: new Float64Array([0.5]), logDensity: -0.125, gradient: new Float64Array([-0.5]) };
 *   const { info } = ws.transition(target, state, { stepSize: 0.5, metric: unitMetric(1, "diag"), maxTreedepth: 10 }, new KeyedStream(1, 0, 0));
 *   console.assert(info.nLeapfrog >= 1 && !info.divergent);
 * }
 * ```
 */
export function createWasmNutsWorkspace(
  dim: number,
  maxTreedepth: number,
  metricKind: Metric["kind"],
): WasmNutsWorkspace | null {
  if (dim === 0 || (metricKind === "dense" && dim > MAX_DENSE_DIM)) return null;
  try {
    return new WasmNutsWorkspace(dim, maxTreedepth, metricKind);
  } catch {
    return null;
  }
}
