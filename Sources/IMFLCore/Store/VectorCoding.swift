import Foundation

/// Vectors are stored as little-endian IEEE-754 `Float32` BLOBs: compact, and readable from
/// any language with one call (`numpy.frombuffer(blob, "<f4")`).
enum VectorCoding {
    static func encode(_ values: ArraySlice<Float>) -> Data {
        var data = Data(count: values.count * MemoryLayout<Float>.size)
        data.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return data
    }

    static func decode(_ data: Data, into values: inout [Float]) {
        let count = data.count / MemoryLayout<Float>.size
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                values.append(Float(bitPattern: bits))
            }
        }
    }
}
