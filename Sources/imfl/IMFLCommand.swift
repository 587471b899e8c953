import ArgumentParser
// C's stdout, a global the Swift 6 checker cannot prove safe; main touches it once, first.
@preconcurrency import Glibc
import IMFLCore

/// The `imfl` command tree. Each subcommand lives in its own file under `Commands/`.
@main
struct IMFLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imfl",
        abstract: "Label text for a classifier with an expert, an LLM and interactive multi-fidelity learning.",
        version: IMFL.version,
        subcommands: [
            Init.self,
            Status.self,
            Export.self,
            Copy.self,
            Plan.self,
            Extend.self,
            Label.self,
            Bench.self,
            Embed.self,
            DurabilityProbe.self,
            LLM.self,
            LabelScripted.self,
            Simulate.self,
            Model.self,
            Predict.self,
        ]
    )

    /// Parses and runs the command as `AsyncParsableCommand.main` does, except that a
    /// mistyped command gets a did-you-mean instead of "unexpected argument".
    static func main() async {
        // Line by line into a file or pipe too (a terminal already is): simulate and the
        // benchmarks run for minutes to hours, and `imfl simulate … > log` should show each
        // finished run when it finishes, not when a block of output fills.
        if isatty(STDOUT_FILENO) == 0 { setvbuf(stdout, nil, _IOLBF, 0) }
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure, let message = CommandSuggestion.unknownCommand(arguments, root: Self.self) {
                printError("Error: \(message)")
                Self.exit(withError: ExitCode.validationFailure)
            }
            Self.exit(withError: error)
        }
    }
}
