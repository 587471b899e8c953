import IMFLNumerics

/// What an index search returns for one query: a row of the index and its cosine similarity
/// to the query. It knows nothing of items or labels; the caller maps the row back.
public struct IndexHit: Sendable, Hashable {
    public let row: Int
    public let score: Float

    public init(row: Int, score: Float) {
        self.row = row
        self.score = score
    }
}

/// Which rows of an index a search may return, e.g. only the expert-labeled items when
/// retrieving few-shot examples for the LLM prompt.
public enum RowFilter: Sendable, Equatable {
    /// Every row.
    case all
    /// Rows whose entry is `true`; the mask has one entry per indexed row.
    case mask([Bool])
    /// Exactly these rows.
    case rows(Set<Int>)

    @inline(__always)
    func allows(_ row: Int) -> Bool {
        switch self {
        case .all: true
        case .mask(let mask): row < mask.count && mask[row]
        case .rows(let rows): rows.contains(row)
        }
    }
}

/// A search that cannot run as asked.
public enum RetrievalError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(index: Int, query: Int)
    case maskLength(expected: Int, got: Int)
    case exclusionCount(queries: Int, exclusions: Int)

    public var description: String {
        switch self {
        case let .dimensionMismatch(index, query):
            "queries have \(query) dimensions but the index holds \(index)-dimensional vectors"
        case let .maskLength(expected, got):
            "the row mask has \(got) entries but the index holds \(expected) rows"
        case let .exclusionCount(queries, exclusions):
            "\(exclusions) exclusions given for \(queries) queries"
        }
    }
}

/// Nearest neighbours by cosine similarity over unit vectors. The exact index serves pools up
/// to a few hundred thousand items and retrieves the few-shot examples of every LLM prompt;
/// the int8 index answers the same, faster, for one query over a large pool; the random
/// index is the random-retrieval ablation behind the same protocol.
public protocol NeighbourIndex: Sendable {
    /// Number of indexed vectors (rows).
    var count: Int { get }
    /// Length of each vector.
    var dimension: Int { get }

    /// The `k` most similar allowed rows for each query row, best first (ties: lower row first).
    ///
    /// - Parameters:
    ///   - queries: one unit vector per row.
    ///   - k: how many neighbours per query; fewer when fewer rows are allowed.
    ///   - filter: which rows may be returned.
    ///   - excluding: empty, or one entry per query: a row never returned for that query,
    ///     typically the query's own row.
    /// - Throws: `RetrievalError` when dimensions, mask length or exclusions do not fit.
    func search(_ queries: Matrix, k: Int, filter: RowFilter, excluding: [Int?]) throws -> [[IndexHit]]
}

extension NeighbourIndex {
    /// The `k` nearest allowed rows to one vector.
    public func search(_ query: [Float], k: Int, filter: RowFilter = .all, excluding: Int? = nil) throws -> [IndexHit] {
        try search(Matrix(rows: 1, cols: query.count, values: query), k: k, filter: filter, excluding: [excluding])[0]
    }
}

extension NeighbourIndex {
    /// Throws when the queries, the filter or the exclusions do not fit this index.
    func validate(_ queries: Matrix, filter: RowFilter, excluding: [Int?]) throws {
        guard queries.cols == dimension || queries.rows == 0 else {
            throw RetrievalError.dimensionMismatch(index: dimension, query: queries.cols)
        }
        if case .mask(let mask) = filter, mask.count != count {
            throw RetrievalError.maskLength(expected: count, got: mask.count)
        }
        guard excluding.isEmpty || excluding.count == queries.rows else {
            throw RetrievalError.exclusionCount(queries: queries.rows, exclusions: excluding.count)
        }
    }
}
