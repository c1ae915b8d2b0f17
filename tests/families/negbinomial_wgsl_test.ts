/**
 * The negbinomial WGSL's pattern_terms on lavapipe against the f64 CPU likelihood
 * (negbinomial.patternLogLikelihood), one (y, η, φ) per invocation, over the range the sampler
 * meets: φ from 1e-2 to 1e8, counts from 0 to 1e6, μ around, below and above y.
 */
import assert from "node:assert/strict";
import { negbinomial } from "../../lib/families/negbinomial.ts";
import type { PatternStats } from "../../lib/families/compressed_stats.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { buildLayout } from "../../lib/webgpu/layout.ts";
import type { GpuContext } from "../../lib/webgpu/device.ts";
import commonWgsl from "../../lib/webgpu/common.wgsl" with { type: "text" };
import rngWgsl from "../../lib/webgpu/rng.wgsl" with { type: "text" };
import { crossedSpec, simulatedTable } from "../model/_fixtures.ts";
import { gpuTest } from "../webgpu/_gpu.ts";

/** One probe: count y, linear predictor η and shape φ, each exact in f32. */
interface Probe {
  y: number;
  eta: number;
  phi: number;
}

const PROBE_KERNEL = `
@group(0) @binding(90) var<storage, read> probe_in: array<vec4<f32>>;
@group(0) @binding(91) var<storage, read_write> probe_out: array<vec4<f32>>;
@compute @workgroup_size(64)
fn probe(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= arrayLength(&probe_in)) {
    return;
  }
  let v = probe_in[i];
  probe_out[i] = pattern_terms(v.x, v.y, 1.0, vec2<f32>(v.z, 0.0));
}
`;

/** pattern_terms(η, y, 1, (φ, 0)) on the GPU: (lp, ∂lp/∂η, ∂lp/∂log φ) per probe. */
async function gpuTerms(gpu: GpuContext, probes: Probe[]): Promise<Float32Array> {
  // The header (constants and bindings common.wgsl refers to) of any negbinomial model.
  const data = compileModel(crossedSpec("negbinomial"), simulatedTable(200, "negbinomial"));
  const code = buildLayout(data, 1).header + commonWgsl + rngWgsl +
    negbinomial.wgsl!.patternTerms + PROBE_KERNEL;
  const device = gpu.device;
  const module = device.createShaderModule({ code });
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === "error");
  assert.deepStrictEqual(errors.map((m) => `${m.lineNum}: ${m.message}`), []);
  const pipeline = await device.createComputePipelineAsync({
    layout: "auto",
    compute: { module, entryPoint: "probe" },
  });
  const input = Float32Array.from(probes.flatMap((p) => [p.eta, p.y, p.phi, 0]));
  const bytes = input.byteLength;
  const inBuf = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.STORAGE,
    mappedAtCreation: true,
  });
  new Float32Array(inBuf.getMappedRange()).set(input);
  inBuf.unmap();
  const outBuf = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
  });
  const readBuf = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 90, resource: { buffer: inBuf } },
        { binding: 91, resource: { buffer: outBuf } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(probes.length / 64));
    pass.end();
    encoder.copyBufferToBuffer(outBuf, 0, readBuf, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await readBuf.mapAsync(GPUMapMode.READ);
    return new Float32Array(readBuf.getMappedRange().slice(0));
  } finally {
    inBuf.destroy();
    outBuf.destroy();
    readBuf.destroy();
  }
}

/** The f64 CPU values (lp, ∂lp/∂η, ∂lp/∂log φ) of one probe. */
function cpuTerms({ y, eta, phi }: Probe): [number, number, number] {
  const stats = { y: Float64Array.of(y), rows: Float64Array.of(1) } as unknown as PatternStats;
  const dEta = new Float64Array(1);
  const gradExtra = new Float64Array(1);
  const lp = negbinomial.patternLogLikelihood(
    stats,
    Float64Array.of(eta),
    Float64Array.of(Math.log(phi)),
    dEta,
    gradExtra,
  );
  return [lp, dEta[0], gradExtra[0]];
}

const EPS = 2 ** -24;

/**
 * The scale of f32 rounding in each output, in f64: the sum of the magnitudes of the terms an
 * f32 evaluation cannot avoid rounding (each rounded to ±½ ulp, and log, exp and division a few
 * ulps on lavapipe), plus what exp(η)'s rounding (relative (1 + |η|) ε: η·log₂e is rounded
 * before the exp2) moves each output by. With L = lgamma(y + φ) − lgamma(φ) − y log φ,
 * P = φ [ψ(y + φ) − ψ(φ)] and A = y − P (f64 sums over k < y, no cancellation):
 *   lp:       |L| + |y η| + |(y + φ) log1p(μ/φ)|, + |∂lp/∂η| (1 + |η|)
 *   ∂lp/∂η:   (y + μ (1 + |η|)) φ/(μ + φ)
 *   ∂lp/∂u:   the smaller of the two exact ways to write it (module comment of
 *             negbinomial_wgsl.ts), |φ (r − log1p r)| + |A| + |r ∂lp/∂η| (r = μ/φ) or
 *             |P| + |φ log1p r| + |∂lp/∂η|, + |∂²lp/∂η∂u| (1 + |η|).
 * The old code subtracted two lgammas (and digammas) of size φ log φ for y ≥ 16, and its ∂lp/∂u
 * subtracted terms of size y and μ to leave one of size (y − μ)²/φ: at φ = 1e5 both are
 * thousands of times these scales.
 */
function roundingScales({ y, eta, phi }: Probe, dEta: number): [number, number, number] {
  const mu = Math.exp(eta);
  let L = 0, P = 0, A = 0;
  for (let k = 0; k < y; k++) L += Math.log1p(k / phi), P += phi / (phi + k), A += k / (phi + k);
  const r = mu / phi;
  const l1p = Math.log1p(r);
  const expMove = 1 + Math.abs(eta);
  const lp = Math.abs(L) + Math.abs(y * eta) + (y + phi) * l1p + Math.abs(dEta) * expMove;
  const eta1 = (y + mu * expMove) * phi / (mu + phi);
  const cross = Math.abs(phi * mu * (y - mu)) / (mu + phi) ** 2;
  const u = Math.min(
    phi * (r - l1p) + A + Math.abs(r * dEta),
    P + phi * l1p + Math.abs(dEta),
  ) + cross * expMove;
  return [lp, eta1, u];
}

/** Allowed error in units of the rounding scale: a handful of roundings, each a few ulps. */
const ULPS = 16;

/** The probes: every (y, φ) below at μ = y·{e⁻², 1, e} (rounded to f32) and at η = −3, 5. */
function probes(): Probe[] {
  const ys = [0, 1, 2, 15, 16, 17, 63, 64, 100, 1000, 10_000, 1_000_000];
  const phis = [0.01, 0.5, 1, 15, 16, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
  const out: Probe[] = [];
  for (const y of ys) {
    for (const phi of phis) {
      const center = Math.log(Math.max(y, 0.5));
      for (const eta of [center - 2, center, center + 1, -3, 5]) {
        out.push({ y, eta: Math.fround(eta), phi: Math.fround(phi) });
      }
    }
  }
  return out;
}

gpuTest(
  "negbinomial WGSL: lp and gradient equal the f64 CPU to f32 rounding at φ up to 1e8 and y up to 1e6",
  async (gpu) => {
    const all = probes();
    const got = await gpuTerms(gpu, all);
    const names = ["lp", "∂lp/∂η", "∂lp/∂log φ"];
    const failures: string[] = [];
    let worst = 0;
    all.forEach((p, i) => {
      const want = cpuTerms(p);
      const scale = roundingScales(p, want[1]);
      for (let j = 0; j < 3; j++) {
        const err = Math.abs(got[4 * i + j] - want[j]) / (EPS * scale[j] + 1e-30);
        worst = Math.max(worst, err);
        if (!(err <= ULPS)) {
          failures.push(
            `y = ${p.y}, η = ${p.eta.toPrecision(6)}, φ = ${p.phi}: ${names[j]} ` +
              `${got[4 * i + j]} vs ${want[j]} (${err.toPrecision(3)} × ε·scale)`,
          );
        }
      }
    });
    assert.deepStrictEqual(failures, [], `worst ${worst.toPrecision(3)} × ε·scale`);
    console.log(`worst error: ${worst.toPrecision(3)} × ε·scale over ${all.length} probes`);
  },
);
