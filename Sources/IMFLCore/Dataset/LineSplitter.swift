import Foundation

/// Splits file bytes into lines and checks that each is valid UTF-8, so that a bad byte is
/// reported with its line rather than as an undecodable file.
enum LineSplitter {
    /// The file's lines (without terminators) as strings.
    /// - Throws: `DatasetError` naming the first lines that are not valid UTF-8.
    static func lines(of data: Data, file: String) throws -> [String] {
        var problems = ProblemList()
        let lines = lines(of: data, file: file, problems: &problems)
        try problems.check()
        return lines.map { $0 ?? "" }
    }

    /// The file's lines, nil for each line that is not valid UTF-8 (recorded in `problems`).
    static func lines(of data: Data, file: String, problems: inout ProblemList) -> [String?] {
        var lines = [String?]()
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            // A UTF-8 byte order mark is not part of the first line.
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
            var lineNumber = 1
            func emit(_ end: Int) {
                var end = end
                if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                if let line = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) {
                    lines.append(line)
                } else {
                    problems.add(file, lineNumber, "not valid UTF-8 (convert the file to UTF-8 first)")
                    lines.append(nil)
                }
                lineNumber += 1
            }
            for i in start..<bytes.count where bytes[i] == 0x0A {
                emit(i)
                start = i + 1
            }
            if start < bytes.count { emit(bytes.count) }
        }
        return lines
    }

    /// Reads a whole file, with a clear error when it cannot be read.
    static func read(_ path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError(path, "no such file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(path, "cannot read the file")
        }
        return data
    }
}
