import Foundation

/// A date as a session folder stores it: UTC text to the millisecond
/// (`2026-12-04 21:46:32.123`, GRDB's format), rounded rather than cut, so that a date copied
/// in from PostgreSQL (to the microsecond) lands on the nearest millisecond, and one copied out
/// and back comes home unchanged.
enum SQLiteDate {
    static func text(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let fraction = milliseconds - Int64(seconds) * 1000
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%03d",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(fraction))
    }

    /// The date to the nearest millisecond.
    static func rounded(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}

private extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
