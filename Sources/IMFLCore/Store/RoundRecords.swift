import GRDB

// The engine's round types (`RoundRecord`, `QueueEntry`, `RoundMetrics`) are stored in the
// `round`, `queueEntry` and `roundMetrics` tables; see `AppDatabase+Engine.swift`.
