// One HMC transition for all NC chains in lockstep (ChEES-HMC, Hoffman, Radul & Sountsov 2021):
//   begin → n × (log density kernels with the fused leapfrog update) → finish → means →
//   chees_stat [→ window during warmup].
// Randomness: normal e of (seed, chain, iteration, stream) for the momentum, then the uniform
// right after the dim normals (index 2⌈DIM/2⌉) for the accept step — exactly the order of
// lib/math/rng.ts KeyedStream: dim × normal() then uniform().
// The per-chain kernels give each chain a workgroup that splits DIM 64 ways; the per-element
// kernels' loops over chains are blocked (outer ≤ NC/64, inner ≤ 64 iterations).

// The block of (chain, ctl.iteration, ctl.stream, block) under the control block's seed.
fn philox_block(chain: u32, block: u32) -> vec4<u32> {
  return philox(vec4<u32>(chain, ctl.iteration, ctl.stream, block), vec2<u32>(ctl.seed_lo, ctl.seed_hi));
}

// begin, finish and chees_stat run one workgroup of 64 per chain: invocation l takes elements
// l, l + 64, … and workgroup_total sums the 64 partials by a fixed tree. lavapipe stops an
// invocation once all its loops together have run 65,535 iterations, so one invocation per chain
// looping over all of θ would limit (1 + treat | g) to ~31,700 groups.
var<workgroup> chain_part: array<vec3<f32>, 64>;

// The chain of a workgroup (x, then rows of y; see GpuModel.encodeChees).
fn chain_of(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// The sum of v over the workgroup's 64 invocations, returned to each; all 64 must call it.
fn workgroup_total(l: u32, v: vec3<f32>) -> vec3<f32> {
  chain_part[l] = v;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (l < w) {
      chain_part[l] += chain_part[l + w];
    }
    workgroupBarrier();
  }
  return chain_part[0];
}

// Per chain: p ~ N(0, M), H0 = −lp + ½ pᵀM⁻¹p, save (θ, ∇, lp), half step in p, full step in θ.
@compute @workgroup_size(64)
fn begin(
  @builtin(local_invocation_index) l: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let c = chain_of(wid, nwg);
  if (c >= NC) {
    return;
  }
  var kinetic = 0.0;
  let npairs = (DIM + 1u) / 2u;
  for (var b = l; b < npairs; b += 64u) {
    let z = normal_pair(philox_block(c, b));
    for (var h = 0u; h < 2u; h++) {
      let e = 2u * b + h;
      if (e < DIM) {
        let m = dimbuf[e];
        let p = z[h] / sqrt(m);
        kinetic += 0.5 * p * p * m;
        let k = at(e, c);
        let q = theta[k];
        let g = grad[k];
        q0[k] = q;
        g0[k] = g;
        let ph = p + 0.5 * ctl.eps * g;
        mom[k] = ph;
        theta[k] = q + ctl.eps * m * ph;
      }
    }
  }
  let total = workgroup_total(l, vec3<f32>(kinetic, 0.0, 0.0));
  if (l == 0u) {
    let lp = scal[at(S_LP, c)];
    scal[at(S_LP0, c)] = lp;
    scal[at(S_H0, c)] = -lp + total.x;
  }
}

// Per chain: H1, acceptance probability, the Metropolis decision (not applied yet), divergence.
@compute @workgroup_size(64)
fn finish(
  @builtin(local_invocation_index) l: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let c = chain_of(wid, nwg);
  if (c >= NC) {
    return;
  }
  var part = 0.0;
  for (var e = l; e < DIM; e += 64u) {
    let p = mom[at(e, c)];
    part += 0.5 * p * p * dimbuf[e];
  }
  let kinetic = workgroup_total(l, vec3<f32>(part, 0.0, 0.0)).x;
  if (l != 0u) {
    return;
  }
  let h0 = scal[at(S_H0, c)];
  let h1 = -scal[at(S_LP, c)] + kinetic;
  let finite = is_finite(h1);
  let d = h0 - h1;
  var alpha = 0.0;
  if (finite) {
    alpha = min(1.0, exp(d));
  }
  let w = philox_block(c, (DIM + 1u) / 2u);
  let u = to_uniform(w.x, w.y);
  let accept = finite && (ctl.flags & 1u) == 0u && (d >= 0.0 || u < exp(d));
  let divergent = !(finite && h1 - h0 <= 1000.0);
  scal[at(S_ALPHA, c)] = alpha;
  scal[at(S_ACCEPTED, c)] = select(0.0, 1.0, accept);
  scal[at(S_DIVERGENT, c)] = select(0.0, 1.0, divergent);
  scal[at(S_H1, c)] = h1;
  scal[at(S_ENERGY, c)] = select(h0, h1, accept);
}

// Per element: cross-chain mean of the starting points and acceptance-weighted mean of the
// proposals (dimbuf[DIM + e], dimbuf[2 DIM + e]).
@compute @workgroup_size(64)
fn means(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * 64u;
  if (e >= DIM) {
    return;
  }
  var m0 = 0.0;
  var m1 = 0.0;
  var wsum = 0.0;
  for (var c0 = 0u; c0 < NC; c0 += 64u) {
    var p0 = 0.0;
    var p1 = 0.0;
    var pw_ = 0.0;
    let c1 = min(c0 + 64u, NC);
    for (var c = c0; c < c1; c++) {
      p0 += q0[at(e, c)];
      let a = scal[at(S_ALPHA, c)];
      let q = theta[at(e, c)];
      if (a > 0.0 && is_finite(q)) {
        p1 += a * q;
        pw_ += a;
      }
    }
    m0 += p0;
    m1 += p1;
    wsum += pw_;
  }
  m0 = m0 / f32(NC);
  if (wsum > 0.0) {
    m1 = m1 / wsum;
  } else {
    m1 = m0;
  }
  dimbuf[DIM + e] = m0;
  dimbuf[2u * DIM + e] = m1;
}

// Per chain: the ChEES gradient term t (‖θ'−θ̄'‖² − ‖θ−θ̄‖²)((θ'−θ̄')·p') in the metric's
// preconditioned coordinates, then the Metropolis decision applied and the draw recorded.
@compute @workgroup_size(64)
fn chees_stat(
  @builtin(local_invocation_index) l: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let c = chain_of(wid, nwg);
  if (c >= NC) {
    return;
  }
  let accepted = scal[at(S_ACCEPTED, c)] > 0.5;
  let record = ctl.slot != NONE;
  // (‖θ'−θ̄'‖², ‖θ−θ̄‖², (θ'−θ̄')·p') over this invocation's elements.
  var part = vec3<f32>(0.0, 0.0, 0.0);
  for (var e = l; e < DIM; e += 64u) {
    let k = at(e, c);
    let m = dimbuf[e];
    let x1 = theta[k] - dimbuf[2u * DIM + e];
    let x0 = q0[k] - dimbuf[DIM + e];
    part += vec3<f32>(x1 * x1 / m, x0 * x0 / m, x1 * mom[k]);
    var q = theta[k];
    if (!accepted) {
      q = q0[k];
      theta[k] = q;
      grad[k] = g0[k];
    }
    if (record) {
      draws[(ctl.slot * DIM + e) * NC + c] = q;
    }
  }
  let total = workgroup_total(l, part);
  if (l != 0u) {
    return;
  }
  let alpha = scal[at(S_ALPHA, c)];
  var g = ctl.tn * (total.x - total.y) * total.z;
  if (!(alpha > 0.0) || !is_finite(g)) {
    g = 0.0;
  }
  scal[at(S_CHEES, c)] = g;
  if (!accepted) {
    scal[at(S_LP, c)] = scal[at(S_LP0, c)];
  }
  if (record) {
    let base = ctl.slot * 4u;
    dstats[(base + 0u) * NC + c] = scal[at(S_LP, c)];
    dstats[(base + 1u) * NC + c] = alpha;
    dstats[(base + 2u) * NC + c] = scal[at(S_ENERGY, c)];
    dstats[(base + 3u) * NC + c] = scal[at(S_DIVERGENT, c)];
  }
}

// Per element, during warmup windows: accumulate the cross-chain mean, its square and the
// cross-chain variance of the current positions (dimbuf[3 DIM..6 DIM)).
@compute @workgroup_size(64)
fn window(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * 64u;
  if (e >= DIM) {
    return;
  }
  var s = 0.0;
  for (var c0 = 0u; c0 < NC; c0 += 64u) {
    var p = 0.0;
    let c1 = min(c0 + 64u, NC);
    for (var c = c0; c < c1; c++) {
      p += theta[at(e, c)];
    }
    s += p;
  }
  let m = s / f32(NC);
  var v = 0.0;
  for (var c0 = 0u; c0 < NC; c0 += 64u) {
    var p = 0.0;
    let c1 = min(c0 + 64u, NC);
    for (var c = c0; c < c1; c++) {
      let d = theta[at(e, c)] - m;
      p += d * d;
    }
    v += p;
  }
  dimbuf[3u * DIM + e] += m;
  dimbuf[4u * DIM + e] += m * m;
  dimbuf[5u * DIM + e] += v / f32(NC);
}
