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
        if try session.database.isImmutableSnapshot {
            printError("note: \(folder) cannot be written by this user, so session.sqlite is read as an immutable file: labels saved by a labeling session still running may not be shown yet")
        }
        return session
    }

    /// Opens a session folder or a shared session's URL, with the same checks.
    static func openChecked(location: String, access: Access = .readWrite) async throws -> Session {
        guard PostgresAddress.isAddress(location) else { return try openChecked(location, access: access) }
        let session = try await Session.open(location: location, access: access)
        do {
            _ = try session.keymap()
        } catch {
            await session.close()
            throw error
        }
        return session
    }

    /// Opens a session folder or URL, runs `body` with it, and closes it (a shared session's
    /// connection) whether `body` returns or throws.
    static func with<T>(
        _ location: String, access: Access = .readWrite, _ body: (Session) async throws -> T
    ) async throws -> T {
        let session = try await openChecked(location: location, access: access)
        do {
            let value = try await body(session)
            await session.close()
            return value
        } catch {
            await session.close()
            throw error
        }
    }

    /// The key bindings with session.toml's `[ui.keys]` overrides.
    func keymap() throws -> KeyMap {
        try KeyMap.standard.overriding(config.ui.keys, file: configPath)
    }
}
