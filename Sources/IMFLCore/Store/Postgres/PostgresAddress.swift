import Foundation

/// Where a shared session lives: `postgres://USER@HOST:PORT/DB?session=NAME`.
///
/// The password is never part of it: it comes from `PGPASSWORD` or `~/.pgpass`, as for
/// `psql`, so that it is not written into shell history, scripts, session files or logs. A URL
/// that carries one is refused.
public struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    /// The session's name within the database (its schema is `imfl_NAME`).
    public var session: String

    public init(user: String, host: String, port: Int = 5432, database: String, session: String) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.session = session
    }

    /// Whether a command-line argument names a shared session rather than a folder.
    public static func isAddress(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a session URL.
    /// - Throws: `SessionError.badAddress` naming what is missing or wrong.
    public init(parsing text: String) throws {
        func bad(_ why: String) -> SessionError {
            SessionError.badAddress(text: Self.redacted(text), reason: why)
        }
        guard Self.isAddress(text), let url = URLComponents(string: text) else {
            throw bad("expected postgres://USER@HOST:PORT/DB?session=NAME")
        }
        if url.password != nil {
            throw bad("the URL carries a password; remove it and set PGPASSWORD or add a line to ~/.pgpass (HOST:PORT:DB:USER:PASSWORD) instead, so that it is never stored")
        }
        guard let user = url.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw bad("no user; write postgres://USER@HOST:PORT/DB?session=NAME")
        }
        guard let host = url.host, !host.isEmpty else { throw bad("no host") }
        let database = String(url.path.drop { $0 == "/" }).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else {
            throw bad("no database; write postgres://USER@HOST:PORT/DB?session=NAME")
        }
        let items = url.queryItems ?? []
        guard let session = items.first(where: { $0.name == "session" })?.value, !session.isEmpty else {
            throw bad("no session name; add ?session=NAME (several sessions can share one database)")
        }
        if let other = items.first(where: { $0.name != "session" }) {
            throw bad("unknown parameter \"\(other.name)\"; only session=NAME is read")
        }
        guard Self.isSessionName(session) else {
            throw bad("session name \"\(session)\": use 1 to 40 lowercase letters, digits and underscores, starting with a letter")
        }
        self.init(user: user, host: host, port: url.port ?? 5432, database: database, session: session)
    }

    /// Session names become part of a schema name (`imfl_NAME`), so they are kept to what
    /// PostgreSQL takes unquoted and without case folding.
    public static func isSessionName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a" ... "z").contains(first), name.count <= 40 else { return false }
        return name.unicodeScalars.allSatisfy { ("a" ... "z").contains($0) || ("0" ... "9").contains($0) || $0 == "_" }
    }

    /// The schema that holds the session's tables.
    public var schema: String { "imfl_\(session)" }

    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)?session=\(session)"
    }

    /// The same address for another session in the same database.
    public func session(_ name: String) -> PostgresAddress {
        var other = self
        other.session = name
        return other
    }

    /// The password for this address: `PGPASSWORD`, else the first matching line of the
    /// password file (`PGPASSFILE`, else `~/.pgpass`), as libpq reads them; nil when neither
    /// has one (a server with trust or peer authentication needs none).
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let password = environment["PGPASSWORD"] { return password }
        let path = environment["PGPASSFILE"]
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".pgpass").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Self.password(inPassFile: text, for: self)
    }

    /// The password of the first `hostname:port:database:username:password` line that matches
    /// (`*` matches anything; `\:` and `\\` are a literal colon and backslash).
    static func password(inPassFile text: String, for address: PostgresAddress) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields = [String]()
            var field = ""
            var escaped = false
            for c in line {
                if escaped {
                    field.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == ":", fields.count < 4 {
                    fields.append(field)
                    field = ""
                } else {
                    field.append(c)
                }
            }
            fields.append(field)
            guard fields.count == 5 else { continue }
            let wanted = [address.host, String(address.port), address.database, address.user]
            let hostMatches = fields[0] == "*" || fields[0] == address.host
                || (fields[0] == "localhost" && ["127.0.0.1", "::1"].contains(address.host))
            if hostMatches, zip(fields[1 ..< 4], wanted[1 ..< 4]).allSatisfy({ $0 == "*" || $0 == $1 }) {
                return fields[4]
            }
        }
        return nil
    }

    /// The URL with any password taken out, for error messages.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "…"
        return url.string ?? "postgres://…"
    }
}
