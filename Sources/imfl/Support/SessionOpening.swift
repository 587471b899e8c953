import IMFLCore
import IMFLTerminal

extension Session {
    /// Opens a session for a command, with the checks every command shares, so that a mistake
    /// in session.toml is reported by whichever command meets it first, not only by `label`:
    /// the `[ui.keys]` table is checked too (it is the terminal layer's, which IMFLCore does
    /// not know). A read-only folder is opened as an immutable snapshot, and the command says so.
    static func openChecked(_ folder: String, access: Access = .readWrite) throws -> Session {
        let session = try Session.open(folder, access: access)
        _ = try session.keymap()
        if session.database.isImmutableSnapshot {
            printError("note: \(folder) cannot be written by this user, so session.sqlite is read as an immutable file: labels saved by a labeling session still running may not be shown yet")
        }
        return session
    }

    /// The key bindings with session.toml's `[ui.keys]` overrides.
    func keymap() throws -> KeyMap {
        try KeyMap.standard.overriding(config.ui.keys, file: configPath)
    }
}
