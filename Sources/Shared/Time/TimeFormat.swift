/// Date formats of the wire, computed from epoch values with calendar arithmetic (Howard
/// Hinnant's days-from-civil) rather than libc: no time zone files, no locale, no shared
/// static buffer (gmtime), the same answer in every process.
public enum TimeFormat {
    public struct CivilTime: Hashable, Sendable {
        public var year: Int64
        public var month: Int   // 1...12
        public var day: Int     // 1...31
        public var hour: Int
        public var minute: Int
        public var second: Int
        public var millisecond: Int
        /// 0 = Sunday.
        public var weekday: Int
    }

    /// UTC calendar fields of an instant.
    public static func civil(epochMilliseconds: Int64) -> CivilTime {
        let days = floorDiv(epochMilliseconds, 86_400_000)
        let msOfDay = Int(epochMilliseconds - days * 86_400_000)
        let (year, month, day) = civilFromDays(days)
        return CivilTime(year: year, month: month, day: day,
                         hour: msOfDay / 3_600_000, minute: msOfDay / 60_000 % 60, second: msOfDay / 1000 % 60,
                         millisecond: msOfDay % 1000, weekday: Int(floorMod(days + 4, 7)))
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7), for `Date` and `Last-Modified`.
    public static func imfFixdate(epochSeconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(29)
        appendIMFFixdate(epochSeconds: epochSeconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Instants outside years 0000...9999, which the format cannot show, are clamped to them.
    public static func appendIMFFixdate(epochSeconds: Int64, to bytes: inout [UInt8]) {
        let clamped = min(max(epochSeconds, -62_167_219_200), 253_402_300_799)
        let t = civil(epochMilliseconds: clamped * 1000)
        bytes.append(contentsOf: dayNames[t.weekday].utf8)
        bytes.append(contentsOf: ", ".utf8)
        appendPadded(Int64(t.day), width: 2, to: &bytes)
        bytes.append(32)
        bytes.append(contentsOf: monthNames[t.month - 1].utf8)
        bytes.append(32)
        appendPadded(t.year, width: 4, to: &bytes)
        bytes.append(32)
        appendClock(t, to: &bytes)
        bytes.append(contentsOf: " GMT".utf8)
    }

    /// `2019-12-11T08:00:00.000Z`, exactly what JavaScript's `Date.prototype.toISOString` (and
    /// so `JSON.stringify(new Date())`) produces, including `+012345-…`/`-000001-…` years
    /// outside 0...9999.
    public static func iso8601UTC(epochMilliseconds: Int64) -> String {
        let t = civil(epochMilliseconds: epochMilliseconds)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        if t.year >= 0 && t.year <= 9999 {
            appendPadded(t.year, width: 4, to: &bytes)
        } else {
            bytes.append(t.year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            appendPadded(t.year < 0 ? 0 - t.year : t.year, width: 6, to: &bytes)
        }
        bytes.append(UInt8(ascii: "-"))
        appendPadded(Int64(t.month), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(Int64(t.day), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendClock(t, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendPadded(Int64(t.millisecond), width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Epoch seconds of an IMF-fixdate (`If-Modified-Since`); nil for anything else, including
    /// the obsolete RFC 850 and asctime forms (a conditional request then simply gets the full
    /// answer). The weekday name must be one, but is not checked against the date.
    public static func parseIMFFixdate(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 29, b[3] == UInt8(ascii: ","), b[4] == 32, b[7] == 32, b[11] == 32, b[16] == 32,
              b[19] == UInt8(ascii: ":"), b[22] == UInt8(ascii: ":"), b[25] == 32,
              b[26] == UInt8(ascii: "G"), b[27] == UInt8(ascii: "M"), b[28] == UInt8(ascii: "T"),
              dayNames.contains(where: { matches(b, 0, $0) }),
              let monthIndex = monthNames.firstIndex(where: { matches(b, 8, $0) }),
              let day = digits(b, 5, 2), let year = digits(b, 12, 4),
              let hour = digits(b, 17, 2), let minute = digits(b, 20, 2), let second = digits(b, 23, 2),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        let month = monthIndex + 1
        guard day >= 1, day <= daysInMonth(year: Int64(year), month: month) else { return nil }
        let days = daysFromCivil(year: Int64(year), month: month, day: day)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, UTC)

    /// Days since 1970-01-01 of a civil date.
    public static func daysFromCivil(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: - Text

    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func appendClock(_ t: CivilTime, to bytes: inout [UInt8]) {
        appendPadded(Int64(t.hour), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(Int64(t.minute), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(Int64(t.second), width: 2, to: &bytes)
    }

    /// Decimal digits of a non-negative value, zero-padded to `width`, without a scratch array
    /// (this runs for every `Date` header).
    private static func appendPadded(_ value: Int64, width: Int, to bytes: inout [UInt8]) {
        var divisor: Int64 = 1
        var digits = 1
        while divisor <= value / 10 {
            divisor *= 10
            digits += 1
        }
        if digits < width { bytes.append(contentsOf: repeatElement(48, count: width - digits)) }
        while divisor > 0 {
            bytes.append(48 + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    private static func matches(_ bytes: [UInt8], _ offset: Int, _ word: String) -> Bool {
        var i = offset
        for byte in word.utf8 {
            guard bytes[i] == byte else { return false }
            i += 1
        }
        return true
    }

    private static func digits(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int? {
        var value = 0
        for i in offset..<offset + count {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
}
