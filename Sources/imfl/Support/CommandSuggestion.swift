import ArgumentParser

/// The did-you-mean for a mistyped command: `imfl stats` answers "unknown command 'stats';
/// did you mean 'status'?". swift-argument-parser suggests a close option name itself, but
/// reports an unknown command only as an unexpected argument.
enum CommandSuggestion {
    /// The message for `arguments` when they name a command that does not exist, with where to
    /// see the commands, or nil when every command word is known (the parser's own message is
    /// then the right one).
    static func unknownCommand(_ arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command = root
        var path: [String] = []
        for argument in arguments {
            if argument == "--" { return nil }
            if argument.hasPrefix("-") { continue }
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, command.configuration.defaultSubcommand == nil else { return nil }
            if let next = subcommands.first(where: { names(of: $0).contains(argument) }) {
                command = next
                path.append(argument)
                continue
            }
            let visible = subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
            let prefix = path.map { $0 + " " }.joined()
            let help = "\nSee '\(([root._commandName] + path + ["--help"]).joined(separator: " "))' for the commands."
            let close = closest(to: argument, among: visible)
            guard !close.isEmpty else {
                return "unknown command '\(prefix)\(argument)'; the commands are \(visible.map { "'\(prefix)\($0)'" }.joined(separator: ", "))" + help
            }
            let list = close.map { "'\(prefix)\($0)'" }
            let options = list.count == 1 ? list[0] : list.dropLast().joined(separator: ", ") + " or " + list.last!
            return "unknown command '\(prefix)\(argument)'; did you mean \(options)?" + help
        }
        return nil
    }

    /// A command's name and aliases.
    static func names(of command: any ParsableCommand.Type) -> [String] {
        [command._commandName] + command.configuration.aliases
    }

    /// The names at the smallest edit distance from `word` (if it is small for the word's
    /// length), and the names `word` begins, closest first.
    static func closest(to word: String, among names: [String]) -> [String] {
        let limit = word.count <= 3 ? 1 : 2
        let scored = names.map { (name: $0, distance: editDistance(word, $0)) }
        guard let best = scored.map(\.distance).min() else { return [] }
        return scored
            .filter { ($0.distance == best && best <= limit) || ($0.name.hasPrefix(word) && word.count >= 2) }
            .sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }
            .map(\.name)
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    /// two neighbouring characters each cost 1, so "exprot" is 1 from "export".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0 ... a.count { d[i][0] = i }
        for j in 0 ... b.count { d[0][j] = j }
        for i in 1 ... a.count {
            for j in 1 ... b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
