/// A rectangle of cells. Layout is computed apart from drawing: `split` turns one area into
/// several by constraints and tests assert the resulting rectangles.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var right: Int { x + width }
    public var bottom: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
    public var description: String { "Rect(x: \(x), y: \(y), w: \(width), h: \(height))" }

    public func intersection(_ other: Rect) -> Rect {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(right, other.right), y1 = min(bottom, other.bottom)
        return Rect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }

    /// The rectangle shrunk by `dx` columns on each side and `dy` rows top and bottom.
    public func inset(dx: Int = 1, dy: Int = 1) -> Rect {
        Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
    }

    /// A centred rectangle of at most `width`×`height`, for overlays.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(w, width), ch = min(h, height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// The row `i` of this rectangle as a one-line rectangle.
    public func row(_ i: Int) -> Rect { Rect(x: x, y: y + i, width: width, height: i < height ? 1 : 0) }

    public enum Direction: Sendable { case vertical, horizontal }

    public enum Constraint: Hashable, Sendable {
        /// Exactly n cells (less when the area runs out).
        case length(Int)
        /// A percentage of the whole area.
        case percentage(Int)
        /// An equal share of whatever the other constraints leave.
        case fill
    }

    /// Splits the area along `direction`. Fixed lengths and percentages are served first, in
    /// order, each clamped to what is left; fills share the remainder, earlier fills taking the
    /// odd cells. The result has one rectangle per constraint and covers the area without gaps.
    ///
    ///     let [header, body, footer] = area.split(.vertical, [.length(1), .fill, .length(1)])
    public func split(_ direction: Direction, _ constraints: [Constraint]) -> [Rect] {
        let total = direction == .vertical ? height : width
        var sizes = Array(repeating: 0, count: constraints.count)
        var left = total
        for (i, c) in constraints.enumerated() {
            switch c {
            case .length(let n): sizes[i] = min(max(0, n), left)
            case .percentage(let p): sizes[i] = min(total * max(0, p) / 100, left)
            case .fill: continue
            }
            left -= sizes[i]
        }
        let fills = constraints.indices.filter { constraints[$0] == .fill }
        if !fills.isEmpty {
            for (k, i) in fills.enumerated() {
                sizes[i] = left / fills.count + (k < left % fills.count ? 1 : 0)
            }
        }
        var out: [Rect] = []
        var offset = 0
        for s in sizes {
            switch direction {
            case .vertical: out.append(Rect(x: x, y: y + offset, width: width, height: s))
            case .horizontal: out.append(Rect(x: x + offset, y: y, width: s, height: height))
            }
            offset += s
        }
        return out
    }
}
