import Foundation

extension SafeTensorsFile {
    /// A float32 tensor to write: its name, shape and row-major values.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "tensor \(name): \(values.count) values for shape \(shape)")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The bytes of a safetensors file holding `tensors` in the order given, readable by
    /// `SafeTensorsFile`, by the `safetensors` Python package and by hand (see the model card
    /// of `imfl model export`). The header's keys are sorted and padded with spaces to a
    /// multiple of 8 bytes, as the reference implementation does, so equal tensors give
    /// byte-identical files.
    ///
    ///     let data = SafeTensorsFile.data([.init(name: "bias", shape: [3], values: [0, 1, 2])])
    ///
    /// - Parameters:
    ///   - metadata: free-form strings stored under `__metadata__`.
    ///   - dtype: the dtype written in the header; anything but F32 only makes sense for
    ///     testing a reader's refusal.
    public static func data(_ tensors: [Tensor], metadata: [String: String] = [:], dtype: String = "F32") -> Data {
        var header: [String: Any] = [:]
        var body = Data()
        for tensor in tensors {
            let start = body.count
            tensor.values.withUnsafeBufferPointer { values in
                body.reserveCapacity(body.count + values.count * 4)
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            }
            header[tensor.name] = ["dtype": dtype, "shape": tensor.shape, "data_offsets": [start, body.count]]
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        return data + json + body
    }
}
