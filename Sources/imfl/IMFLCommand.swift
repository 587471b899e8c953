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
            Plan.self,
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
}
