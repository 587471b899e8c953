import Foundation
import GRDB

/// A round of the IMFL loop as persisted: its planned batch sizes and where it stands.
public struct RoundRecord: Sendable, Hashable, Codable {
    /// The phases of a round, in order.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case selecting, labeling, training, done
    }

    public var number: Int
    public var status: Status
    public var plannedHuman: Int
    public var plannedLLM: Int
    public var seed: Int64
    public var startedAt: Date
    public var finishedAt: Date?

    public init(
        number: Int, status: Status, plannedHuman: Int, plannedLLM: Int, seed: Int64,
        startedAt: Date = Date(), finishedAt: Date? = nil
    ) {
        self.number = number
        self.status = status
        self.plannedHuman = plannedHuman
        self.plannedLLM = plannedLLM
        self.seed = seed
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension RoundRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "round"
}

/// An item a round sent to one fidelity, with its rank in that queue and the query's score.
public struct QueueEntry: Sendable, Hashable, Codable {
    public var round: Int
    public var itemId: Int64
    public var fidelity: Fidelity
    public var rank: Int
    public var score: Double?

    public init(round: Int, itemId: Int64, fidelity: Fidelity, rank: Int, score: Double?) {
        self.round = round
        self.itemId = itemId
        self.fidelity = fidelity
        self.rank = rank
        self.score = score
    }
}

extension QueueEntry: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "queueEntry"
}

/// One named figure of a round's evaluation (e.g. "macro_f1", "f1.positive").
public struct MetricRecord: Sendable, Hashable, Codable {
    public var round: Int
    public var name: String
    public var value: Double

    public init(round: Int, name: String, value: Double) {
        self.round = round
        self.name = name
        self.value = value
    }
}

extension MetricRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metric"
}
