/// One problem in an imported file, located by file and line.
public struct DatasetProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line; nil for problems of the file as a whole.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { "\(file):\(line): \(message)" } else { "\(file): \(message)" }
    }
}

/// An import refused: every problem found (up to a limit), and nothing was written.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [DatasetProblem]
    /// Problems found beyond those listed.
    public var more: Int

    public init(problems: [DatasetProblem], more: Int = 0) {
        self.problems = problems
        self.more = more
    }

    public init(_ file: String, line: Int? = nil, _ message: String) {
        self.init(problems: [DatasetProblem(file: file, line: line, message: message)])
    }

    public var description: String {
        var lines = problems.map(\.description)
        if more > 0 { lines.append("… and \(more) more problem\(more == 1 ? "" : "s")") }
        return lines.joined(separator: "\n")
    }
}

/// Collects problems while reading so that one run reports many of them, not just the first.
struct ProblemList {
    static let limit = 20
    /// Problems listed; beyond it they are only counted. A reader that skips bad lines lists
    /// them all, since each one is a line left out of the output.
    let limit: Int
    private(set) var problems = [DatasetProblem]()
    private(set) var more = 0

    init(limit: Int = ProblemList.limit) {
        self.limit = limit
    }

    var isEmpty: Bool { problems.isEmpty }

    mutating func add(_ file: String, _ line: Int?, _ message: String) {
        if problems.count < limit {
            problems.append(DatasetProblem(file: file, line: line, message: message))
        } else {
            more += 1
        }
    }

    mutating func add(contentsOf other: ProblemList) {
        for problem in other.problems { add(problem.file, problem.line, problem.message) }
        more += other.more
    }

    func check() throws {
        if !problems.isEmpty { throw DatasetError(problems: problems, more: more) }
    }
}
