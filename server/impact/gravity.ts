/**
 * Trip distribution by a production-constrained gravity model:
 * T_ij = P_i · A_j · exp(−β·c_ij) / Σ_k A_k · exp(−β·c_ik), with no intra-zonal trips and no
 * trips to zones that cannot be reached (c = ∞).
 * `cost` is Z×Z row-major (minutes); returns Z×Z trips.
 */
export function gravityDistribution(
  productions: Float64Array,
  attractions: Float64Array,
  cost: Float64Array,
  betaPerMin: number,
): Float64Array {
  const z = productions.length;
  const trips = new Float64Array(z * z);
  const weight = new Float64Array(z);
  for (let i = 0; i < z; i++) {
    const p = productions[i]!;
    if (p <= 0) continue;
    let sum = 0;
    for (let j = 0; j < z; j++) {
      const c = cost[i * z + j]!;
      const w = i === j || !Number.isFinite(c) ? 0 : attractions[j]! * Math.exp(-betaPerMin * c);
      weight[j] = w;
      sum += w;
    }
    if (sum <= 0) continue;
    for (let j = 0; j < z; j++) trips[i * z + j] = (p * weight[j]!) / sum;
  }
  return trips;
}
