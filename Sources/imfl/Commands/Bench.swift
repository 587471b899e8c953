import ArgumentParser

/// `imfl bench …`: benchmarks that print their figures and the comparison they are judged by.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure imfl's speed: embedding, the engine's round, prediction, the LLM annotator, a team on one session, the UI.",
        subcommands: [
            BenchEmbed.self,
            BenchLLM.self,
            BenchEngine.self,
            BenchPredict.self,
            BenchTeam.self,
            UI.self,
        ]
    )
}
