import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { acquireGpu } from "../../lib/webgpu/device.ts";
import { chooseBackend } from "../../lib/webgpu/select_backend.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { crossedSpec, simulatedTable } from "../model/_fixtures.ts";
import { continuousBernoulli } from "./_models.ts";
import { gpuTest } from "./_gpu.ts";

const noAdapter = () => Promise.resolve(null);
const big = continuousBernoulli(100_000, 50, 3); // 100,000 patterns × ≥ 4 chains ≥ threshold

Deno.test("no adapter: acquireGpu returns null with a reason", async () => {
  const { gpu, reason } = await acquireGpu({ provider: noAdapter });
  assert.equal(gpu, null);
  assert.match(reason, /no WebGPU adapter/);
});

Deno.test("auto with no adapter falls back to the CPU and says so", async () => {
  const choice = await chooseBackend("auto", big, 64, { provider: noAdapter });
  assert.equal(choice.backend, "cpu");
  assert.equal(choice.adapter, null);
  assert.match(choice.reason, /auto: CPU.*no WebGPU adapter/);
});

Deno.test('backend "webgpu" with no adapter is a HetfxError', async () => {
  await assert.rejects(
    () => chooseBackend("webgpu", big, 64, { provider: noAdapter }),
    (e) => e instanceof HetfxError && /backend "webgpu".*no WebGPU adapter/.test(e.message),
  );
});

Deno.test("auto keeps small or Gaussian models on the CPU without asking for an adapter", async () => {
  let asked = false;
  const provider = () => {
    asked = true;
    return Promise.resolve(null);
  };
  const gaussian = compileModel(crossedSpec("gaussian"), simulatedTable(500, "gaussian"));
  const g = await chooseBackend("auto", gaussian, 1024, { provider });
  assert.equal(g.backend, "cpu");
  assert.match(g.reason, /compresses/);
  const few = await chooseBackend("auto", big, 1, { provider });
  assert.equal(few.backend, "cpu");
  assert.match(few.reason, /100,000 patterns × 1 chains is below the WebGPU threshold/);
  assert.match(few.reason, /≥ 200,000\)$/);
  assert.equal(asked, false);
  assert.equal((await chooseBackend("cpu", big, 4096)).reason, 'backend "cpu" requested');
});

Deno.test("DENO_WEBGPU_BACKEND=dx12 in a subprocess: no adapter, CPU fallback message", async () => {
  const code = `import { chooseBackend } from ${
    JSON.stringify(
      new URL("../../lib/webgpu/select_backend.ts", import.meta.url).href,
    )
  };
const data = { family: "bernoulli", stats: { kind: "patterns", nPatterns: 1000000 } };
const c = await chooseBackend("auto", data, 64);
console.log(JSON.stringify({ backend: c.backend, reason: c.reason }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    env: { DENO_WEBGPU_BACKEND: "dx12" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  const result = JSON.parse(text);
  assert.equal(result.backend, "cpu");
  assert.match(result.reason, /no WebGPU adapter/);
});

gpuTest("device loss rejects awaited work with a HetfxError", async () => {
  const { gpu } = await acquireGpu();
  assert.ok(gpu);
  const buffer = gpu.device.createBuffer({
    size: 16,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  gpu.destroy();
  await assert.rejects(
    () => gpu.guard(buffer.mapAsync(GPUMapMode.READ)),
    (e) => e instanceof HetfxError && /device lost/.test(e.message),
  );
  assert.equal(gpu.lost, true);
});
