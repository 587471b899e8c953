import Testing
@testable import IMFLTerminal

/// Compares two buffers and, when they differ, records the differing cells and both screens.
func expectBuffer(_ actual: Buffer, equals expected: Buffer, includeStyle: Bool = false,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let differences = actual.differences(from: expected, includeStyle: includeStyle)
    #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))", sourceLocation: sourceLocation)
}

/// Renders `state` at its size.
func render(_ state: AppState) -> Buffer {
    var buffer = Buffer(width: 0, height: 0)
    AppView.render(state, into: &buffer)
    return buffer
}

/// A demo session started in a UI state of the given size.
func startedDemo(width: Int = 80, height: Int = 24, session: ScriptedSession = .demo()) -> (ScriptedSession, AppState) {
    var s = session
    var state = AppState(width: width, height: height)
    s.start(&state)
    return (s, state)
}

/// Presses keys one by one, answering every backend call synchronously.
func press(_ keys: [Key], _ session: inout ScriptedSession, _ state: inout AppState) {
    for k in keys { session.drive(&state, .key(k)) }
}

extension Key {
    static func chars(_ s: String) -> [Key] { s.map { .char($0) } }
}
