import Foundation

/// The weighted multinomial logistic loss and its gradient, the numeric core of the learner.
///
/// For parameters W (d × C) and b (C), with p_i = softmax(x_i W + b):
///
///     f = Σ_i s_i · [ −(1 − a_i) log p_i[y_i] − a_i log max_c p_i[c] ] + (λ/2) ‖W‖²
///
/// s_i is a per-label weight (the IMFL loss sets it to w_f / n_f for a label of fidelity f, so
/// each fidelity contributes the mean of its losses) and a_i the weight of the log-confidence
/// term (Mallen & Belrose, arXiv 2410.13215; 0 for ordinary cross-entropy). The max in the
/// confidence term is held fixed when differentiating, which gives its subgradient
/// p_i − e_argmax. The bias is not penalised; with an `anchor` W₀ the penalty is
/// (λ/2) ‖W − W₀‖², which is how a warm start keeps its effect on a convex loss. Both products with X run through `sgemm`.
///
/// Rows marked `corrected` use the forward loss correction of Patrini et al. ("Making Deep
/// Neural Networks Robust to Label Noise: a Loss Correction Approach", CVPR 2017): with T the
/// noise transition matrix, T[i][j] = P(noisy label j | true class i), the row's loss is
/// −log p̃[y] for p̃ = Tᵀ p, so the model learns the clean p while its noisy-label predictions
/// match what a noisy annotator says. Its gradient in the logits is p − (T[·][y] ∘ p) / p̃[y].
public struct SoftmaxObjective: Sendable {
    public let features: Matrix
    public let labels: [Int]
    public let sampleWeights: [Double]
    public let confidenceWeights: [Double]
    public let classes: Int
    public let l2: Double
    /// Weights the L2 penalty pulls towards (zero when nil): (λ/2) ‖W − W₀‖².
    public let anchor: [Double]?
    /// The noise transition matrix of the corrected rows (classes × classes, rows sum to 1).
    public let transition: [[Double]]?
    /// Which rows take the forward correction (none when nil).
    public let corrected: [Bool]?

    public init(features: Matrix, labels: [Int], sampleWeights: [Double],
                confidenceWeights: [Double]? = nil, classes: Int, l2: Double, anchor: [Double]? = nil,
                transition: [[Double]]? = nil, corrected: [Bool]? = nil) {
        precondition(transition.map { $0.count == classes && $0.allSatisfy { $0.count == classes } } ?? true)
        precondition(corrected.map { $0.count == features.rows } ?? true)
        self.transition = transition
        self.corrected = transition == nil ? nil : corrected
        precondition(labels.count == features.rows && sampleWeights.count == features.rows)
        self.features = features
        self.labels = labels
        self.sampleWeights = sampleWeights
        self.confidenceWeights = confidenceWeights ?? Array(repeating: 0, count: features.rows)
        self.classes = classes
        self.l2 = l2
        self.anchor = anchor
    }

    /// Number of parameters: d·C weights followed by C biases.
    public var parameterCount: Int { (features.cols + 1) * classes }

    /// f(θ), writing ∇f(θ) into `gradient`.
    public func evaluate(_ theta: [Double], gradient: inout [Double]) -> Double {
        let n = features.rows, d = features.cols, c = classes
        let (w, b) = Self.unpack(theta, features: d, classes: c)
        let logits = Matrix.multiply(features, w)
        var residual = Matrix(rows: n, cols: c)
        var loss = 0.0
        var row = [Double](repeating: 0, count: c)
        for i in 0 ..< n {
            var m = -Double.infinity
            for j in 0 ..< c {
                row[j] = Double(logits.values[i * c + j]) + b[j]
                m = max(m, row[j])
            }
            var z = 0.0
            var best = 0
            for j in 0 ..< c {
                if row[j] > row[best] { best = j }
                row[j] = exp(row[j] - m)
                z += row[j]
            }
            let logZ = log(z) + m
            let s = sampleWeights[i], a = confidenceWeights[i], y = labels[i]
            if let t = transition, corrected?[i] == true {
                var noisy = 0.0
                for j in 0 ..< c { noisy += t[j][y] * row[j] / z }
                noisy = max(noisy, 1e-300)
                loss -= s * log(noisy)
                for j in 0 ..< c {
                    let p = row[j] / z
                    residual.values[i * c + j] = Float(s * (p - t[j][y] * p / noisy))
                }
                continue
            }
            let logitY = log(row[y]) + m
            let logitBest = log(row[best]) + m
            loss += s * ((1 - a) * (logZ - logitY) + a * (logZ - logitBest))
            for j in 0 ..< c {
                var r = row[j] / z
                if j == y { r -= 1 - a }
                if j == best { r -= a }
                residual.values[i * c + j] = Float(s * r)
            }
        }
        let gw = Matrix.multiply(features, residual, transposeA: true)
        if gradient.count != theta.count { gradient = [Double](repeating: 0, count: theta.count) }
        var penalty = 0.0
        for k in 0 ..< d * c {
            let wk = theta[k] - (anchor?[k] ?? 0)
            penalty += wk * wk
            gradient[k] = Double(gw.values[k]) + l2 * wk
        }
        for j in 0 ..< c {
            var sum = 0.0
            for i in 0 ..< n { sum += Double(residual.values[i * c + j]) }
            gradient[d * c + j] = sum
        }
        return loss + 0.5 * l2 * penalty
    }

    /// Splits θ into W (as a Float matrix, d × C) and b.
    public static func unpack(_ theta: [Double], features d: Int, classes c: Int) -> (Matrix, [Double]) {
        let w = Matrix(rows: d, cols: c, values: theta[0 ..< d * c].map { Float($0) })
        return (w, Array(theta[d * c ..< (d + 1) * c]))
    }

    /// Logits x W + b for every row of `x`.
    public static func logits(_ x: Matrix, weights: Matrix, bias: [Double]) -> Matrix {
        var out = Matrix.multiply(x, weights)
        let c = weights.cols
        for i in 0 ..< x.rows {
            for j in 0 ..< c { out.values[i * c + j] += Float(bias[j]) }
        }
        return out
    }

    /// Row-wise softmax of `logits / temperature`.
    public static func probabilities(logits: Matrix, temperature: Double = 1) -> Matrix {
        var out = logits
        let c = logits.cols
        let inv = Float(1 / temperature)
        out.values.withUnsafeMutableBufferPointer { p in
            for i in 0 ..< logits.rows {
                let base = i * c
                var m = -Float.infinity
                for j in 0 ..< c { p[base + j] *= inv; m = max(m, p[base + j]) }
                var z: Float = 0
                for j in 0 ..< c { p[base + j] = expf(p[base + j] - m); z += p[base + j] }
                let iz = 1 / z
                for j in 0 ..< c { p[base + j] *= iz }
            }
        }
        return out
    }
}
