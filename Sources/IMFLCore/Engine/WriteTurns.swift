/// First-come, first-served turns for the engine's writes (`RoundEngine.serialized(_:)`).
/// It lives inside the actor and is only touched from it, so it needs no lock: a write that
/// finds the turn taken parks a continuation, and the turn passes to the oldest one when the
/// current write ends.
struct WriteTurns {
    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Takes the turn if it is free; false when the caller must `wait` for it.
    mutating func take() -> Bool {
        if taken { return false }
        taken = true
        return true
    }

    /// Parks a write until the turn passes to it.
    mutating func wait(_ continuation: CheckedContinuation<Void, Never>) {
        waiting.append(continuation)
    }

    /// Ends the current turn: the oldest waiting write goes next (the turn stays taken for
    /// it), else the turn is free.
    mutating func next() {
        if waiting.isEmpty {
            taken = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
