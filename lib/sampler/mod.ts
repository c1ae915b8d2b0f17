/**
 * Samplers: the Backend contract, the CPU NUTS backend and its parts, and parallel chains in
 * Web Workers.
 *
 * @module
 */
export type {
  Backend,
  ChainDraws,
  SampleOptions,
  SampleProgress,
  SamplerTarget,
  SampleSettings,
  WarmupStart,
} from "./backend.ts";
export { CpuBackend } from "./cpu_backend.ts";
export {
  releaseWorkers,
  sampleInWorkers,
  type TargetFactory,
  type WorkerHooks,
  type WorkerSampleOptions,
} from "./parallel.ts";
export { type ChainHooks, findInitialPoint, runChain } from "./chain_runner.ts";
export {
  type ChainOptions,
  checkSampleSettings,
  checkWholeOption,
  validateSampleOptions,
} from "./sample_options.ts";
export {
  createNutsWorkspace,
  MAX_DELTA_H,
  type NutsInfo,
  type NutsKernel,
  type NutsParams,
  type NutsState,
  nutsStep,
  NutsWorkspace,
} from "./nuts.ts";
export { createWasmNutsWorkspace, WasmNutsWorkspace } from "./nuts_wasm.ts";
export {
  type DenseMetric,
  denseMetric,
  type DiagMetric,
  diagMetric,
  type Metric,
  sampleMomentum,
  unitMetric,
  velocity,
} from "./metric.ts";
export { kineticEnergy, leapfrog } from "./leapfrog.ts";
export {
  createStepSizeScratch,
  DEFAULT_DUAL_AVERAGING,
  dualAveragingFinal,
  dualAveragingInit,
  type DualAveragingParams,
  type DualAveragingState,
  dualAveragingUpdate,
  findReasonableStepSize,
  type StepSizeScratch,
} from "./step_size.ts";
export {
  type AdaptationSchedule,
  adaptationSchedule,
  DEFAULT_WINDOWS,
  type SlowWindow,
  WelfordEstimator,
  windowAdaptationFinal,
  windowAdaptationInit,
  type WindowAdaptationState,
  windowAdaptationUpdate,
} from "./windowed_adaptation.ts";
export { KeyedStream, normals, philox4x32, seedKey, Streams, uniforms } from "../math/rng.ts";
export { ProgressTracker } from "./progress_tracker.ts";
