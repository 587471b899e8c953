import Foundation

/// The macro-F1-against-labels curves of a simulation's arms, drawn as an SVG file and as a
/// character chart for the terminal, so the shape of the comparison can be seen at a glance.
public struct SimulationChart: Sendable {
    public var summaries: [ArmSummary]
    /// The majority-class macro-F1, drawn as a horizontal line.
    public var baseline: Double?

    public init(summaries: [ArmSummary], baseline: Double? = nil) {
        self.summaries = summaries
        self.baseline = baseline
    }

    /// Letters that mark the arms in the character chart, in arm order.
    static let marks = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let colors = [
        "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#843c39",
    ]

    /// Axis ranges: labels from 0 to the largest budget; F1 between round multiples of 0.05
    /// around every point and the baseline.
    private var ranges: (xMax: Double, yMin: Double, yMax: Double) {
        let points = summaries.flatMap(\.curve)
        let xMax = max(1, points.map(\.labels).max() ?? 1)
        let ys = points.map(\.macroF1).filter(\.isFinite) + (baseline.map { [$0] } ?? [])
        let lo = ((ys.min() ?? 0) / 0.05).rounded(.down) * 0.05
        var hi = ((ys.max() ?? 1) / 0.05).rounded(.up) * 0.05
        if hi <= lo { hi = lo + 0.05 }
        return (xMax, max(0, lo), min(1, max(hi, lo + 0.05)))
    }

    /// The chart in characters: one letter per arm and round, a legend below.
    public func text(width: Int = 64, height: Int = 16) -> String {
        let (xMax, yMin, yMax) = ranges
        var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: height)
        func column(_ x: Double) -> Int { min(width - 1, max(0, Int((x / xMax * Double(width - 1)).rounded()))) }
        func row(_ y: Double) -> Int { min(height - 1, max(0, Int(((yMax - y) / (yMax - yMin) * Double(height - 1)).rounded()))) }
        if let baseline, baseline >= yMin, baseline <= yMax {
            let r = row(baseline)
            for c in 0 ..< width { grid[r][c] = "·" }
        }
        for (i, summary) in summaries.enumerated() {
            let mark = Self.marks[i % Self.marks.count]
            for point in summary.curve where point.macroF1.isFinite {
                let (r, c) = (row(point.macroF1), column(point.labels))
                grid[r][c] = grid[r][c] == " " || grid[r][c] == "·" || grid[r][c] == mark ? mark : "*"
            }
        }
        var lines: [String] = []
        for (r, cells) in grid.enumerated() {
            let y = yMax - Double(r) / Double(height - 1) * (yMax - yMin)
            let label = r == 0 || r == height - 1 || r == height / 2 ? String(format: "%5.1f", y * 100) : "     "
            lines.append("\(label) ┤\(String(cells))")
        }
        lines.append("      └" + String(repeating: "─", count: width))
        let right = String(format: "%.0f labels", xMax)
        lines.append("       0" + String(repeating: " ", count: max(1, width - 1 - right.count)) + right)
        for (i, summary) in summaries.enumerated() {
            let last = summary.curve.last.map { String(format: "%.1f", $0.macroF1 * 100) } ?? "–"
            lines.append("  \(Self.marks[i % Self.marks.count])  \(summary.arm.name) (final \(last))")
        }
        if summaries.count > Self.marks.count { lines.append("  (letters repeat after Z)") }
        lines.append("  *  points of several arms")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The chart as a self-contained SVG document.
    public func svg(width: Double = 760, height: Double = 440) -> String {
        let (xMax, yMin, yMax) = ranges
        let left = 60.0, top = 20.0, plotWidth = width - left - 230, plotHeight = height - top - 50
        func x(_ v: Double) -> Double { left + v / xMax * plotWidth }
        func y(_ v: Double) -> Double { top + (yMax - v) / (yMax - yMin) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>

            """
        for i in 0 ... 4 {
            let v = yMin + Double(i) / 4 * (yMax - yMin)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(v)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(v)))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(String(format: "%.1f", v * 100))</text>\n"
            let u = Double(i) / 4 * xMax
            s += "<text x=\"\(f(x(u)))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(String(format: "%.0f", u))</text>\n"
        }
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"black\"/>\n"
        s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">labels (expert + LLM)</text>\n"
        s += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">macro-F1 (%)</text>\n"
        if let baseline, baseline >= yMin, baseline <= yMax {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(baseline)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(baseline)))\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>\n"
        }
        for (i, summary) in summaries.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            let points = summary.curve.filter(\.macroF1.isFinite)
            let path = points.map { "\(f(x($0.labels))),\(f(y($0.macroF1)))" }.joined(separator: " ")
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for p in points {
                s += "<circle cx=\"\(f(x(p.labels)))\" cy=\"\(f(y(p.macroF1)))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            let ly = top + 8 + Double(i) * 18
            s += "<rect x=\"\(f(left + plotWidth + 16))\" y=\"\(f(ly - 8))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
            s += "<text x=\"\(f(left + plotWidth + 34))\" y=\"\(f(ly + 2))\">\(Self.escape(summary.arm.name))</text>\n"
        }
        if baseline != nil {
            let ly = top + 8 + Double(summaries.count) * 18
            s += "<line x1=\"\(f(left + plotWidth + 16))\" y1=\"\(f(ly - 2))\" x2=\"\(f(left + plotWidth + 28))\" y2=\"\(f(ly - 2))\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>\n"
            s += "<text x=\"\(f(left + plotWidth + 34))\" y=\"\(f(ly + 2))\">majority class</text>\n"
        }
        return s + "</svg>\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
