/// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, Algorithm 7.4/7.5) with a
/// backtracking Armijo line search. Used to fit softmax regression, whose loss is smooth and
/// convex (strictly convex with L2), where L-BFGS converges in tens of iterations.
public struct LBFGS: Sendable {
    /// How a minimisation ended.
    public enum Stop: String, Sendable, Equatable {
        /// ‖∇f‖∞ fell below `gradientTolerance`.
        case gradient
        /// The relative decrease of f fell below `functionTolerance`.
        case function
        /// `maxIterations` was reached.
        case iterations
        /// The line search could not decrease f (at the limit of floating-point precision).
        case lineSearch
    }

    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        public var gradientNorm: Double
        public var iterations: Int
        public var stop: Stop
    }

    /// Number of (s, y) pairs kept.
    public var memory = 10
    public var maxIterations = 500
    public var gradientTolerance = 1e-6
    public var functionTolerance = 1e-9

    public init(memory: Int = 10, maxIterations: Int = 500, gradientTolerance: Double = 1e-6,
                functionTolerance: Double = 1e-9) {
        self.memory = memory
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
        self.functionTolerance = functionTolerance
    }

    /// Minimises `f` from `start`.
    /// - Parameter f: returns f(x) and writes ∇f(x) into its second argument.
    public func minimize(
        from start: [Double], _ f: (_ x: [Double], _ gradient: inout [Double]) -> Double
    ) -> Result {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var fx = f(x, &g)
        var s = [[Double]](), y = [[Double]](), rho = [Double]()
        var iterations = 0
        var stop = Stop.iterations
        var gNew = [Double](repeating: 0, count: n)
        while iterations < maxIterations {
            let gInf = g.reduce(0) { max($0, abs($1)) }
            if gInf <= gradientTolerance { stop = .gradient; break }
            // Two-loop recursion: d = −H·g.
            var q = g
            var alpha = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(s[i], q)
                axpy(-alpha[i], y[i], &q)
            }
            if let ls = s.last, let ly = y.last {
                let gamma = dot(ls, ly) / dot(ly, ly)
                for j in 0 ..< n { q[j] *= gamma }
            } else {
                let scale = 1 / max(gInf, 1e-12)
                for j in 0 ..< n { q[j] *= min(1, scale) }
            }
            for i in 0 ..< s.count {
                let beta = rho[i] * dot(y[i], q)
                axpy(alpha[i] - beta, s[i], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(g, direction)
            if slope >= 0 {
                // Not a descent direction (curvature pairs went stale): restart from steepest descent.
                s.removeAll(); y.removeAll(); rho.removeAll()
                direction = g.map { -$0 / max(gInf, 1e-12) }
                slope = dot(g, direction)
            }
            // Backtracking Armijo line search.
            var step = 1.0
            var xNew = x
            var fNew = fx
            var accepted = false
            for _ in 0 ..< 40 {
                for j in 0 ..< n { xNew[j] = x[j] + step * direction[j] }
                fNew = f(xNew, &gNew)
                if fNew.isFinite, fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iterations += 1
            if !accepted { stop = .lineSearch; break }
            var sk = [Double](repeating: 0, count: n), yk = sk
            for j in 0 ..< n { sk[j] = xNew[j] - x[j]; yk[j] = gNew[j] - g[j] }
            let sy = dot(sk, yk)
            if sy > 1e-12 * dot(yk, yk) {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let decrease = fx - fNew
            x = xNew; g = gNew; fx = fNew
            if decrease <= functionTolerance * max(abs(fx), 1) { stop = .function; break }
        }
        let gInf = g.reduce(0) { max($0, abs($1)) }
        if stop == .iterations, gInf <= gradientTolerance { stop = .gradient }
        return Result(x: x, value: fx, gradientNorm: gInf, iterations: iterations, stop: stop)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        for i in x.indices { y[i] += a * x[i] }
    }
}
