import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal
/// (so logs and pipes stay clean).
final class ProgressBar: @unchecked Sendable {
    private let title: String
    private let enabled: Bool
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private let started = Date()

    init(_ title: String) {
        self.title = title
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    /// Redraws at most ten times a second, and always at completion.
    func update(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let width = 30
        let filled = min(width, done * width / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = now.timeIntervalSince(started)
        let eta = done > 0 && done < total ? String(format: " ETA %.0fs", elapsed / Double(done) * Double(total - done)) : ""
        FileHandle.standardError.write(Data("\r\(title) \(bar) \(done)/\(total)\(eta)\u{1B}[K".utf8))
        if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
