import CBLAS

/// Element-wise kernels of the transformer forward pass, written over `SIMD8<Float>` so that
/// the compiler emits vector instructions. A scalar `erf` or `exp` per element would cost as
/// much as the matrix products around it.
public enum VectorMath {
    /// Lanes processed per step by every kernel here.
    public static let lanes = 8

    // MARK: - exp and erf

    /// `e^x` for eight values at once, accurate to a few units in the last place on
    /// [-87, 88] (inputs outside are clamped, so `-inf` gives a tiny positive value, not NaN).
    ///
    /// Range reduction `x = n·ln2 + r` with |r| ≤ ln2/2, a degree-6 Taylor polynomial for
    /// `e^r` (truncation error below 2.5e-7 relative), and `2^n` built from the exponent bits.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.3)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Adding 1.5·2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        // ln2 split in a short high part (exact when multiplied by n) and a correction.
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: SIMD8<Float>.self)
        return p * scale
    }

    /// The error function for eight values at once, absolute error below 5e-7 in float32
    /// (the formula itself is within 1.5e-7; the rest is rounding).
    ///
    /// Abramowitz & Stegun, Handbook of Mathematical Functions, formula 7.1.26:
    /// `erf(x) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(−x²)`, `t = 1/(1 + p·x)`
    /// for x ≥ 0, extended to x < 0 by oddness.
    @inlinable @inline(__always)
    public static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let ax = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
        let t = 1 / (1 + 0.327_591_1 * ax)
        var poly = SIMD8<Float>(repeating: 1.061_405_429)
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        poly = poly * t
        let y = 1 - poly * Self.exp(-(ax * ax))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// BERT's GELU, `x · Φ(x) = 0.5·x·(1 + erf(x/√2))` (the exact form, not the tanh one).
    @inlinable @inline(__always)
    public static func gelu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        0.5 * x * (1 + erf(x * 0.707_106_781_186_547_5))
    }

    // MARK: - Row kernels

    /// Adds `bias` to every row of the `rows × cols` matrix at `x`, then applies GELU in place.
    /// - precondition: `cols` is a multiple of 8 (384 and 1536 are).
    public static func addBiasGELU(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>
    ) {
        precondition(cols % lanes == 0, "cols must be a multiple of 8")
        let raw = UnsafeMutableRawPointer(x)
        let rawBias = UnsafeRawPointer(bias)
        for r in 0..<rows {
            let rowStart = r * cols * 4
            var c = 0
            while c < cols {
                let v = raw.loadUnaligned(fromByteOffset: rowStart + c * 4, as: SIMD8<Float>.self)
                    + rawBias.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
                raw.storeBytes(of: gelu(v), toByteOffset: rowStart + c * 4, as: SIMD8<Float>.self)
                c += lanes
            }
        }
    }

    /// Adds `bias` to every row of the `rows × cols` matrix at `x` (leading dimension `ld`).
    public static func addBias(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int, bias: UnsafePointer<Float>
    ) {
        for r in 0..<rows {
            let row = x + r * ld
            for c in 0..<cols { row[c] += bias[c] }
        }
    }

    /// `x = LayerNorm(x + residual) · gamma + beta`, row by row, with the two-pass variance
    /// (mean first, then squared deviations) that matches PyTorch's float32 result closely.
    /// Pass `residual: nil` for a plain layer norm.
    public static func addLayerNorm(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, rows: Int, cols: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        precondition(cols % lanes == 0, "cols must be a multiple of 8")
        let raw = UnsafeMutableRawPointer(x)
        let g = UnsafeRawPointer(gamma), b = UnsafeRawPointer(beta)
        let inverseCount = 1 / Float(cols)
        for r in 0..<rows {
            let base = r * cols * 4
            var sum = SIMD8<Float>()
            var c = 0
            if let residual {
                let res = UnsafeRawPointer(residual)
                while c < cols {
                    let v = raw.loadUnaligned(fromByteOffset: base + c * 4, as: SIMD8<Float>.self)
                        + res.loadUnaligned(fromByteOffset: base + c * 4, as: SIMD8<Float>.self)
                    raw.storeBytes(of: v, toByteOffset: base + c * 4, as: SIMD8<Float>.self)
                    sum += v
                    c += lanes
                }
            } else {
                while c < cols {
                    sum += raw.loadUnaligned(fromByteOffset: base + c * 4, as: SIMD8<Float>.self)
                    c += lanes
                }
            }
            let mean = sum.sum() * inverseCount
            var squares = SIMD8<Float>()
            c = 0
            while c < cols {
                let d = raw.loadUnaligned(fromByteOffset: base + c * 4, as: SIMD8<Float>.self) - mean
                squares += d * d
                c += lanes
            }
            let scale = 1 / (squares.sum() * inverseCount + epsilon).squareRoot()
            c = 0
            while c < cols {
                let v = raw.loadUnaligned(fromByteOffset: base + c * 4, as: SIMD8<Float>.self)
                let y = (v - mean) * scale * g.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
                    + b.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
                raw.storeBytes(of: y, toByteOffset: base + c * 4, as: SIMD8<Float>.self)
                c += lanes
            }
        }
    }

    /// Softmax of each row of the `rows × cols` matrix at `x` (leading dimension `ld`), in place.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int) {
        let full = cols - cols % lanes
        for r in 0..<rows {
            let row = x + r * ld
            var maximum = -Float.infinity
            for c in 0..<cols { maximum = Swift.max(maximum, row[c]) }
            let raw = UnsafeMutableRawPointer(row)
            var total = SIMD8<Float>()
            var c = 0
            while c < full {
                let e = exp(raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self) - maximum)
                raw.storeBytes(of: e, toByteOffset: c * 4, as: SIMD8<Float>.self)
                total += e
                c += lanes
            }
            var tailSum: Float = 0
            if full < cols {
                var tail = SIMD8<Float>(repeating: -Float.infinity)
                for i in full..<cols { tail[i - full] = row[i] - maximum }
                let e = exp(tail)
                for i in full..<cols {
                    row[i] = e[i - full]
                    tailSum += e[i - full]
                }
            }
            let inverse = 1 / (total.sum() + tailSum)
            for i in 0..<cols { row[i] *= inverse }
        }
    }

    /// Scales each row of the `rows × cols` matrix at `x` to unit Euclidean length; an all-zero
    /// row stays zero (PyTorch's `normalize` divides by `max(norm, 1e-12)`).
    public static func normalizeRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = x + r * cols
            var squares: Float = 0
            for c in 0..<cols { squares += row[c] * row[c] }
            let inverse = 1 / Swift.max(squares.squareRoot(), 1e-12)
            for c in 0..<cols { row[c] *= inverse }
        }
    }
}
