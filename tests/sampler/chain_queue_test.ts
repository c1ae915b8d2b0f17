import assert from "node:assert/strict";
import type { ChainDraws } from "../../lib/sampler/backend.ts";
import { ChainQueue, runQueuedChains } from "../../lib/sampler/chain_queue.ts";
import { runChain } from "../../lib/sampler/chain_runner.ts";
import { makeGaussianTarget } from "./fixtures/targets.ts";

const factory = {
  module: new URL("./fixtures/targets.ts", import.meta.url).href,
  exportName: "makeGaussianTarget",
};
const args = { scales: [1, 3, 0.2] };
const options = {
  warmup: 100,
  draws: 50,
  seed: 5,
  adaptDelta: 0.8,
  maxTreedepth: 10,
  metric: "diag" as const,
  warmupStart: "stan" as const,
};

Deno.test("a chain queue shared with a worker hands out every chain exactly once", async () => {
  const chains = 20_000;
  const queue = new ChainQueue(chains);
  // The worker takes chains as fast as it can while this thread does the same.
  const code = `self.onmessage = (e) => {
    const state = new Int32Array(e.data);
    const taken = [];
    for (;;) { const c = Atomics.add(state, 0, 1); if (c >= state[1]) break; taken.push(c); }
    self.postMessage(taken);
  };`;
  const url = URL.createObjectURL(new Blob([code], { type: "application/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    const theirs = new Promise<number[]>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
    worker.postMessage(queue.buffer);
    const mine: number[] = [];
    for (let c = queue.next(); c !== null; c = queue.next()) mine.push(c);
    const all = [...mine, ...await theirs].sort((a, b) => a - b);
    assert.equal(all.length, chains);
    assert.ok(all.every((c, i) => c === i), "each chain once");
    assert.equal(queue.next(), null);
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
});

Deno.test("runQueuedChains runs the queue's chains with the chain runner's draws, finish applied", async () => {
  const queue = new ChainQueue(3);
  assert.equal(queue.next(), 0); // another thread took chain 0
  const done: [number, ChainDraws][] = [];
  await runQueuedChains({ ...factory, finish: "tagWithChain" }, args, options, queue, {
    onProgress: () => {},
    onChain: (chain, draws) => done.push([chain, draws]),
    onCancelled: () => assert.fail("not cancelled"),
  });
  assert.deepEqual(done.map(([c]) => c), [1, 2]);
  for (const [chain, draws] of done) {
    const direct = await runChain(makeGaussianTarget(args), chain, options);
    assert.deepEqual(draws.theta, direct.theta, `chain ${chain}`);
    assert.ok(draws.logDensity.every((v) => v === 1000 * chain + options.seed), "finished");
  }
});

Deno.test("runQueuedChains stops at an abort with the running chain's draws so far", async () => {
  const controller = new AbortController();
  const partial: { chain: number; draws: ChainDraws }[][] = [];
  const chained: number[] = [];
  await runQueuedChains(
    factory,
    args,
    { ...options, warmup: 0, draws: 1_000_000 },
    new ChainQueue(2),
    {
      signal: controller.signal,
      onProgress: (_chain, _count, _div, phase) => {
        if (phase === "sampling") controller.abort();
      },
      onChain: (chain) => chained.push(chain),
      onCancelled: (p) => partial.push(p),
    },
  );
  assert.deepEqual(chained, []);
  assert.equal(partial.length, 1);
  assert.equal(partial[0][0].chain, 0);
  assert.ok(partial[0][0].draws.logDensity.length > 0);
  await assert.rejects(
    runQueuedChains({ ...factory, exportName: "nope" }, args, options, new ChainQueue(1), {
      onProgress: () => {},
      onChain: () => {},
      onCancelled: () => {},
    }),
    /no function export "nope"/,
  );
});
