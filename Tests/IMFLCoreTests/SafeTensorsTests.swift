import Foundation
import Testing
@testable import IMFLCore

@Suite("safetensors reader")
struct SafeTensorsTests {
    let tensor = SafeTensorsFile.Tensor(name: "w", shape: [2, 3], values: [1, -2, 3.5, 4, 5, 6e-8])

    func write(_ data: Data) throws -> (URL, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        let url = dir.file("model.safetensors")
        try data.write(to: url)
        return (url, dir)
    }

    func problem(_ data: Data, read: (SafeTensorsFile) throws -> Void = { _ in }) throws -> String? {
        let (url, dir) = try write(data); defer { dir.cleanUp() }
        do {
            try read(try SafeTensorsFile(contentsOf: url))
            return nil
        } catch let error as SafeTensorsError {
            #expect(error.path == url.path, "the error names the file")
            return error.problem
        }
    }

    @Test("a well-formed file gives back its floats")
    func reads() throws {
        let (url, dir) = try write(SafeTensorsFile.data([tensor, .init(name: "b", shape: [1], values: [7])])); defer { dir.cleanUp() }
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try file.floats("w", shape: [2, 3]) == tensor.values)
        #expect(try file.floats("b", shape: [1]) == [7])
    }

    @Test("a written file's header is padded to 8 bytes and keeps its metadata")
    func writesAlignedHeader() throws {
        // Given a tensor and metadata written by imfl
        let data = SafeTensorsFile.data([tensor], metadata: ["format": "imfl"])
        // Then the data section starts on an 8-byte boundary and the header holds the metadata
        var length = 0
        for i in (0..<8).reversed() { length = length << 8 | Int(data[i]) }
        #expect(length % 8 == 0)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8 ..< 8 + length)) as? [String: Any]
        #expect((header?["__metadata__"] as? [String: String]) == ["format": "imfl"])
        // And the reader gives the values back
        let (url, dir) = try write(data); defer { dir.cleanUp() }
        #expect(try SafeTensorsFile(contentsOf: url).floats("w", shape: [2, 3]) == tensor.values)
    }

    @Test("a file shorter than the header length is truncated")
    func tooShort() throws {
        #expect(try problem(Data([1, 2, 3]))?.contains("truncated") == true)
    }

    @Test("a header longer than the file is truncated")
    func headerBeyondFile() throws {
        let data = SafeTensorsFile.data([tensor])
        #expect(try problem(data.prefix(20))?.contains("truncated") == true)
    }

    @Test("tensor data cut short is truncated, naming the tensor")
    func dataCut() throws {
        let data = SafeTensorsFile.data([tensor])
        let message = try problem(data.dropLast(4))
        #expect(message?.contains("truncated") == true && message?.contains("w") == true)
    }

    @Test("a header that is not JSON is refused")
    func badHeader() throws {
        var data = Data()
        withUnsafeBytes(of: UInt64(5).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array("nope!".utf8))
        #expect(try problem(data)?.contains("JSON") == true)
    }

    @Test("a missing tensor, another shape or another dtype is named in the error")
    func wrongRequests() throws {
        let data = SafeTensorsFile.data([tensor])
        #expect(try problem(data) { _ = try $0.floats("missing", shape: [1]) } == "tensor missing is missing")
        #expect(try problem(data) { _ = try $0.floats("w", shape: [3, 2]) } == "tensor w has shape [2, 3], expected [3, 2]")
        let halves = SafeTensorsFile.data([tensor], dtype: "F16")
        #expect(try problem(halves) { _ = try $0.floats("w", shape: [2, 3]) } == "tensor w is F16, expected F32")
    }

    @Test("a missing file is an error naming it")
    func missingFile() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanUp() }
        let url = dir.file("model.safetensors")
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
        #expect(error?.path == url.path)
    }
}
