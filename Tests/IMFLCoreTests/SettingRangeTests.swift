import Foundation
import IMFLNumerics
import Testing
@testable import IMFLCore

/// Regression for issue 14: values that passed validation trapped (Double → Int overflow in
/// the status, a `Duration` from `inf`, an 8 GB schedule). Every numeric key of session.toml
/// gets random values of every kind; each must be accepted, when in range, with arithmetic
/// on it that does not trap, or refused with the key's name.
@Suite struct SettingRangeTests {
    /// One value as TOML text, and the number it stands for when it is one.
    struct Sample {
        var toml: String
        var number: Double?
        var isInteger: Bool
    }

    static let edgeIntegers: [Int] = [
        .min, .max, 0, -1, 1, 2, 100, 101, 1000, 1_000_000, 1_000_001, 1_000_000_000, Int(Int32.max), 1 << 53,
    ]
    static let edgeNumbers: [Double] = [0, -0.0, 1e-300, 0.001, 0.5, 1, 2, 1e12, 1e308, -1e12]

    static func sample(for setting: SettingRange, _ rng: inout SeededGenerator) -> Sample {
        let bounds: [Double] = switch setting.bounds {
        case .integer(let r): [Double(r.lowerBound), Double(r.upperBound)]
        case .number(let r): [r.lowerBound, r.upperBound]
        }
        switch rng.below(9) {
        case 0:
            let v = edgeIntegers[rng.below(edgeIntegers.count)]
            return Sample(toml: String(v), number: Double(v), isInteger: true)
        case 1:
            let v = Int(bounds[rng.below(2)]) + rng.below(3) - 1
            return Sample(toml: String(v), number: Double(v), isInteger: true)
        case 2:
            let v = Int(truncatingIfNeeded: rng.next())
            return Sample(toml: String(v), number: Double(v), isInteger: true)
        case 3:
            let v = edgeNumbers[rng.below(edgeNumbers.count)]
            return Sample(toml: "\(v)", number: v, isInteger: false)
        case 4:
            let specials = ["inf", "-inf", "nan", "+inf"]
            return Sample(toml: specials[rng.below(specials.count)], number: nil, isInteger: false)
        case 5:
            let v = bounds[rng.below(2)] * [0.999, 1.001, 1][rng.below(3)]
            return Sample(toml: "\(v)", number: v, isInteger: false)
        case 6:
            let v = Double(rng.below(1 << 20)) / 1000 - 100
            return Sample(toml: "\(v)", number: v, isInteger: false)
        case 7:
            return Sample(toml: ["\"12\"", "true", "[1]", "{}"][rng.below(4)], number: nil, isInteger: false)
        default:
            let v = rng.below(2001) - 1000
            return Sample(toml: String(v), number: Double(v), isInteger: true)
        }
    }

    /// The arithmetic a session does on its settings: the schedule, the engine's settings,
    /// the LLM client's durations, the status's budget split.
    static func useEverySetting(_ config: SessionConfig) throws {
        let schedule = try config.schedule()
        _ = schedule.rounds.map(\.human).reduce(0, +)
        _ = try config.engineConfiguration()
        _ = config.annotatorSettings.clientPolicy
        _ = config.annotatorSettings.annotatorOptions
        _ = Int((Double(config.budget.total) * config.budget.humanShare).rounded())
    }

    @Test func randomValuesForEveryKeyAreAcceptedInRangeOrRefusedByName() throws {
        let seed = UInt64(Date().timeIntervalSince1970)
        var rng = SeededGenerator(seed: seed)
        var accepted = 0, refused = 0
        for _ in 0 ..< 40 {
            for setting in SettingRange.all {
                let sample = Self.sample(for: setting, &rng)
                let parts = setting.key.split(separator: ".")
                let text = "[task]\nlabels = [\"a\", \"b\"]\n[\(parts[0])]\n\(parts[1]) = \(sample.toml)\n"
                do {
                    let config = try SessionConfig.parse(text, path: "session.toml")
                    // Accepted: the value is a number of the key's type, inside its range.
                    let n = try #require(sample.number, "\(setting.key) = \(sample.toml) was accepted; seed \(seed)")
                    switch setting.bounds {
                    case .integer(let r):
                        #expect(sample.isInteger && Int(exactly: n).map(r.contains) == true, "\(setting.key) = \(sample.toml) accepted; seed \(seed)")
                    case .number(let r):
                        #expect(r.contains(n), "\(setting.key) = \(sample.toml) accepted; seed \(seed)")
                    }
                    try Self.useEverySetting(config)
                    accepted += 1
                } catch SessionError.config(_, _, let message) {
                    #expect(message.contains(setting.key), "\(setting.key) = \(sample.toml): \(message); seed \(seed)")
                    if let n = sample.number, sample.isInteger, case .integer(let r) = setting.bounds, Int(exactly: n).map(r.contains) == true {
                        Issue.record("\(setting.key) = \(sample.toml) is in range but was refused: \(message); seed \(seed)")
                    }
                    refused += 1
                }
            }
        }
        #expect(accepted > 50 && refused > 50, "the samples did not reach both sides of the ranges; seed \(seed)")
    }

    @Test(arguments: [
        ("budget", "total", "9223372036854775807"),
        ("query", "subsample_factor", "9223372036854775807"),
        ("llm", "timeout_seconds", "inf"),
        ("llm", "timeout_seconds", "1e12"),
        ("budget", "rounds", "1000000"),
        ("llm", "prompt_price_per_1k", "-0.5"),
        ("llm", "completion_price_per_1k", "nan"),
        ("budget", "human_label_cost", "-1.0"),
    ])
    func theValuesThatTrappedAreRefusedByName(table: String, key: String, value: String) throws {
        let text = "[task]\nlabels = [\"a\", \"b\"]\n[\(table)]\n\(key) = \(value)\n"
        #expect {
            try SessionConfig.parse(text, path: "session.toml")
        } throws: { error in
            guard case .config(let path, _, let message) = error as? SessionError else { return false }
            return path == "session.toml" && message.hasPrefix("\(table).\(key)") && message.contains("got")
        }
    }

    @Test func everyDefaultIsInsideItsRange() throws {
        let config = SessionConfig(task: .init(name: "t", labels: ["a", "b"]))
        for setting in SettingRange.all {
            #expect(setting.problem(in: config) == nil, "default of \(setting.key)")
        }
    }

    /// Regression for issue 14: a NUL byte cut the file short, so keys after it (`total = 0`,
    /// `enabled = "yes"`) were neither read nor refused and their defaults applied.
    @Test(arguments: [
        ([UInt8]("[task]\nlabels = [\"a\", \"b\"]\n".utf8) + [0] + [UInt8]("\n[budget]\ntotal = 0\n[llm]\nenabled = \"yes\"\n".utf8),
         3, "a NUL byte; session.toml must be plain text"),
        ([UInt8]("[task]\nname = \"caf".utf8) + [0xE9] + [UInt8]("\"\nlabels = [\"a\", \"b\"]\n".utf8),
         2, "bytes that are not UTF-8 text"),
    ])
    func bytesThatAreNotTextAreRefusedWithTheirLine(bytes: [UInt8], line: Int, message: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("imfl-bytes-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(bytes).write(to: file)
        #expect(throws: SessionError.config(path: file.path, line: line, message: message)) {
            try SessionConfig.load(path: file.path)
        }
    }
}
