import ArgumentParser
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
