import IMFLNumerics

/// A matrix stored as int8 codes with one scale per row: row `r` is approximately
/// `scales[r] * codes[r]`, each value within half a scale step of the original. A quarter of
/// the float matrix's memory, so a scan over it reads a quarter of the bytes.
///
/// Symmetric per-row quantisation: `scale = max|x| / 127`, `code = round(x / scale)`. Codes lie
/// in [-127, 127], which the int8 dot-product kernel needs to be exact.
public struct Int8Rows: Sendable {
    public let rows: Int
    public let dimension: Int
    /// Row-major codes, `rows * dimension` of them.
    public let codes: [Int8]
    public let scales: [Float]
    /// The L1 norm of each dequantised row, `scale * Σ|code|`, for error bounds.
    public let l1Norms: [Float]

    public init(_ matrix: Matrix) {
        rows = matrix.rows
        dimension = matrix.cols
        var codes = [Int8](repeating: 0, count: matrix.rows * matrix.cols)
        var scales = [Float](repeating: 0, count: matrix.rows)
        var l1Norms = [Float](repeating: 0, count: matrix.rows)
        let d = matrix.cols
        matrix.values.withUnsafeBufferPointer { values in
            codes.withUnsafeMutableBufferPointer { out in
                for r in 0..<matrix.rows {
                    let row = UnsafeBufferPointer(rebasing: values[r * d ..< (r + 1) * d])
                    let target = UnsafeMutableBufferPointer(rebasing: out[r * d ..< (r + 1) * d])
                    let (scale, sum) = Self.quantize(row, into: target)
                    scales[r] = scale
                    l1Norms[r] = scale * Float(sum)
                }
            }
        }
        self.codes = codes
        self.scales = scales
        self.l1Norms = l1Norms
    }

    /// Quantises one vector into `codes`.
    /// - Returns: the scale, and the sum of the codes' absolute values.
    @inline(__always)
    public static func quantize(_ x: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<Int8>) -> (scale: Float, absSum: Int) {
        var largest: Float = 0
        for v in x { largest = max(largest, abs(v)) }
        guard largest > 0, largest.isFinite else {
            for i in codes.indices { codes[i] = 0 }
            return (0, 0)
        }
        let scale = largest / 127
        let inverse = 1 / scale
        var absSum = 0
        for i in x.indices {
            let code = Int8(max(-127, min(127, (x[i] * inverse).rounded())))
            codes[i] = code
            absSum += Int(code.magnitude)
        }
        return (scale, absSum)
    }

    /// The largest difference between a row's dot product with `query` and the estimate
    /// `scales[r] * queryScale * Σ codes·queryCodes`, over all rows with this query.
    ///
    /// With `v = s_v·c_v + e_v`, `x = s_x·c_x + e_x` and every error at most half a step,
    /// `|v·x − s_v s_x c_v·c_x| ≤ |e_v·x| + |s_v c_v·e_x| ≤ s_v/2 · ‖x‖₁ + s_x/2 · ‖s_v c_v‖₁`.
    /// `slack` covers float rounding in the estimate and in the exact score it is compared to.
    struct ErrorBound {
        let halfQueryL1: Float
        let halfQueryScale: Float
        static let slack: Float = 1e-4

        init(queryScale: Float, queryL1: Float) {
            halfQueryL1 = queryL1 / 2
            halfQueryScale = queryScale / 2
        }

        @inline(__always)
        func bound(rowScale: Float, rowL1: Float) -> Float {
            rowScale * halfQueryL1 + halfQueryScale * rowL1 + Self.slack
        }
    }
}
