/**
 * The level loop of the level-collapsed Gaussian target for two varying coefficients (the
 * paper's models), in WebAssembly with f64x2 SIMD: one fused pass over the levels computing the
 * scores c_j, μ_j = D_j⁻¹c_j, the log-likelihood and expected-residual parts, M = Σ_j E[r_j r_jᵀ]
 * and the β gradient −Σ_j X_jᵀZ_j μ_j / σ² (source: tools/wasm/level_kernel.ts; the module is
 * lib/model/level_kernel_wasm.ts). On the paper's model it makes a gradient about a third cheaper
 * than the JavaScript loop in lib/model/level_collapsed_gaussian.ts, which stays the reference
 * (tests compare the two) and the fallback where WebAssembly SIMD is missing.
 *
 * Each kernel owns a WebAssembly instance (its own memory: the constant blocks are copied in
 * once), so every target and every sampler worker has its own.
 *
 * @module
 */
import { LEVEL_KERNEL_WASM } from "./level_kernel_wasm.ts";
import { kernelInstance, type KernelMemory, kernelModule } from "../math/_wasm.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";
import { encodePrior } from "./prior_density.ts";

interface KernelExports extends KernelMemory {
  levels(
    J: number,
    nbPad: number,
    arb: number,
    e: number,
    arr: number,
    beta: number,
    mu: number,
    grad: number,
    out: number,
    q00: number,
    q01: number,
    q11: number,
    invVar: number,
  ): number;
  configure(...args: number[]): void;
  gradient(): number;
}

/**
 * The level-collapsed Gaussian target's constants for {@link LevelKernel.gradient} (K = 2;
 * lib/model/level_collapsed_gaussian.ts names them).
 */
export interface LevelTargetSetup {
  correlated: boolean;
  /** Per coefficient, whether its sd is sampled as a signed scale (else log sd). */
  signed: readonly [boolean, boolean];
  lkjEta: number;
  /** yᵀy and the number of rows. */
  yty: number;
  n: number;
  /** L_S (n_β × n_β lower) and β̂ of β = β̂ + L_S⁻ᵀξ; XᵀX and Xᵀy. */
  whitening: Float64Array;
  betaHat: Float64Array;
  xtx: Float64Array;
  xty: Float64Array;
  /** The n_β β priors, the two sd priors and σ's. */
  priors: readonly PriorDistribution[];
}

/** The imports of the target's code: V8's own functions, so that it computes as the JavaScript. */
const HOST_MATH = {
  level_kernel: {
    hostExp: Math.exp,
    hostLog: Math.log,
    hostLog1p: Math.log1p,
    hostTanh: Math.tanh,
  },
};

/**
 * The K = 2 level loop over fixed blocks Z_jᵀX_j (2J × n_β, row-major), Z_jᵀy (2J) and Z_jᵀZ_j
 * (J × 4).
 *
 * @example
 * ```ts
 * import { LevelKernel } from "./level_kernel.ts";
 * // One level, one coefficient β: Z_jᵀX_j = [[2], [1]], Z_jᵀy = [3, 1], Z_jᵀZ_j = [[2, 1], [1, 1]].
 * const kernel = LevelKernel.create(Float64Array.of(2, 1), Float64Array.of(3, 1), Float64Array.of(2, 1, 1, 1), 1, 1);
 * if (kernel) {
 *   kernel.beta[0] = 0.5;
 *   console.assert(kernel.run(1, 0, 1, 1) && Number.isFinite(kernel.logLikelihood));
 * }
 * ```
 */
export class LevelKernel {
  /** β in: write it before {@link run}. */
  readonly beta: Float64Array;
  /** Out: μ (2J), the β gradient of the level terms (n_β). */
  readonly mu: Float64Array;
  readonly betaGradient: Float64Array;
  private readonly out: Float64Array;
  private readonly exports: KernelExports;
  private readonly J: number;
  private readonly nbPad: number;
  private readonly at: Record<
    | "arb"
    | "e"
    | "arr"
    | "beta"
    | "mu"
    | "grad"
    | "out"
    | "x"
    | "g"
    | "whitening"
    | "betaHat"
    | "xtx"
    | "xty"
    | "gBeta"
    | "priors"
    | "work"
    | "result",
    number
  >;
  private readonly nb: number;
  private x: Float64Array | null = null;
  private g: Float64Array | null = null;
  private result: Float64Array | null = null;

  /**
   * A kernel for these blocks, or null where WebAssembly SIMD is unavailable or the instance
   * cannot be made (the caller then runs the JavaScript loop).
   */
  static create(
    ztx: Float64Array,
    zty: Float64Array,
    ztz: Float64Array,
    J: number,
    nb: number,
  ): LevelKernel | null {
    const module = kernelModule(LEVEL_KERNEL_WASM);
    if (!module) return null;
    try {
      return new LevelKernel(module, ztx, zty, ztz, J, nb);
    } catch {
      // Instantiation or memory growth refused (e.g. a memory limit): the JavaScript loop runs.
      return null;
    }
  }

  private constructor(
    module: WebAssembly.Module,
    ztx: Float64Array,
    zty: Float64Array,
    ztz: Float64Array,
    J: number,
    nb: number,
  ) {
    this.J = J;
    this.nb = nb;
    const nbPad = nb + (nb % 2);
    this.nbPad = nbPad;
    const R = 2 * J;
    let at: LevelKernel["at"] | undefined;
    const exports = kernelInstance<KernelExports>(module, "level kernel", (start) => {
      // Arrays past the module's static data, each 16-byte aligned for the SIMD loads.
      let next = start;
      const place = (doubles: number) => {
        const here = next;
        next = Math.ceil((next + 8 * doubles) / 16) * 16;
        return here;
      };
      at = {
        arb: place(R * nbPad),
        e: place(R),
        arr: place(4 * J),
        beta: place(nbPad),
        mu: place(R),
        grad: place(nbPad),
        out: place(6),
        // The whole target's arrays (configureTarget): x and g hold n_β + 4 ≥ dim.
        x: place(nb + 4),
        g: place(nb + 4),
        whitening: place(nb * nb),
        betaHat: place(nb),
        xtx: place(nb * nb),
        xty: place(nb),
        gBeta: place(nb),
        priors: place(4 * (nb + 3)),
        work: place(40),
        result: place(2),
      };
      return next;
    }, HOST_MATH);
    this.exports = exports;
    this.at = at!;
    const memory = exports.memory;
    const view = (at: number, length: number) => new Float64Array(memory.buffer, at, length);
    const arb = view(this.at.arb, R * nbPad);
    for (let r = 0; r < R; r++) arb.set(ztx.subarray(r * nb, (r + 1) * nb), r * nbPad);
    view(this.at.e, R).set(zty);
    view(this.at.arr, 4 * J).set(ztz);
    this.beta = view(this.at.beta, nb);
    this.mu = view(this.at.mu, R);
    this.betaGradient = view(this.at.grad, nb);
    this.out = view(this.at.out, 6);
  }

  /**
   * The loop at {@link beta} for D_j = Z_jᵀZ_j / σ² + Q (Q = Σ⁻¹ = [[q00, q01], [q01, q11]],
   * invVar = 1/σ²). False when a D_j is not positive definite.
   */
  run(q00: number, q01: number, q11: number, invVar: number): boolean {
    const { at } = this;
    return this.exports.levels(
      this.J,
      this.nbPad,
      at.arb,
      at.e,
      at.arr,
      at.beta,
      at.mu,
      at.grad,
      at.out,
      q00,
      q01,
      q11,
      invVar,
    ) === 1;
  }

  /**
   * Sets up {@link gradient}: the whole target's log density and gradient in WebAssembly. False
   * (and {@link gradient} unusable) where a prior is one the kernel does not compute.
   */
  configureTarget(setup: LevelTargetSetup): boolean {
    const rows = setup.priors.map(encodePrior);
    if (rows.length !== this.nb + 3 || rows.some((r) => r === null)) return false;
    const { at, nb } = this;
    const buffer = this.exports.memory.buffer;
    const view = (at: number, length: number) => new Float64Array(buffer, at, length);
    view(at.whitening, nb * nb).set(setup.whitening);
    view(at.betaHat, nb).set(setup.betaHat);
    view(at.xtx, nb * nb).set(setup.xtx);
    view(at.xty, nb).set(setup.xty);
    view(at.priors, 4 * (nb + 3)).set(rows.flat() as number[]);
    const dim = nb + 3 + (setup.correlated ? 1 : 0);
    this.x = view(at.x, dim);
    this.g = view(at.g, dim);
    this.result = view(at.result, 2);
    this.exports.configure(
      nb,
      this.nbPad,
      this.J,
      setup.correlated ? 1 : 0,
      setup.signed[0] ? 1 : 0,
      setup.signed[1] ? 1 : 0,
      setup.lkjEta,
      setup.yty,
      setup.n,
      at.x,
      at.g,
      at.whitening,
      at.betaHat,
      at.xtx,
      at.xty,
      at.gBeta,
      at.priors,
      at.work,
      at.result,
      at.arb,
      at.e,
      at.arr,
      at.beta,
      at.mu,
      at.grad,
      at.out,
    );
    return true;
  }

  /**
   * The level-collapsed target's log density at `x` with its gradient into `gradient`, after
   * {@link configureTarget}: LevelCollapsedGaussian.logDensityGradient's values, bit for bit.
   */
  gradient(x: Float64Array, gradient: Float64Array): number {
    this.x!.set(x);
    const lp = this.exports.gradient();
    gradient.set(this.g!);
    return lp;
  }

  /** log p(y | β, φ) of the last {@link gradient} that got that far; NaN otherwise. */
  get targetLogLikelihood(): number {
    return this.result![0];
  }

  /** Σ_j ½ c_jᵀμ_j − ½ log|D_j| of the last {@link run}. */
  get logLikelihood(): number {
    return this.out[0];
  }

  /** Σ_j tr(Z_jᵀZ_j E[r_j r_jᵀ]) − 2 μ_jᵀc_j σ² of the last run. */
  get expectedRss(): number {
    return this.out[1];
  }

  /** Σ_j c_jᵀμ_j = Σ_j c_jᵀD_j⁻¹c_j of the last run. */
  get quadSum(): number {
    return this.out[5];
  }

  /** M = Σ_j E[r_j r_jᵀ] of the last run into `M` (2 × 2, row-major). */
  secondMoments(M: Float64Array): void {
    M[0] = this.out[2];
    M[1] = M[2] = this.out[3];
    M[3] = this.out[4];
  }
}
