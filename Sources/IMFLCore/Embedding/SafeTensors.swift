import Foundation

/// A problem with a safetensors file; every case names the file.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public var description: String { "\(path): \(problem)" }
}

/// A safetensors file: an 8-byte little-endian header length, a JSON header mapping each
/// tensor name to `{dtype, shape, data_offsets}`, then the raw little-endian tensor bytes.
///
///     let file = try SafeTensorsFile(contentsOf: url)
///     let gamma = try file.floats("embeddings.LayerNorm.weight", shape: [384])
public struct SafeTensorsFile: Sendable {
    /// Where one tensor sits and what it holds.
    public struct TensorInfo: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range within the data section (after the header).
        public let byteRange: Range<Int>
    }

    public let url: URL
    public let tensors: [String: TensorInfo]
    private let data: Data
    private let dataStart: Int

    /// Reads and checks the header; tensor bytes are read on demand from a memory map.
    /// - Throws: `SafeTensorsError` when the file is missing, truncated or its header is
    ///   not a valid safetensors header.
    public init(contentsOf url: URL) throws {
        self.url = url
        let path = url.path
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw fail("cannot be read (\(error.localizedDescription))")
        }
        guard data.count >= 8 else {
            throw fail("truncated: \(data.count) bytes, too short to hold the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in (0..<8).reversed() { headerLength = headerLength << 8 | UInt64(data[data.startIndex + i]) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("truncated: the header claims \(headerLength) bytes but only \(data.count - 8) follow")
        }
        let start = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: data.startIndex + 8 ..< data.startIndex + start))
        } catch {
            throw fail("the header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("the header is not a JSON object") }
        let available = data.count - start
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1]
            else { throw fail("tensor \(name) has a malformed header entry") }
            guard offsets[1] <= available else {
                throw fail("truncated: tensor \(name) ends at byte \(offsets[1]) of the data but the file holds \(available)")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, byteRange: offsets[0]..<offsets[1])
        }
        self.tensors = tensors
        self.data = data
        self.dataStart = start
    }

    /// The values of a float32 tensor, row-major, after checking its dtype, shape and size.
    /// - Throws: `SafeTensorsError` naming the file and the tensor when it is missing, not
    ///   F32, of another shape than `shape`, or its byte range does not match its shape.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: url.path, problem: problem) }
        guard let info = tensors[name] else { throw fail("tensor \(name) is missing") }
        guard info.dtype == "F32" else { throw fail("tensor \(name) is \(info.dtype), expected F32") }
        guard info.shape == shape else {
            throw fail("tensor \(name) has shape \(info.shape), expected \(shape)")
        }
        let count = shape.reduce(1, *)
        guard info.byteRange.count == count * 4 else {
            throw fail("tensor \(name) holds \(info.byteRange.count) bytes, expected \(count * 4) for shape \(shape)")
        }
        var values = [Float](repeating: 0, count: count)
        let begin = data.startIndex + dataStart + info.byteRange.lowerBound
        values.withUnsafeMutableBytes { target in
            data.copyBytes(to: target.bindMemory(to: UInt8.self), from: begin ..< begin + count * 4)
        }
        #if _endian(big)
        values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        return values
    }
}
