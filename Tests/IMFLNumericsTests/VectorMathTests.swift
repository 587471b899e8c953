import Foundation
import Testing
@testable import IMFLNumerics

@Suite("Vectorised element-wise kernels")
struct VectorMathTests {
    /// Evenly spaced points over [low, high] in groups of eight.
    func grid(_ low: Float, _ high: Float, count: Int = 4096) -> [SIMD8<Float>] {
        (0..<count / 8).map { g in
            var v = SIMD8<Float>()
            for i in 0..<8 { v[i] = low + (high - low) * Float(g * 8 + i) / Float(count - 1) }
            return v
        }
    }

    @Test("exp matches the C library to a few parts in ten million")
    func expAccuracy() {
        // Given inputs across the range the softmax and erf use
        var worst: Double = 0
        for v in grid(-87, 88) {
            // When computed eight at a time
            let e = VectorMath.exp(v)
            for i in 0..<8 {
                let reference = Foundation.exp(Double(v[i]))
                worst = max(worst, abs(Double(e[i]) - reference) / reference)
            }
        }
        // Then the relative error is tiny
        #expect(worst < 1e-6, "worst relative error \(worst)")
    }

    @Test("exp of -infinity is zero-like, not NaN")
    func expOfMinusInfinity() {
        let e = VectorMath.exp(SIMD8(repeating: -.infinity))
        #expect(e[0] >= 0 && e[0] < 1e-37)
    }

    @Test("erf is within 5e-7 of the C library's erf")
    func erfAccuracy() {
        var worst: Double = 0
        for v in grid(-6, 6) {
            let y = VectorMath.erf(v)
            for i in 0..<8 { worst = max(worst, abs(Double(y[i]) - Foundation.erf(Double(v[i])))) }
        }
        #expect(worst < 5e-7, "worst absolute error \(worst)")
    }

    @Test("GELU with bias matches x·Φ(x) computed in double precision")
    func geluWithBias() {
        // Given a 2 × 16 matrix and a bias
        var x: [Float] = (0..<32).map { Float($0) * 0.37 - 6 }
        let bias: [Float] = (0..<16).map { Float($0) * 0.01 }
        let expected: [Double] = x.enumerated().map { i, value in
            let z = Double(value) + Double(bias[i % 16])
            return 0.5 * z * (1 + Foundation.erf(z / 2.0.squareRoot()))
        }
        // When the fused kernel runs
        x.withUnsafeMutableBufferPointer { p in
            bias.withUnsafeBufferPointer { b in
                VectorMath.addBiasGELU(p.baseAddress!, rows: 2, cols: 16, bias: b.baseAddress!)
            }
        }
        // Then every value agrees
        for i in 0..<32 { #expect(abs(Double(x[i]) - expected[i]) < 2e-6, "index \(i)") }
    }

    @Test("layer norm of x + residual has the requested mean and scale")
    func layerNorm() {
        // Given two rows of 8 values, a residual, gamma and beta
        var x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, -3, 0, 3, 9, 1, 1, 2, 5]
        let residual: [Float] = (0..<16).map { Float($0 % 3) }
        let gamma: [Float] = (0..<8).map { 1 + Float($0) * 0.1 }
        let beta: [Float] = (0..<8).map { Float($0) * -0.2 }
        var expected: [Double] = []
        for r in 0..<2 {
            let row = (0..<8).map { Double(x[r * 8 + $0] + residual[r * 8 + $0]) }
            let mean = row.reduce(0, +) / 8
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
            for c in 0..<8 {
                expected.append((row[c] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[c]) + Double(beta[c]))
            }
        }
        // When normalised in place
        x.withUnsafeMutableBufferPointer { p in
            residual.withUnsafeBufferPointer { res in
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { b in
                        VectorMath.addLayerNorm(p.baseAddress!, residual: res.baseAddress!, rows: 2, cols: 8,
                                                gamma: g.baseAddress!, beta: b.baseAddress!, epsilon: 1e-12)
                    }
                }
            }
        }
        // Then it matches the double-precision formula
        for i in 0..<16 { #expect(abs(Double(x[i]) - expected[i]) < 1e-5, "index \(i)") }
    }

    @Test("softmax rows sum to one and match the formula, also for lengths not a multiple of 8",
          arguments: [1, 5, 8, 13, 27])
    func softmax(length: Int) {
        // Given rows with a large spread of values
        let rows = 3
        var x: [Float] = (0..<rows * length).map { Float(($0 * 7919) % 23) - 11 }
        let original = x
        // When softmax runs in place
        x.withUnsafeMutableBufferPointer { VectorMath.softmaxRows($0.baseAddress!, rows: rows, cols: length, ld: length) }
        // Then each row is a distribution matching exp(x)/Σexp(x)
        for r in 0..<rows {
            let row = original[r * length ..< (r + 1) * length].map(Double.init)
            let m = row.max()!
            let total = row.map { Foundation.exp($0 - m) }.reduce(0, +)
            for c in 0..<length {
                #expect(abs(Double(x[r * length + c]) - Foundation.exp(row[c] - m) / total) < 1e-6)
            }
        }
    }

    @Test("normalising rows gives unit length and leaves a zero row at zero")
    func normalize() {
        var x: [Float] = [3, 4, 0, 0, 0, 0]
        x.withUnsafeMutableBufferPointer { VectorMath.normalizeRows($0.baseAddress!, rows: 2, cols: 3) }
        #expect(x == [0.6, 0.8, 0, 0, 0, 0])
    }
}
