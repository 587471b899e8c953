import Foundation
import IMFLNumerics

/// A stored vector whose bytes do not fit the expected dimension.
public struct VectorBlobError: Error, Equatable, CustomStringConvertible {
    public let index: Int
    public let byteCount: Int
    public let dimension: Int

    public var description: String {
        "vector \(index): \(byteCount) bytes, expected \(dimension * 4) for \(dimension) float32 values"
    }
}

/// The on-disk form of an embedding: its float32 values, little-endian, back to back
/// (1,536 bytes for 384 dimensions). Compact, exact, and copied straight into a `Matrix`
/// on load, which keeps opening a session with 100k cached vectors well under a second.
public enum VectorBlob {
    /// The bytes of one vector.
    public static func encode(_ vector: some Collection<Float>) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The bytes of each row of `matrix`.
    public static func encodeRows(_ matrix: Matrix) -> [Data] {
        (0..<matrix.rows).map { r in
            encode(matrix.values[r * matrix.cols ..< (r + 1) * matrix.cols])
        }
    }

    /// Stacks stored vectors into a matrix, one row per blob.
    /// - Throws: `VectorBlobError` for a blob of the wrong length (another model's vector).
    public static func decode(_ blobs: [Data], dimension: Int) throws -> Matrix {
        var matrix = Matrix(rows: blobs.count, cols: dimension)
        let rowBytes = dimension * 4
        try matrix.values.withUnsafeMutableBytes { target in
            for (i, blob) in blobs.enumerated() {
                guard blob.count == rowBytes else {
                    throw VectorBlobError(index: i, byteCount: blob.count, dimension: dimension)
                }
                blob.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: target[i * rowBytes ..< (i + 1) * rowBytes]))
            }
        }
        #if _endian(big)
        matrix.values = matrix.values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        return matrix
    }
}
