/** The WGSL `family_extras` and `family_finalize` of a family with no parameters besides η. */
export const NO_PARAMETERS_WGSL = `
fn family_extras(c: u32) -> vec2<f32> {
  return vec2<f32>(1.0, 1.0);
}

fn family_finalize(c: u32, lik: f32, beta: ptr<function, array<f32, DA>>,
                   gbeta: ptr<function, array<f32, DA>>) -> f32 {
  return lik;
}
`;
