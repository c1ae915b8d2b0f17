// The compiled model's log density and gradient for NC chains at once (lib/model/compiled_model.ts
// in f32), in four dispatches:
//   1. pattern_likelihood (or gaussian_cells): per chunk of patterns (one cell) and chain, the
//      likelihood's partial sums: lp, ∂/∂β (D), ∂/∂ρ_cell (KT) [, the family's parameters].
//   2. varying_backward: per (group, chain): sums the ∂/∂ρ of the group's cells, back through
//      r = diag(sd) L z to z; per-group partial sums for ∂/∂log sd and ∂/∂L.
//   3. reduce_sums: per (row, chain): a row of partials summed over chunks or groups.
//   4. finalize: per chain: the family's and priors' terms, Jacobians, Cholesky backward.
// MODE (pipeline constant) fuses the leapfrog update of each element into the kernel that
// completes its gradient: 0 = gradient only, 1 = interior step (p += ε g; θ += ε M⁻¹ p),
// 2 = last step (p += ε/2 g).

override MODE: u32 = 0u;

fn step_update(e: u32, c: u32, g: f32) {
  let k = at(e, c);
  if (MODE == 1u) {
    let p = mom[k] + ctl.eps * g;
    mom[k] = p;
    theta[k] = theta[k] + ctl.eps * dimbuf[e] * p;
  } else if (MODE == 2u) {
    mom[k] = mom[k] + 0.5 * ctl.eps * g;
  }
}

// pattern_terms(eta, y, n, ex) -> (lp, ∂lp/∂η, two parameter partials), family_extras(c) and
// family_finalize(c, lik, beta, gbeta) come from the family (lib/families/<family>.ts), prepended
// by lib/webgpu/gpu_model.ts.

// Workgroup (x: block of CW chain slots, y/z: block of PL chunks) of LW = CW × PL invocations:
// slot cl of the block holds chains slot·CPI … slot·CPI + CPI − 1, plane `plane` takes chunk
// (block · PL + plane). Pattern rows come from the row texture (layout.ts).
@compute @workgroup_size(LW)
fn pattern_likelihood(
  @builtin(local_invocation_index) l: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let cl = l % CW;
  let plane = l / CW;
  let chunk = (wid.y + wid.z * nwg.y) * PL + plane;
  if (chunk >= NCHUNK) {
    return;
  }
  let slot = wid.x * CW + cl;
  let start = idx[IDX_CHUNK + 4u * chunk];
  let end = idx[IDX_CHUNK + 4u * chunk + 1u];
  let cell = idx[IDX_CHUNK + 4u * chunk + 2u];
  //@PATTERN_LOOP
}

// Gaussian: workgroups (chain block of 64, cell). Partials of cell c:
// lp slot = the cell's part of the residual sum of squares ρᵀ(−2ê + 2BᵀΔ + Cρ) (Δ = β − β̂),
// ∂/∂β slots = −Bρ/σ², ∂/∂ρ slots = (ê − BᵀΔ − Cρ)/σ².
@compute @workgroup_size(64)
fn gaussian_cells(
  @builtin(local_invocation_index) l: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  // The cell comes from the workgroup id, so its data are uniform loads for all 64 chains.
  let cell = wid.y + wid.z * nwg.y;
  let c = wid.x * 64u + l;
  if (cell >= NCELL || c >= NC) {
    return;
  }
  var beta: array<f32, DA>;
  load_beta(c, &beta);
  for (var a = 0u; a < D; a++) {
    beta[a] -= modelF[F_BHAT + a];
  }
  var rho: array<f32, KTA>;
  cell_rho(cell, c, &rho);
  let inv_var = exp(-2.0 * theta[at(SIGMA_OFF, c)]);
  var rss = 0.0;
  let b0 = F_GB + cell * D * KT;
  let c0 = F_GC + cell * KT * KT;
  let e0 = F_GE + cell * KT;
  for (var k = 0u; k < KT; k++) {
    var btd = 0.0;
    for (var a = 0u; a < D; a++) {
      btd += modelF[b0 + a * KT + k] * beta[a];
    }
    var cr = 0.0;
    for (var m = 0u; m < KT; m++) {
      cr += modelF[c0 + k * KT + m] * rho[m];
    }
    let e = modelF[e0 + k];
    rss += rho[k] * (-2.0 * e + 2.0 * btd + cr);
    partials[(cell * NACC + 1u + D + k) * NC + c] = (e - btd - cr) * inv_var;
  }
  partials[(cell * NACC) * NC + c] = rss;
  for (var a = 0u; a < D; a++) {
    var s = 0.0;
    for (var k = 0u; k < KT; k++) {
      s += modelF[b0 + a * KT + k] * rho[k];
    }
    partials[(cell * NACC + 1u + a) * NC + c] = -s * inv_var;
  }
}

// One invocation per (group, chain), chain fastest: i = g · NC + c (workgroups x, then y rows),
// so few chains still fill the workgroups.
@compute @workgroup_size(64)
fn varying_backward(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let g = i / NC;
  let c = i % NC;
  if (g >= NG) {
    return;
  }
  var t = 0u;
  for (var s = 1u; s < NT; s++) {
    if (g >= T_GSTART[s]) {
      t = s;
    }
  }
  let K = T_K[t];
  let j = g - T_GSTART[t];
  var gr: array<f32, KMAX>;
  for (var k = 0u; k < KMAX; k++) {
    gr[k] = 0.0;
  }
  // Cells of the group (< 65,535, checked in layout.ts), chunks of each cell (< 65,535).
  let q1 = idx[IDX_GCSTART + g + 1u];
  for (var q = idx[IDX_GCSTART + g]; q < q1; q++) {
    let cell = idx[IDX_GCLIST + q];
    let h1 = idx[IDX_CCSTART + cell + 1u];
    for (var h = idx[IDX_CCSTART + cell]; h < h1; h++) {
      for (var k = 0u; k < K; k++) {
        gr[k] += partials[(h * NACC + 1u + D + T_KOFF[t] + k) * NC + c];
      }
    }
  }
  var sd: array<f32, KMAX>;
  var L: array<f32, KMAX2>;
  _ = term_transform(t, c, &sd, &L);
  let z0 = T_Z[t] + j * K;
  let base = T_GP[t] + j * T_NGP[t];
  if (T_CENT[t] == 1u) {
    // Centred: θ holds r; w = r / sd, u = L⁻¹ w, v = L⁻ᵀ u; lp −½|u|²; ∂/∂r = gr − v / sd;
    // per group ∂/∂log sd_a += v_a w_a and ∂/∂L_ab += v_a u_b (the −J terms are in finalize).
    var w: array<f32, KMAX>;
    var u: array<f32, KMAX>;
    var v: array<f32, KMAX>;
    var uu = 0.0;
    for (var a = 0u; a < K; a++) {
      w[a] = theta[at(z0 + a, c)] / sd[a];
      var ua = w[a];
      if (T_CORR[t] == 1u) {
        for (var b = 0u; b < a; b++) {
          ua -= L[a * KMAX + b] * u[b];
        }
        ua /= L[a * KMAX + a];
      }
      u[a] = ua;
      uu += ua * ua;
    }
    for (var aa = K; aa > 0u; aa--) {
      let a = aa - 1u;
      var va = u[a];
      if (T_CORR[t] == 1u) {
        for (var b = a + 1u; b < K; b++) {
          va -= L[b * KMAX + a] * v[b];
        }
        va /= L[a * KMAX + a];
      }
      v[a] = va;
    }
    gpart[at(base, c)] = -0.5 * uu;
    for (var a = 0u; a < K; a++) {
      gpart[at(base + 1u + a, c)] = v[a] * w[a];
    }
    if (T_CORR[t] == 1u) {
      var slot = base + 1u + K;
      for (var a = 0u; a < K; a++) {
        for (var b = 0u; b <= a; b++) {
          gpart[at(slot, c)] = v[a] * u[b];
          slot += 1u;
        }
      }
    }
    for (var a = 0u; a < K; a++) {
      let gz = gr[a] - v[a] / sd[a];
      grad[at(z0 + a, c)] = gz;
      step_update(z0 + a, c, gz);
    }
    return;
  }
  var z: array<f32, KMAX>;
  var zz = 0.0;
  for (var k = 0u; k < K; k++) {
    z[k] = theta[at(z0 + k, c)];
    zz += z[k] * z[k];
  }
  gpart[at(base, c)] = -0.5 * zz;
  var gu: array<f32, KMAX>;
  for (var a = 0u; a < K; a++) {
    var u = 0.0;
    for (var b = 0u; b <= a; b++) {
      u += L[a * KMAX + b] * z[b];
    }
    // ∂/∂log sd_a = gr_a r_a; for a signed scale ∂/∂u_a = gr_a (L z)_a.
    gpart[at(base + 1u + a, c)] = gr[a] * select(sd[a], 1.0, signed_sd(t, a)) * u;
    gu[a] = gr[a] * sd[a];
  }
  if (T_CORR[t] == 1u) {
    var slot = base + 1u + K;
    for (var a = 0u; a < K; a++) {
      for (var b = 0u; b <= a; b++) {
        gpart[at(slot, c)] = gu[a] * z[b];
        slot += 1u;
      }
    }
  }
  for (var b = 0u; b < K; b++) {
    var gz = -z[b];
    if (T_CORR[t] == 1u) {
      for (var a = b; a < K; a++) {
        gz += gu[a] * L[a * KMAX + b];
      }
    } else {
      gz += gu[b];
    }
    grad[at(z0 + b, c)] = gz;
    step_update(z0 + b, c, gz);
  }
}

// reduce_sums, per (row, chain): one workgroup of 64 sums a row over all chunks or groups in
// place, into its first item. Rows: the likelihood partials but the KT ∂/∂ρ slots (summed per
// group in varying_backward), then each term's group-partial slots. Invocation l sums items
// l, l + 64, …, then a fixed tree over the 64: lavapipe stops an invocation's loops once all of
// them together have run 65,535 iterations, so finalize, one invocation per chain, must not sum
// every row itself (its sums would come out short past ~5,500 groups).
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn reduce_sums(@builtin(local_invocation_index) l: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let row = wid.x;
  let c = wid.y;
  var n = NCHUNK;
  var stride = NACC * NC;
  var first = 0u;
  let nlik = NACC - KT;
  if (row < nlik) {
    first = select(row + KT, row, row < 1u + D) * NC + c;
  } else {
    // Group-partial slot `slot` of term t: gpart[at(T_GP[t] + j · T_NGP[t] + slot, c)], j < T_J[t].
    var slot = row - nlik;
    var t = 0u;
    for (var s = 0u; s < NT; s++) {
      if (t == s && slot >= T_NGP[s]) {
        slot -= T_NGP[s];
        t = s + 1u;
      }
    }
    n = T_J[t];
    stride = T_NGP[t] * NC;
    first = at(T_GP[t] + slot, c);
  }
  var part = 0.0;
  for (var i = l; i < n; i += 64u) {
    if (row < nlik) {
      part += partials[first + i * stride];
    } else {
      part += gpart[first + i * stride];
    }
  }
  red[l] = part;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (l < w) {
      red[l] += red[l + w];
    }
    workgroupBarrier();
  }
  if (l == 0u) {
    if (row < nlik) {
      partials[first] = red[0];
    } else {
      gpart[first] = red[0];
    }
  }
}

// Partial k summed over all chunks for chain c (by reduce_sums, into chunk 0's slot).
fn sum_partials(k: u32, c: u32) -> f32 {
  return partials[k * NC + c];
}

// Group-partial slot `slot` of term t summed over its groups (by reduce_sums, into group 0's).
fn sum_groups(t: u32, slot: u32, c: u32) -> f32 {
  return gpart[at(T_GP[t] + slot, c)];
}

fn set_grad(e: u32, c: u32, g: f32) {
  grad[at(e, c)] = g;
  step_update(e, c, g);
}

// One invocation per chain.
@compute @workgroup_size(64)
fn finalize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= NC) {
    return;
  }
  var beta: array<f32, DA>;
  load_beta(c, &beta);
  var gbeta: array<f32, DA>;
  for (var a = 0u; a < D; a++) {
    gbeta[a] = sum_partials(1u + a, c);
  }
  var lp = 0.0;
  // The likelihood's total, the family parameters' priors and gradients (lib/families/).
  lp += family_finalize(c, sum_partials(0u, c), &beta, &gbeta);
  // Population-level priors.
  for (var a = 0u; a < NB; a++) {
    let pr = prior(a, beta[a]);
    lp += pr.x;
    set_grad(a, c, gbeta[a] + pr.y);
  }
  // Scales and correlations of each term.
  var sd_slot = PRIOR_SD;
  for (var t = 0u; t < NT; t++) {
    let K = T_K[t];
    var sd: array<f32, KMAX>;
    var L: array<f32, KMAX2>;
    lp += term_transform(t, c, &sd, &L);
    lp += sum_groups(t, 0u, c);
    // Centred terms: −J Σ_k (log sd_k + log L_kk) in lp and its gradient.
    let centred = T_CENT[t] == 1u;
    let Jf = f32(T_J[t]);
    for (var k = 0u; k < K; k++) {
      if (signed_sd(t, k)) {
        // Signed scale u: the prior density of |u|, no Jacobian (never centred).
        let pr = prior(sd_slot, abs(sd[k]));
        sd_slot += 1u;
        lp += pr.x;
        set_grad(T_LOGSD[t] + k, c, sign(sd[k]) * pr.y + sum_groups(t, 1u + k, c));
        continue;
      }
      let log_sd = theta[at(T_LOGSD[t] + k, c)];
      let pr = prior(sd_slot, sd[k]);
      sd_slot += 1u;
      lp += pr.x + log_sd;
      var g = pr.y * sd[k] + 1.0 + sum_groups(t, 1u + k, c);
      if (centred) {
        lp -= Jf * (log_sd + log(L[k * KMAX + k]));
        g -= Jf;
      }
      set_grad(T_LOGSD[t] + k, c, g);
    }
    if (T_CORR[t] == 1u) {
      var gL: array<f32, KMAX2>;
      for (var q = 0u; q < KMAX2; q++) {
        gL[q] = 0.0;
      }
      var slot = 1u + K;
      for (var a = 0u; a < K; a++) {
        for (var b = 0u; b <= a; b++) {
          gL[a * KMAX + b] = sum_groups(t, slot, c);
          slot += 1u;
        }
      }
      if (centred) {
        for (var k = 0u; k < K; k++) {
          gL[k * KMAX + k] -= Jf / L[k * KMAX + k];
        }
      }
      var gy: array<f32, KMAX2>;
      chol_backward(t, c, &L, &gL, &gy);
      for (var p = 0u; p < K * (K - 1u) / 2u; p++) {
        set_grad(T_COR[t] + p, c, gy[p]);
      }
    }
  }
  if (!is_finite(lp)) {
    lp = neg_inf();
  }
  scal[at(S_LP, c)] = lp;
}
