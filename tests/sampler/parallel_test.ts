/**
 * Also covers: chain_worker.ts (chains in workers give the sequential backend's draws byte for
 * byte, progress, abort and errors, workers kept between runs).
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import type { ChainDraws, SampleOptions } from "../../lib/sampler/backend.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import { releaseWorkers, sampleInWorkers, startChainWorkers } from "../../lib/sampler/parallel.ts";
import { makeGaussianTarget } from "./fixtures/targets.ts";

const factory = {
  module: new URL("./fixtures/targets.ts", import.meta.url).href,
  exportName: "makeGaussianTarget",
  args: { scales: [1, 3, 0.2, 10] },
};
const options: Omit<SampleOptions, "onProgress" | "signal"> = {
  chains: 3,
  warmup: 200,
  draws: 150,
  seed: 77,
  adaptDelta: 0.8,
  maxTreedepth: 10,
  metric: "diag",
  warmupStart: "stan" as const,
};

function bytes(a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function assertSameDraws(a: ChainDraws[], b: ChainDraws[]) {
  assert.equal(a.length, b.length);
  for (let c = 0; c < a.length; c++) {
    for (
      const key of [
        "theta",
        "logDensity",
        "acceptStat",
        "stepSize",
        "treeDepth",
        "nLeapfrog",
        "divergent",
        "energy",
        "inverseMetric",
      ] as const
    ) {
      assert.deepEqual(bytes(a[c][key]), bytes(b[c][key]), `chain ${c} ${key}`);
    }
    assert.equal(a[c].warmupDivergences, b[c].warmupDivergences);
    assert.equal(a[c].adaptedStepSize, b[c].adaptedStepSize);
  }
}

Deno.test("workers (1 and 2) give byte-identical draws to the sequential CPU backend", async () => {
  const sequential = await new CpuBackend().sample(makeGaussianTarget(factory.args), options);
  const one = await sampleInWorkers(factory, { ...options, workers: 1 });
  const two = await sampleInWorkers(factory, { ...options, workers: 2 });
  assertSameDraws(sequential, one);
  assertSameDraws(sequential, two);
});

Deno.test("the calling thread runs chains too: every chain once, whichever thread ran it", async () => {
  const tagged = { ...factory, finish: "tagWithThread" };
  const plain = await sampleInWorkers(factory, { ...options, chains: 4, workers: 2 });
  const where = await sampleInWorkers(tagged, { ...options, chains: 4, workers: 2 });
  const onMain = where.filter((d) => d.acceptStat.every((v) => v === 0)).length;
  const inWorker = where.filter((d) => d.acceptStat.every((v) => v === 1)).length;
  assert.equal(onMain + inWorker, 4, "each chain ran on exactly one thread");
  // This thread takes the first chain as soon as the workers have their request.
  assert.ok(onMain >= 1, `${onMain} chains on the calling thread`);
  for (let c = 0; c < 4; c++) assert.deepEqual(bytes(where[c].theta), bytes(plain[c].theta));
});

Deno.test("worker progress sums over chains; abort terminates with 'sampling cancelled'", async () => {
  let last = { done: 0, total: 0 };
  await sampleInWorkers(factory, { ...options, workers: 2 }, { onProgress: (p) => (last = p) });
  assert.deepEqual(last, { ...last, done: 3 * 350, total: 3 * 350 });

  const controller = new AbortController();
  const run = sampleInWorkers(factory, { ...options, warmup: 1_000_000, workers: 2 }, {
    signal: controller.signal,
    onProgress: () => controller.abort(),
  });
  await assert.rejects(
    run,
    (e: unknown) => e instanceof HetfxError && e.message === "sampling cancelled",
  );
});

Deno.test("worker errors and bad options surface as rejections", async () => {
  await assert.rejects(
    sampleInWorkers(factory, { ...options, chains: 0 }),
    (e: unknown) =>
      e instanceof HetfxError && /option chains = 0 must be a whole number/.test(e.message),
  );
  await assert.rejects(
    sampleInWorkers({ ...factory, exportName: "nope" }, { ...options, workers: 1 }),
    /no function export "nope"/,
  );
});

Deno.test("the factory's finish step runs in the worker on every chain, partial draws included", async () => {
  const finishing = { ...factory, finish: "tagWithChain" };
  const plain = await sampleInWorkers(factory, { ...options, workers: 2 });
  const done = await sampleInWorkers(finishing, { ...options, workers: 2 });
  for (let c = 0; c < options.chains; c++) {
    assert.ok(done[c].logDensity.every((v) => v === 1000 * c + options.seed), `chain ${c}`);
    assert.deepEqual(bytes(done[c].theta), bytes(plain[c].theta), `chain ${c} theta untouched`);
  }

  // Two chains on two threads (this one and a worker): the abort comes a while after the first
  // progress, once both should be sampling. A chain that had not started keeps every chain at 0
  // draws (truncateChains), so on a loaded machine, where the worker may start later, the run is
  // repeated with a longer wait.
  let partial: ChainDraws[] | undefined;
  for (let wait = 500; wait <= 8000; wait *= 2) {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await sampleInWorkers(
      finishing,
      { ...options, chains: 2, warmup: 0, draws: 1_000_000, workers: 2, keepPartial: true },
      {
        signal: controller.signal,
        onProgress: () => timer ??= setTimeout(() => controller.abort(), wait),
      },
    ).catch((e) => (partial = e.partial));
    if (partial?.some((d) => d.logDensity.length > 0)) break;
  }
  assert.ok(partial && partial.length === 2);
  assert.ok(partial.some((d) => d.logDensity.length > 0), "some draws kept");
  for (const [c, d] of partial.entries()) {
    assert.ok(d.logDensity.every((v) => v === 1000 * c + options.seed), `partial chain ${c}`);
  }

  await assert.rejects(
    sampleInWorkers({ ...factory, finish: "nope" }, { ...options, workers: 1 }),
    /no function export "nope"/,
  );
});

Deno.test("factory arguments given as a function are computed once, after the workers start", async () => {
  let calls = 0;
  const lazy = { ...factory, args: () => (calls++, factory.args) };
  const direct = await sampleInWorkers(factory, { ...options, workers: 2 });
  const computed = await sampleInWorkers(lazy, { ...options, workers: 2 });
  assert.equal(calls, 1);
  assertSameDraws(direct, computed);
  const failing = {
    ...factory,
    args: () => {
      throw new HetfxError("no arguments today");
    },
  };
  await assert.rejects(
    sampleInWorkers(failing, { ...options, workers: 2 }),
    (e: unknown) => e instanceof HetfxError && e.message === "no arguments today",
  );
  // Arguments a worker cannot receive (a function is not structured-cloneable) reject too,
  // and the workers are terminated (the test's resource sanitizer would see them otherwise).
  await assert.rejects(
    sampleInWorkers({ ...factory, args: { scales: [1], f: () => 1 } }, { ...options, workers: 2 }),
    /could not be cloned|DataCloneError/i,
  );
});

Deno.test("workers started ahead (startChainWorkers) give the same draws and serve one run", async () => {
  const fresh = await sampleInWorkers(factory, { ...options, workers: 2 });
  // A pool larger than needed (2 threads = this one and 1 worker): the extra workers are
  // terminated, the draws are the same.
  const pool = startChainWorkers(3);
  assert.equal(pool.size, 3);
  pool.preload(factory.module);
  const pooled = await sampleInWorkers(factory, { ...options, workers: 2 }, { pool });
  assertSameDraws(fresh, pooled);
  // Used once: a second run with the same pool starts its own workers.
  assert.equal(pool.claim(1), null);
  assertSameDraws(fresh, await sampleInWorkers(factory, { ...options, workers: 2 }, { pool }));
  // Too small a pool (none for 3 threads' 2 workers) is terminated and replaced; an unused pool
  // is terminated by its owner
  // (the test's resource sanitizer fails on a live worker).
  const small = startChainWorkers(1);
  assertSameDraws(
    fresh,
    await sampleInWorkers(factory, { ...options, workers: 3 }, { pool: small }),
  );
  startChainWorkers(2).terminate();
});

Deno.test("a preloaded factory module that fails to import is reported by the run", async () => {
  const pool = startChainWorkers(2);
  const missing = new URL("./fixtures/no_such_module.ts", import.meta.url).href;
  pool.preload(missing);
  await assert.rejects(
    sampleInWorkers({ ...factory, module: missing }, { ...options, workers: 2 }, { pool }),
    /no_such_module|Module not found/i,
  );
});

Deno.test("a worker's error before its run is kept by the pool, not thrown into the process", () => {
  const pool = startChainWorkers(1);
  try {
    assert.equal(pool.error, null);
    const [worker] = pool.claim(1)!;
    const event = new ErrorEvent("error", { message: "boom", cancelable: true });
    worker.dispatchEvent(event);
    assert.equal(event.defaultPrevented, true);
    assert.equal(pool.error, "boom");
  } finally {
    pool.terminate();
  }
});

Deno.test("a keeping pool's workers serve the next run warm, with the same draws, until released", async () => {
  const fresh = await sampleInWorkers(factory, { ...options, workers: 2 });
  const first = startChainWorkers(1, true);
  assert.equal(first.keep, true);
  assertSameDraws(
    fresh,
    await sampleInWorkers(factory, { ...options, workers: 2 }, { pool: first }),
  );
  first.close(); // its worker is the run's: kept by the run, not by close
  // The next pool takes the kept worker instead of starting one (none left idle), and its run
  // gives the worker back.
  const second = startChainWorkers(1, true);
  assert.equal(releaseWorkers(), 0);
  assertSameDraws(
    fresh,
    await sampleInWorkers(factory, { ...options, workers: 2 }, { pool: second }),
  );
  second.close();
  assert.equal(releaseWorkers(), 1);
  assert.equal(releaseWorkers(), 0);
});

Deno.test("workers are kept only after a run that succeeded, and close keeps an unused pool's", async () => {
  await assert.rejects(
    sampleInWorkers({ ...factory, exportName: "nope" }, { ...options, workers: 2 }, {
      pool: startChainWorkers(1, true),
    }),
    /has no function export "nope"/,
  );
  assert.equal(releaseWorkers(), 0);

  const controller = new AbortController();
  await assert.rejects(
    sampleInWorkers(factory, { ...options, warmup: 1_000_000, workers: 2 }, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
      pool: startChainWorkers(1, true),
    }),
    (e: unknown) => e instanceof HetfxError && e.message === "sampling cancelled",
  );
  assert.equal(releaseWorkers(), 0);

  startChainWorkers(2, true).close();
  assert.equal(releaseWorkers(), 2);
  // A pool that does not keep takes an idle worker too, and terminates it.
  startChainWorkers(2, true).close();
  startChainWorkers(1).close();
  assert.equal(releaseWorkers(), 1);
});
